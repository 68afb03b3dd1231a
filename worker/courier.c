/* courier.c: a webhook courier, a thumbqd child beside the image workers.
 *
 * When a job with a callback_url ends, the script that ends it queues its
 * delivery in a lane of its owner and receiver host (see lib.lua); that is
 * all an image worker does for a webhook, so a slow or dead receiver never
 * holds up image work.  A courier runs many deliveries at once on one
 * libcurl multi handle (webhook.c): up to webhook_concurrency first
 * attempts, and half as many retries besides, so that receivers that keep
 * failing can never take the room of first attempts; at most
 * webhook_host_concurrency of them to one receiver host, and at most half
 * of each kind for one owner (API key; every client without one counts as
 * one owner), so that neither a receiver that never answers nor a client
 * with many of them holds up anyone else's.  It takes deliveries from the
 * lanes in turns that every courier shares (store_webhook_claim) into its
 * own list, so that nothing is lost if it dies (its master hands the list
 * back, or any other host once this one is silent), POSTs each job's JSON,
 * signed (with the secret of the job's API key, or webhook_secret for a job
 * made without one), and records each attempt: delivered, retried later with
 * exponential backoff (the master promotes the retry when due), or given up
 * after webhook_max_attempts.  Delivery is at least once: a receiver may
 * see the same job twice (a courier killed between POST and record), and
 * should use the job id to tell.
 *
 * resized_url is absolute only with base_url set: the API builds it from
 * the request's Host when base_url is empty, but a courier has no request,
 * so a webhook then carries a bare path; it says so in the log, once.
 *
 * Like a worker child, it creates its Redis connection and curl handles
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
#include "xmalloc.h"

/* How long an idle courier blocks in Redis before it looks at its flags. */
#define COURIER_WAIT_S 1
/* How often a busy courier looks for more deliveries when it found none
 * it could take, or moves its transfers on when none is ready. */
#define COURIER_POLL_MS 100
/* Redis outages: retry after 100 ms, doubling up to 5 s. */
#define COURIER_BACKOFF_MIN_MS 100
#define COURIER_BACKOFF_MAX_MS 5000
/* A failed delivery is tried again after 1 s, doubling up to 5 min. */
#define COURIER_RETRY_MIN_MS 1000
#define COURIER_RETRY_MAX_MS 300000

/* First attempts and retries: each has its share of the transfers. */
enum { COURIER_FIRST, COURIER_RETRY, COURIER_KINDS };
static const char *const courier_family[COURIER_KINDS] = { "new", "retry" };

/* One delivery in flight. */
struct delivery {
	struct job job;
	int kind;
	char owner[STORE_OWNER_LEN + 1];
	char host[STORE_HOST_MAX];
	long long started;
};

struct courier {
	const struct thumbq_conf *conf;
	const char *wid;
	/* webhook_secret: signs the jobs made without a key */
	const char *secret;
	struct store *st;
	struct webhook_sender *ws;
	struct delivery **out;	/* nslots entries, NULL where free */
	size_t nslots;
	unsigned cap[COURIER_KINDS];	/* transfers of each kind at once */
	unsigned owner_max[COURIER_KINDS];
	unsigned held[COURIER_KINDS];
	int kind;		/* of the claim under way */
	/* What it holds, by host and by owner, for a claim (nslots each). */
	const char **hosts, **owners;
	unsigned *host_n, *owner_n;
	/* Whether this courier's own list may hold a delivery that nobody will
	 * make: after a Redis error between taking one and recording it.  It
	 * then takes nothing more, and once it holds nothing, hands its list
	 * back to the lanes. */
	int unsure;
	long long next_claim;	/* ms; 0: as soon as there is room */
	long long claim_after;	/* ms: no claim before, after a failed one */
	unsigned backoff;	/* ms, for Redis outages */
};

