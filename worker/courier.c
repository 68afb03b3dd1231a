/* courier.c: a webhook courier, a thumbqd child beside the image workers.
 *
 * When a job with a callback_url ends, the script that ends it queues the
 * id on P webhooks; that is all an image worker does for a webhook, so a
 * slow or dead receiver never holds up image work.  A courier moves one id
 * at a time into its own list (store_webhook_claim), so that nothing is lost
 * if it dies (the master hands its list back), POSTs the job JSON, signed,
 * and records the attempt: delivered, retried later with exponential
 * backoff (the master promotes the retry when due), or given up after
 * webhook_max_attempts.  Delivery is at least once: a receiver may see the
 * same job twice (a courier killed between POST and record), and should
 * use the job id to tell.
 *
 * resized_url is absolute only with base_url set: the API builds it from
 * the request's Host when base_url is empty, but a courier has no request,
 * so a webhook then carries a bare path; it says so in the log, once.
 *
 * Like a worker child, it creates its Redis connection and curl handle
 * after fork, and never outlives its master. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "apikey.h"
#include "courier.h"
#include "job.h"
#include "joberror.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "webhook.h"

/* How long one claim blocks in Redis before the loop looks at its flags. */
#define COURIER_CLAIM_BLOCK_S 1
/* Redis outages: retry after 100 ms, doubling up to 5 s. */
#define COURIER_BACKOFF_MIN_MS 100
#define COURIER_BACKOFF_MAX_MS 5000
/* A failed delivery is tried again after 1 s, doubling up to 5 min. */
#define COURIER_RETRY_MIN_MS 1000
#define COURIER_RETRY_MAX_MS 300000

/* POSTs one claimed job to its callback and records the attempt, with one
 * log line.  Returns -1 if Redis did not take the record (the id is then
 * still in this courier's list). */
static int
courier_deliver(const struct thumbq_conf *conf, struct store *st, struct webhook_sender *ws,
    const char *wid, const struct job *job)
{
	static int warned;
	struct job_error err;
	unsigned attempt = job->callback_attempts + 1, delay = 0, max = conf->webhook_max_attempts;
	long status = 0, n;
	long long started = proc_now_ms(), ms;
	int delivered = 0;
	enum store_result r = STORE_OK;
	char *body, secret[APIKEY_SECRET_LEN + 1];

	if (job->status == JOB_COMPLETED && conf->base_url[0] == '\0' && !warned) {
		warned = 1;
		log_warn("event=courier_warning note=\"base_url is not set: resized_url in "
		    "webhooks is a path, not a URL; set base_url in thumbq.conf\"");
	}
	job_error_clear(&err);
	/* A key's job is signed with that key's secret, never the global one,
	 * so that its deliveries cannot be replayed to another client; a key
	 * revoked since has none left. */
	if (job->owner != NULL && (r = store_apikey_secret(st, job->owner, secret,
	    sizeof secret)) == STORE_ERROR) {
		log_err("job=%s event=webhook_secret_failed error=\"%s\"", job->id, store_error(st));
		return -1;
	}
	if (job->callback_url == NULL) {
		/* Queued, but the record has no callback: give up at once. */
		job_error_set(&err, "url_invalid", 0, "the job has no callback_url");
		max = 0;
	} else if (r == STORE_NOTFOUND) {
		job_error_set(&err, "key_revoked", 0, "the job's API key was revoked (or made "
		    "before keys had a webhook secret): nothing to sign with");
		max = 0;
	} else {
		body = job_to_json(job, conf->base_url);
		delivered = webhook_deliver(ws, job->callback_url, body,
		    job->owner != NULL ? secret : NULL, &status, &err) == 0;
		free(body);
		/* A refused address or URL stays refused: no point retrying. */
		if (!delivered && err.code != NULL && (strcmp(err.code, "address_blocked") == 0 ||
		    strcmp(err.code, "url_invalid") == 0))
			max = 0;
		else if (!delivered)
			delay = proc_retry_delay(COURIER_RETRY_MIN_MS, COURIER_RETRY_MAX_MS, attempt);
	}
	n = store_webhook_done(st, wid, job->id, delivered, delay, max, status);
	ms = proc_now_ms() - started;
	if (n < 0) {
		log_err("job=%s event=webhook_record_failed attempt=%u delivered=%d error=\"%s\"",
		    job->id, attempt, delivered, store_error(st));
		return -1;
	}
	if (n == 0)
		log_info("job=%s event=webhook_dropped note=\"job deleted during delivery\"",
		    job->id);
	else if (delivered)
		log_info("job=%s event=webhook_delivered attempt=%ld http_status=%ld ms=%lld",
		    job->id, n, status, ms);
	else if ((unsigned long)n < max)
		log_info("job=%s event=webhook_retry attempt=%ld http_status=%ld code=%s "
		    "delay_ms=%u ms=%lld message=\"%s\"", job->id, n, status, err.code, delay, ms,
		    err.message);
	else
		log_warn("job=%s event=webhook_failed attempt=%ld http_status=%ld code=%s "
		    "ms=%lld message=\"%s\"", job->id, n, status, err.code, ms, err.message);
	return 0;
}

void
courier_main(const struct thumbq_conf *conf, const char *wid, pid_t master)
{
	struct webhook_sender *ws;
	struct store *st;
	unsigned backoff = COURIER_BACKOFF_MIN_MS;
	/* Whether this courier's own list may hold an id that nobody will
	 * deliver: after a Redis error between taking an id and recording it.
	 * Such ids go back to the queue before the next claim. */
	int unsure = 1;
	char *cause = NULL;

	proc_child_setup(master, conf->user);
	ws = webhook_sender_new(conf, &cause);
	if (ws == NULL) {
		log_err("event=courier_failed error=\"%s\"", cause);
		_exit(1);
	}
	st = store_new(conf);
	log_info("event=courier_started wid=%s", wid);

	while (!proc_stop && getppid() == master) {
		struct job job;
		enum store_result r;
		long n;

		if (unsure) {
			if ((n = store_courier_recover(st, wid)) < 0) {
				log_warn("event=courier_recover_failed error=\"%s\" retry_ms=%u",
				    store_error(st), backoff);
				proc_backoff(&backoff, COURIER_BACKOFF_MAX_MS);
				continue;
			}
			if (n > 0)
				log_info("event=courier_requeued wid=%s webhooks=%ld", wid, n);
			unsure = 0;
		}
		r = store_webhook_claim(st, wid, COURIER_CLAIM_BLOCK_S, &job);
		if (r == STORE_NOTFOUND)
			continue;
		if (r != STORE_OK) {
			log_warn("event=webhook_claim_failed error=\"%s\" retry_ms=%u",
			    store_error(st), backoff);
			unsure = 1;
			proc_backoff(&backoff, COURIER_BACKOFF_MAX_MS);
			continue;
		}
		backoff = COURIER_BACKOFF_MIN_MS;
		if (courier_deliver(conf, st, ws, wid, &job) == -1) {
			unsure = 1;
			proc_backoff(&backoff, COURIER_BACKOFF_MAX_MS);
		}
		job_free(&job);
	}
	log_info("event=proc_stopped wid=%s", wid);
	store_free(st);
	webhook_sender_free(ws);
	_exit(0);
}
