/* outcome.c: completed, retried or failed (see outcome.h). */
#include "config.h"

#include "log.h"
#include "outcome.h"
#include "proc.h"
#include "storage.h"
#include "xmalloc.h"

/* Removes the files of a job: its one thumbnail, or every variant's
 * (the first of which is job->path).  0, or -1 if one could not be. */
static int
outcome_remove(struct storage *sto, const struct job *job)
{
	int rc = 0;

	if (job->nvariants == 0)
		return storage_remove(sto, job->path) == -1 ? -1 : 0;
	for (size_t i = 0; i < job->nvariants && i < JOB_MAX_VARIANTS; i++)
		if (job->variants[i].path != NULL &&
		    storage_remove(sto, job->variants[i].path) == -1)
			rc = -1;
	return rc;
}

/* Redis answers nothing while there is no primary: a Sentinel failover
 * takes down-after-milliseconds and an election (2.5 s in sentinel.sh,
 * tens of seconds with Sentinel's defaults), a restarted Redis a moment.
 * The work is done: the outcome is sent again, with backoff, for up to
 * half the lease (renewed when the thumbnail started), rather than left to
 * the lease reaper, which would cost the job an attempt and do it again.
 * Each finish script is safe to run twice, and one whose claim the new
 * primary never learnt answers STALE. */
#define OUTCOME_AGAIN_FIRST_MS 100
#define OUTCOME_AGAIN_MAX_MS 2000

enum outcome_kind {
	OUTCOME_COMPLETE,
	OUTCOME_RETRY,
	OUTCOME_FAIL,
};

static enum store_result
outcome_send(struct store *st, const char *wid, struct job *job,
    enum outcome_kind kind, unsigned delay)
{
	switch (kind) {
	case OUTCOME_COMPLETE:
		return store_complete(st, wid, job);
	case OUTCOME_RETRY:
		return store_retry(st, wid, job, delay);
	default:
		return store_fail(st, wid, job);
	}
}

static enum store_result
outcome_send_until(const struct thumbq_conf *conf, struct store *st,
    const char *wid, struct job *job, enum outcome_kind kind, unsigned delay)
{
	long long end = proc_now_ms() + (long long)conf->lease_seconds * 500;
	unsigned pause = OUTCOME_AGAIN_FIRST_MS;
	enum store_result r = outcome_send(st, wid, job, kind, delay);

	while (r == STORE_ERROR && proc_now_ms() + pause < end) {
		log_warn("job=%s event=finish_again retry_ms=%u error=\"%s\"",
		    job->id, pause, store_error(st));
		proc_backoff(&pause, OUTCOME_AGAIN_MAX_MS);
		r = outcome_send(st, wid, job, kind, delay);
	}
	return r;
}

void
outcome_record(const struct thumbq_conf *conf, struct store *st,
    struct storage *sto, const char *wid, struct job *job,
    const struct job_error *err, long long started)
{
	enum store_result r;
	long long ms = proc_now_ms() - started;

	if (err->code == NULL) {
		r = outcome_send_until(conf, st, wid, job, OUTCOME_COMPLETE, 0);
		log_info("job=%s event=completed width=%u height=%u ms=%lld",
		    job->id, job->width, job->height, ms);
	} else if (err->transient && job->attempts < conf->max_attempts) {
		unsigned delay = proc_retry_delay(conf->retry_delay_ms,
		    conf->retry_max_delay_ms, job->attempts);

		job->error_code = xstrdup(err->code);
		job->error_message = xstrdup(err->message);
		r = outcome_send_until(conf, st, wid, job, OUTCOME_RETRY,
		    delay);
		log_info("job=%s event=retry attempt=%u delay_ms=%u code=%s "
		    "ms=%lld message=\"%s\"", job->id, job->attempts, delay,
		    err->code, ms, err->message);
	} else {
		job->error_code = xstrdup(err->code);
		job->error_message = xstrdup(err->message);
		r = outcome_send_until(conf, st, wid, job, OUTCOME_FAIL, 0);
		log_info("job=%s event=failed attempt=%u code=%s ms=%lld "
		    "message=\"%s\"", job->id, job->attempts, err->code, ms,
		    err->message);
	}
	if (r == STORE_STALE) {
		struct job now;
		enum store_result g = store_job_get(st, job->id, &now);

		if (g == STORE_OK)
			job_free(&now);
		if (g == STORE_NOTFOUND && job->path != NULL && sto != NULL) {
			/* Cancelled (deleted) while we worked: our file has
			 * no job, unless an earlier attempt wrote the same
			 * name and its result answered identical jobs too
			 * (dedupe). */
			if (store_path_in_use(st, job->path) == 0 &&
			    outcome_remove(sto, job) == -1)
				log_warn("job=%s event=remove_failed "
				    "error=\"%s\"", job->id,
				    storage_error(sto));
			log_info("job=%s event=cancelled_while_processing",
			    job->id);
		} else {
			log_warn("job=%s event=lease_lost (another worker owns "
			    "it now)", job->id);
		}
	}
	else if (r == STORE_ERROR)
		log_err("job=%s event=finish_failed error=\"%s\"", job->id,
		    store_error(st));
}