/* Lets d go, recorded or not (then it stays in this courier's list). */
static void
courier_forget(struct courier *c, struct delivery *d)
{
	for (size_t i = 0; i < c->nslots; i++)
		if (c->out[i] == d)
			c->out[i] = NULL;
	c->held[d->kind]--;
	job_free(&d->job);
	free(d);
}

/* Records one attempt of d, with one log line, and lets d go.  On a Redis
 * error the delivery stays in this courier's list (c->unsure). */
static void
courier_record(struct courier *c, struct delivery *d, int delivered,
    long status, struct job_error *err)
{
	const struct job *job = &d->job;
	unsigned attempt = job->callback_attempts + 1, delay = 0;
	unsigned max = c->conf->webhook_max_attempts;
	long long ms = proc_now_ms() - d->started;
	long n;

	/* A refused address or URL, or a revoked key, stays so: no point
	 * retrying. */
	if (!delivered && err->code != NULL && !err->transient)
		max = 0;
	else if (!delivered)
		delay = proc_retry_delay(COURIER_RETRY_MIN_MS,
		    COURIER_RETRY_MAX_MS, attempt);
	n = store_webhook_done(c->st, c->wid, job->id, delivered, delay, max,
	    status);
	if (n == -1) {
		log_err("job=%s event=webhook_record_failed attempt=%u "
		    "delivered=%d error=\"%s\"", job->id, attempt, delivered,
		    store_error(c->st));
		c->unsure = 1;
	} else if (n == STORE_WEBHOOK_AGAIN)
		log_info("job=%s event=webhook_superseded http_status=%ld "
		    "ms=%lld note=\"the job ended again during delivery: its "
		    "new ending is queued\"", job->id, status, ms);
	else if (n == 0)
		log_info("job=%s event=webhook_dropped note=\"job deleted "
		    "during delivery\"", job->id);
	else if (delivered)
		log_info("job=%s event=webhook_delivered attempt=%ld "
		    "http_status=%ld ms=%lld host=%s", job->id, n, status, ms,
		    d->host);
	else if ((unsigned long)n < max)
		log_info("job=%s event=webhook_retry attempt=%ld "
		    "http_status=%ld code=%s delay_ms=%u ms=%lld host=%s "
		    "message=\"%s\"", job->id, n, status, err->code, delay, ms,
		    d->host, err->message);
	else
		log_warn("job=%s event=webhook_failed attempt=%ld "
		    "http_status=%ld code=%s ms=%lld host=%s message=\"%s\"",
		    job->id, n, status, err->code, ms, d->host, err->message);
	courier_forget(c, d);
}

/* store_webhook_cb: starts one delivery just taken.  One that cannot start
 * (no callback_url, a refused URL, a revoked key) is recorded at once. */
static void
courier_take(struct job *job, const char *owner, const char *host, void *arg)
{
	static int warned;
	struct courier *c = arg;
	struct delivery *d = xcalloc(1, sizeof *d);
	struct job_error err;
	enum store_result r = STORE_OK;
	char secret[APIKEY_SECRET_LEN + 1], *body;
	size_t i;

	d->job = *job;	/* taken over */
	d->kind = c->kind;
	memcpy(d->owner, owner, sizeof d->owner);
	strncpy(d->host, host, sizeof d->host - 1);
	d->started = proc_now_ms();
	for (i = 0; i < c->nslots && c->out[i] != NULL; i++)
		;
	if (i == c->nslots)
		abort();	/* a claim takes no more than there is room */
	c->out[i] = d;
	c->held[d->kind]++;
	if (job->status == JOB_COMPLETED && c->conf->base_url[0] == '\0' &&
	    !warned) {
		warned = 1;
		log_warn("event=courier_warning note=\"base_url is not set: "
		    "resized_url in webhooks is a path, not a URL; set "
		    "base_url in thumbq.conf\"");
	}
	job_error_clear(&err);
	/* A key's job is signed with that key's secret, never the global one,
	 * so that its deliveries cannot be replayed to another client; a key
	 * revoked since has none left. */
	if (d->job.owner != NULL &&
	    (r = store_apikey_secret(c->st, d->job.owner, secret,
	    sizeof secret)) == STORE_ERROR) {
		log_err("job=%s event=webhook_secret_failed error=\"%s\"",
		    d->job.id, store_error(c->st));
		c->unsure = 1;
		courier_forget(c, d);
		return;
	}
	if (d->job.callback_url == NULL) {
		/* Queued, but the record has no callback: give up at once. */
		job_error_set(&err, "url_invalid", 0,
		    "the job has no callback_url");
		courier_record(c, d, 0, 0, &err);
	} else if (r == STORE_NOTFOUND) {
		job_error_set(&err, "key_revoked", 0,
		    "the job's API key was revoked (or made before keys had a "
		    "webhook secret): nothing to sign with");
		courier_record(c, d, 0, 0, &err);
	} else if ((body = job_to_json(&d->job, c->conf->base_url)) == NULL) {
		job_error_set(&err, "webhook_failed", 0,
		    "the job's record is too large to send");
		courier_record(c, d, 0, 0, &err);
	} else if (webhook_start(c->ws, d->job.callback_url, body,
	    d->job.owner != NULL ? secret : c->secret, d, &err) == -1)
		courier_record(c, d, 0, 0, &err);
}

