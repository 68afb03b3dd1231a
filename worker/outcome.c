/* outcome.c: completed, retried or failed (see outcome.h). */
#include "config.h"

#include <stdlib.h>

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
 * tens of seconds with Sentinel's defaults), a restarted Redis a moment;
 * and one at its maxmemory or that cannot save (MISCONF) refuses writes
 * until its operator acts.  The work is done: the outcome is sent again,
 * with backoff, for up to half the lease (renewed when the thumbnail
 * started), rather than left to the lease reaper, which would cost the job
 * an attempt and do it again.  Each finish script is safe to run twice,
 * and one whose claim the new primary never learnt answers STALE. */
#define OUTCOME_AGAIN_FIRST_MS 100
#define OUTCOME_AGAIN_MAX_MS 2000

enum outcome_kind {
	OUTCOME_COMPLETE,
	OUTCOME_RETRY,
	OUTCOME_OUTAGE,		/* the storage's failure: no attempt used */
	OUTCOME_FAIL,
};

/* One try.  An outage retry sets *delay to the delay the job got, or to 0
 * when the job has waited outage_max_s: nothing was changed, fail it. */
static enum store_result
outcome_send(const struct thumbq_conf *conf, struct store *st,
    const char *wid, struct job *job, enum outcome_kind kind,
    unsigned *delay)
{
	switch (kind) {
	case OUTCOME_COMPLETE:
		return store_complete(st, wid, job);
	case OUTCOME_RETRY:
		return store_retry(st, wid, job, *delay);
	case OUTCOME_OUTAGE:
		return store_retry_outage(st, wid, job,
		    conf->outage_retry_delay_ms,
		    conf->outage_retry_max_delay_ms,
		    (unsigned long long)conf->outage_max_s * 1000, delay);
	default:
		return store_fail(st, wid, job);
	}
}

static enum store_result
outcome_send_until(const struct thumbq_conf *conf, struct store *st,
    const char *wid, struct job *job, enum outcome_kind kind,
    unsigned *delay)
{
	long long end = proc_now_ms() + (long long)conf->lease_seconds * 500;
	unsigned pause = OUTCOME_AGAIN_FIRST_MS;
	enum store_result r = outcome_send(conf, st, wid, job, kind, delay);

	while (r == STORE_ERROR && proc_now_ms() + pause < end) {
		log_warn("job=%s event=finish_again retry_ms=%u error=\"%s\"",
		    job->id, pause, store_error(st));
		proc_backoff(&pause, OUTCOME_AGAIN_MAX_MS);
		r = outcome_send(conf, st, wid, job, kind, delay);
	}
	return r;
}

/* The job's error as its record will show it (a claimed job's record may
 * hold the last attempt's already). */
static void
outcome_set_error(struct job *job, const char *code, const char *message)
{
	free(job->error_code);
	free(job->error_message);
	job->error_code = xstrdup(code);
	job->error_message = xstrdup(message);
}

/* Our lease was lost: the job was cancelled (deleted) while we worked, or
 * another worker owns it now. */
static void
outcome_stale(struct store *st, struct storage *sto, struct job *job)
{
	struct job now;
	enum store_result g = store_job_get(st, job->id, &now);

	if (g == STORE_OK)
		job_free(&now);
	if (g == STORE_NOTFOUND && job->path != NULL && sto != NULL) {
		/* Cancelled: our file has no job, unless an earlier attempt
		 * wrote the same name and its result answered identical jobs
		 * too (dedupe). */
		if (store_path_in_use(st, job->path) == 0 &&
		    outcome_remove(sto, job) == -1)
			log_warn("job=%s event=remove_failed error=\"%s\"",
			    job->id, storage_error(sto));
		log_info("job=%s event=cancelled_while_processing", job->id);
	} else
		log_warn("job=%s event=lease_lost (another worker owns it "
		    "now)", job->id);
}

static void
outcome_log(const struct job *job, enum outcome_kind kind, unsigned delay,
    long long ms)
{
	switch (kind) {
	case OUTCOME_COMPLETE:
		log_info("job=%s event=completed width=%u height=%u ms=%lld",
		    job->id, job->width, job->height, ms);
		break;
	case OUTCOME_RETRY:
		log_info("job=%s event=retry attempt=%u delay_ms=%u code=%s "
		    "ms=%lld message=\"%s\"", job->id, job->attempts, delay,
		    job->error_code, ms, job->error_message);
		break;
	case OUTCOME_OUTAGE:
		log_info("job=%s event=outage_retry attempt=%u delay_ms=%u "
		    "code=%s ms=%lld (no attempt used up)", job->id,
		    job->attempts, delay, job->error_code, ms);
		break;
	default:
		log_info("job=%s event=failed attempt=%u code=%s ms=%lld "
		    "message=\"%s\"", job->id, job->attempts, job->error_code,
		    ms, job->error_message);
		break;
	}
}

void
outcome_record(const struct thumbq_conf *conf, struct store *st,
    struct storage *sto, const char *wid, struct job *job,
    const struct job_error *err, long long started)
{
	enum outcome_kind kind = OUTCOME_FAIL;
	enum store_result r;
	long long ms = proc_now_ms() - started;
	unsigned delay = 0;

	if (err->code == NULL)
		kind = OUTCOME_COMPLETE;
	else {
		outcome_set_error(job, err->code, err->message);
		/* What the client's message leaves out, with the job id. */
		if (err->detail[0] != '\0')
			log_warn("job=%s event=error_detail code=%s "
			    "detail=\"%s\"", job->id, err->code, err->detail);
		if (err->outage)
			kind = OUTCOME_OUTAGE;
		else if (err->transient && job->attempts < conf->max_attempts) {
			kind = OUTCOME_RETRY;
			delay = proc_retry_delay(conf->retry_delay_ms,
			    conf->retry_max_delay_ms, job->attempts);
		}
	}
	r = outcome_send_until(conf, st, wid, job, kind, &delay);
	if (kind == OUTCOME_OUTAGE && r == STORE_OK && delay == 0) {
		/* The outage lasted longer than a job may wait. */
		outcome_set_error(job, "storage_unavailable", "the thumbnail "
		    "storage kept failing for longer than this service waits: "
		    "not stored");
		log_warn("job=%s event=outage_gave_up outage_max_s=%u",
		    job->id, conf->outage_max_s);
		kind = OUTCOME_FAIL;
		r = outcome_send_until(conf, st, wid, job, kind, &delay);
	}
	if (r == STORE_OK)
		outcome_log(job, kind, delay, ms);
	else if (r == STORE_STALE)
		outcome_stale(st, sto, job);
	else
		log_err("job=%s event=finish_failed error=\"%s\" (given up: "
		    "the job is done again once its lease runs out)", job->id,
		    store_error(st));
}
