/* child.c: one worker child, single-threaded, one job at a time.
 *
 * Everything that is not fork-safe (the Redis connection, the curl handle,
 * GraphicsMagick's resource limits and its OpenMP runtime) is created here,
 * after fork, never in the master. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "child.h"
#include "fetch.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "proc.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

/* How long one claim blocks in Redis before the loop looks at its flags. */
#define CHILD_CLAIM_BLOCK_S 1
/* Redis outages: retry after 100 ms, doubling up to 5 s. */
#define CHILD_BACKOFF_MIN_MS 100
#define CHILD_BACKOFF_MAX_MS 5000

/* Fetches, resizes and stores one claimed job; fills err on failure. */
static int
child_make_thumbnail(const struct thumbq_conf *conf, struct fetcher *fetcher,
    struct job *job, struct job_error *err)
{
	struct image_request ireq = job->opts;
	struct fetch_result fr;
	struct image_result ir;
	char relpath[STORAGE_RELPATH_MAX];
	int rc;

	/* A record without options (made by an older version) gets the
	 * configured defaults. */
	if (ireq.width == 0 || ireq.height == 0) {
		ireq.width = conf->thumbnail_width;
		ireq.height = conf->thumbnail_height;
	}
	if (ireq.quality == 0)
		ireq.quality = conf->jpeg_quality;
	memset(&ir, 0, sizeof ir);
	if (fetch_get(fetcher, job->url, &fr, err) == -1)
		return -1;
	job->fetched_bytes = fr.len;
	if (image_thumbnail(fr.data, fr.len, &ireq, &ir, err) == -1)
		return -1;
	storage_relpath(job->id, ir.ext, relpath);
	rc = storage_write(conf->docroot, relpath, ir.data, ir.len, err);
	if (rc == 0) {
		job->path = xstrdup(relpath);
		job->width = ir.width;
		job->height = ir.height;
	}
	free(ir.data);
	return rc;
}

/* Records the outcome: completed, retried later (a transient error with
 * attempts left), or failed.  If Redis is unreachable the result is dropped:
 * the lease runs out and the job is done again, which is safe because the
 * file is named by the job id and replaced by rename. */
static void
child_finish(const struct thumbq_conf *conf, struct store *st, const char *wid,
    struct job *job, const struct job_error *err, long long started)
{
	enum store_result r;
	long long ms = proc_now_ms() - started;

	if (err->code == NULL) {
		r = store_complete(st, wid, job);
		log_info("job=%s event=completed width=%u height=%u ms=%lld", job->id,
		    job->width, job->height, ms);
	} else if (err->transient && job->attempts < conf->max_attempts) {
		unsigned delay = proc_retry_delay(conf->retry_delay_ms, conf->retry_max_delay_ms, job->attempts);

		job->error_code = xstrdup(err->code);
		job->error_message = xstrdup(err->message);
		r = store_retry(st, wid, job, delay);
		log_info("job=%s event=retry attempt=%u delay_ms=%u code=%s ms=%lld message=\"%s\"",
		    job->id, job->attempts, delay, err->code, ms, err->message);
	} else {
		job->error_code = xstrdup(err->code);
		job->error_message = xstrdup(err->message);
		r = store_fail(st, wid, job);
		log_info("job=%s event=failed attempt=%u code=%s ms=%lld message=\"%s\"", job->id,
		    job->attempts, err->code, ms, err->message);
	}
	if (r == STORE_STALE) {
		struct job now;
		enum store_result g = store_job_get(st, job->id, &now);

		if (g == STORE_OK)
			job_free(&now);
		if (g == STORE_NOTFOUND && job->path != NULL) {
			/* Cancelled (deleted) while we worked: our file has no job. */
			storage_remove(conf->docroot, job->id, job->path);
			log_info("job=%s event=cancelled_while_processing", job->id);
		} else {
			log_warn("job=%s event=lease_lost (another worker owns it now)", job->id);
		}
	}
	else if (r == STORE_ERROR)
		log_err("job=%s event=finish_failed error=\"%s\"", job->id, store_error(st));
}

void
child_main(const struct thumbq_conf *conf, const char *wid, pid_t master)
{
	struct fetcher *fetcher;
	struct store *st;
	unsigned backoff = CHILD_BACKOFF_MIN_MS;
	char *cause = NULL;

	proc_child_setup(master);
	proc_drop_privileges(conf->user);
	/* GraphicsMagick allocates and frees image-sized buffers on every job;
	 * with glibc's defaults they go back to the kernel each time and are
	 * faulted in again on the next (13% of worker cycles in perf, 16% of
	 * the corpus's CPU time in bench/run).  Keep them while busy; give them
	 * back when the queue is empty (malloc_trim below). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
	image_child_init(conf);
	fetcher = fetch_new(conf, &cause);
	if (fetcher == NULL) {
		log_err("event=child_failed error=\"%s\"", cause);
		_exit(1);
	}
	st = store_new(conf);
	log_info("event=child_started wid=%s", wid);

	while (!proc_stop && getppid() == master) {
		struct job job;
		struct job_error err;
		long long started;

		switch (store_claim(st, wid, conf->lease_seconds * 1000, &job)) {
		case STORE_OK:
			break;
		case STORE_NOTFOUND:
			/* Nothing pending: wait for a job, then look at the flags
			 * again before claiming, so that a worker told to stop
			 * while it waited takes nothing new. */
			switch (store_wait(st, CHILD_CLAIM_BLOCK_S)) {
			case 1:
				if (proc_stop)
					store_rewake(st);
				break;
			case 0:
				malloc_trim(0);	/* idle: memory back to the system */
				break;
			}
			continue;
		default:
			log_warn("event=claim_failed error=\"%s\" retry_ms=%u", store_error(st),
			    backoff);
			proc_backoff(&backoff, CHILD_BACKOFF_MAX_MS);
			continue;
		}
		backoff = CHILD_BACKOFF_MIN_MS;
		started = proc_now_ms();
		log_debug("job=%s event=claimed attempt=%u", job.id, job.attempts);
		job_error_clear(&err);
		child_make_thumbnail(conf, fetcher, &job, &err);
		child_finish(conf, st, wid, &job, &err, started);
		job_free(&job);
	}
	log_info("event=child_stopped wid=%s", wid);
	store_free(st);
	fetch_free(fetcher);
	_exit(0);
}