/* Adds one to name's count in names/n (len of them so far). */
static void
courier_count(const char **names, unsigned *n, size_t *len, const char *name)
{
	for (size_t i = 0; i < *len; i++) {
		if (strcmp(names[i], name) == 0) {
			n[i]++;
			return;
		}
	}
	names[*len] = name;
	n[*len] = 1;
	(*len)++;
}

/* Takes as many deliveries of each kind as there is room for.  When the
 * lanes had fewer for it (empty, or what waits is for an owner or host at
 * its bound), looks again only after COURIER_POLL_MS, or once a delivery
 * ends and makes room. */
static void
courier_claim(struct courier *c)
{
	int full = 1;

	for (int k = 0; k < COURIER_KINDS && !c->unsure; k++) {
		struct store_webhook_take t = {
			.family = courier_family[k],
			.max = c->cap[k] - c->held[k],
			.owner_max = c->owner_max[k],
			.host_max = c->conf->webhook_host_concurrency,
			.hosts = c->hosts, .host_n = c->host_n,
			.owners = c->owners, .owner_n = c->owner_n,
		};
		long n;

		if (t.max == 0)
			continue;
		for (size_t i = 0; i < c->nslots; i++) {
			if (c->out[i] == NULL)
				continue;
			courier_count(c->hosts, c->host_n, &t.nhosts,
			    c->out[i]->host);
			if (c->out[i]->kind == k)
				courier_count(c->owners, c->owner_n, &t.nowners,
				    c->out[i]->owner);
		}
		c->kind = k;
		n = store_webhook_claim(c->st, c->wid, &t, courier_take, c);
		if (n < 0) {
			/* No sleep: the transfers in flight go on meanwhile. */
			log_warn("event=webhook_claim_failed error=\"%s\" "
			    "retry_ms=%u", store_error(c->st), c->backoff);
			c->unsure = 1;
			c->claim_after = proc_now_ms() + c->backoff;
			c->backoff = c->backoff * 2 < COURIER_BACKOFF_MAX_MS ?
			    c->backoff * 2 : COURIER_BACKOFF_MAX_MS;
			return;
		}
		if ((unsigned long)n < t.max)
			full = 0;
	}
	c->backoff = COURIER_BACKOFF_MIN_MS;
	c->next_claim = full ? 0 : proc_now_ms() + COURIER_POLL_MS;
}

/* Nothing in flight: waits for a delivery to be queued, or hands back what
 * its list may hold after an error.  Sleeps through Redis outages. */
