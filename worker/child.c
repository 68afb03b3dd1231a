/* child.c: one worker child, single-threaded, one job at a time.
 *
 * Everything that is not fork-safe (the Redis connection, the curl handle,
 * GraphicsMagick's resource limits and its OpenMP runtime) is created here,
 * after fork, never in the master. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "fetch.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

/* How long one claim blocks in Redis before the loop looks at its flags. */
#define CHILD_CLAIM_BLOCK_S 1
/* Redis outages: retry after 100 ms, doubling up to 5 s. */
#define CHILD_BACKOFF_MIN_MS 100
#define CHILD_BACKOFF_MAX_MS 5000

static volatile sig_atomic_t child_stop;

static void
child_on_signal(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* Sleeps ms, cut short by a signal (so SIGTERM is seen at once). */
static void
child_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The master blocks every signal it handles; a child starts from a clean
 * slate: default dispositions, its own flag handlers, nothing blocked. */
static void
child_signals(pid_t master)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = child_on_signal;	/* no SA_RESTART: a signal cuts sleeps short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A child must not outlive its master (whose restart recovers its
	 * claims); if the master is already gone, stop now. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		child_stop = 1;
}

static long long
child_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Exponential backoff with jitter: attempt n waits between half and all of
 * retry_delay_ms * 2^(n-1), capped, so that a burst of jobs failing against
 * the same origin does not come back in lockstep. */
static unsigned
child_retry_delay(const struct thumbq_conf *conf, unsigned attempts)
{
	unsigned long long d = conf->retry_delay_ms;

	for (unsigned i = 1; i < attempts && d < conf->retry_max_delay_ms; i++)
		d *= 2;
	if (d > conf->retry_max_delay_ms)
		d = conf->retry_max_delay_ms;
	return (unsigned)(d / 2 + (d > 1 ? (unsigned long long)random() % (d / 2 + 1) : 0));
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
	long long ms = child_now_ms() - started;

	if (err->code == NULL) {
		r = store_complete(st, wid, job);
		log_info("job=%s event=completed width=%u height=%u ms=%lld", job->id,
		    job->width, job->height, ms);
	} else if (err->transient && job->attempts < conf->max_attempts) {
		unsigned delay = child_retry_delay(conf, job->attempts);

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

	child_signals(master);
	image_child_init(conf);
	fetcher = fetch_new(conf, &cause);
	if (fetcher == NULL) {
		log_err("event=child_failed error=\"%s\"", cause);
		_exit(1);
	}
	st = store_new(conf);
	srandom((unsigned)getpid() ^ (unsigned)child_now_ms());
	log_info("event=child_started wid=%s", wid);

	while (!child_stop && getppid() == master) {
		struct job job;
		struct job_error err;
		long long started;

		switch (store_claim(st, wid, CHILD_CLAIM_BLOCK_S, conf->lease_seconds * 1000, &job)) {
		case STORE_OK:
			break;
		case STORE_NOTFOUND:
			continue;
		default:
			log_warn("event=claim_failed error=\"%s\" retry_ms=%u", store_error(st),
			    backoff);
			child_sleep_ms(backoff);
			backoff = backoff * 2 > CHILD_BACKOFF_MAX_MS ? CHILD_BACKOFF_MAX_MS :
			    backoff * 2;
			continue;
		}
		backoff = CHILD_BACKOFF_MIN_MS;
		started = child_now_ms();
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