static void
courier_idle(struct courier *c)
{
	long n;

	if (c->unsure) {
		if ((n = store_courier_recover(c->st, c->wid)) < 0) {
			log_warn("event=courier_recover_failed error=\"%s\" "
			    "retry_ms=%u", store_error(c->st), c->backoff);
			proc_backoff(&c->backoff, COURIER_BACKOFF_MAX_MS);
			return;
		}
		if (n > 0)
			log_info("event=courier_requeued wid=%s webhooks=%ld",
			    c->wid, n);
		c->unsure = 0;
		return;
	}
	if (proc_stop)
		return;
	if (store_webhook_wait(c->st, COURIER_WAIT_S) < 0) {
		log_warn("event=webhook_wait_failed error=\"%s\" retry_ms=%u",
		    store_error(c->st), c->backoff);
		proc_backoff(&c->backoff, COURIER_BACKOFF_MAX_MS);
		return;
	}
	c->next_claim = 0;	/* woken, or a second passed: look */
}

/* Moves the transfers on and records those that end. */
static void
courier_run(struct courier *c)
{
	struct delivery *d;
	struct job_error err;
	long status;
	int delivered;

	if (webhook_run(c->ws, COURIER_POLL_MS) == -1)
		log_err("event=courier_poll_failed note=\"libcurl multi handle "
		    "failed\"");
	for (;;) {
		job_error_clear(&err);
		if ((d = webhook_finished(c->ws, &delivered, &status,
		    &err)) == NULL)
			break;
		courier_record(c, d, delivered, status, &err);
		c->next_claim = 0;	/* there is room again */
	}
}

void
courier_main(const struct thumbq_conf *conf, const char *wid, pid_t master)
{
	struct courier c = { .conf = conf, .wid = wid, .unsure = 1,
	    .backoff = COURIER_BACKOFF_MIN_MS };
	char *cause = NULL;

	proc_child_setup(master, conf->user);
	c.cap[COURIER_FIRST] = conf->webhook_concurrency;
	c.cap[COURIER_RETRY] = conf->webhook_concurrency > 1 ?
	    conf->webhook_concurrency / 2 : 1;
	for (int k = 0; k < COURIER_KINDS; k++)
		c.owner_max[k] = c.cap[k] > 1 ? c.cap[k] / 2 : 1;
	c.nslots = c.cap[COURIER_FIRST] + c.cap[COURIER_RETRY];
	c.secret = conf->webhook_secret != NULL ? conf->webhook_secret : "";
	if ((c.ws = webhook_sender_new(conf, (unsigned)c.nslots,
	    &cause)) == NULL) {
		log_err("event=courier_failed error=\"%s\"", cause);
		_exit(1);
	}
	c.out = xcalloc(c.nslots, sizeof *c.out);
	c.hosts = xcalloc(c.nslots, sizeof *c.hosts);
	c.owners = xcalloc(c.nslots, sizeof *c.owners);
	c.host_n = xcalloc(c.nslots, sizeof *c.host_n);
	c.owner_n = xcalloc(c.nslots, sizeof *c.owner_n);
	c.st = store_new(conf);
	log_info("event=courier_started wid=%s transfers=%u retries=%u "
	    "per_host=%u per_owner=%u", wid, c.cap[COURIER_FIRST],
	    c.cap[COURIER_RETRY], conf->webhook_host_concurrency,
	    c.owner_max[COURIER_FIRST]);

	/* SIGTERM: take nothing more, finish what is in flight (each within
	 * webhook_timeout), then leave. */
	while (getppid() == master) {
		int busy = c.held[COURIER_FIRST] + c.held[COURIER_RETRY] > 0;

		if (proc_stop && !busy)
			break;
		if (!proc_stop && !c.unsure && proc_now_ms() >= c.next_claim &&
		    proc_now_ms() >= c.claim_after) {
			courier_claim(&c);
			busy = c.held[COURIER_FIRST] +
			    c.held[COURIER_RETRY] > 0;
		}
		if (busy)
			courier_run(&c);
		else
			courier_idle(&c);
	}
	log_info("event=courier_stopped wid=%s", wid);
	store_free(c.st);
	webhook_sender_free(c.ws);
	_exit(0);
}
