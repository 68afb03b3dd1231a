/* downloads.c: a worker child's download threads (see downloads.h).
 *
 * One mutex guards the slots; one condition variable tells the main thread a
 * job is ready or a thread exited, another tells the threads that a body was
 * released or that they are to stop.  Each thread has a slot:
 *
 *   IDLE ─room─> CLAIMING ─claim─> FETCHING ─body─> READY ─taken─> IDLE
 *                  └─ nothing to claim ─> IDLE  └─ download failed:
 *                                                    recorded here ─> IDLE
 *
 * and ends EXITED.  A thread leaves IDLE only when the child has room for
 * another job (downloads_may_claim), and says so in the same step, so that
 * threads woken together cannot all take the last room.  Waits use
 * CLOCK_MONOTONIC, so a clock step cannot stretch them. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "downloads.h"
#include "fetch.h"
#include "log.h"
#include "outcome.h"
#include "proc.h"
#include "store.h"
#include "xmalloc.h"

/* How long one wait for a job blocks in Redis before a thread looks at the
 * stop flag again. */
#define DOWNLOADS_WAIT_S 1
/* Redis outages: retry after 100 ms, doubling up to 5 s. */
#define DOWNLOADS_BACKOFF_MIN_MS 100
#define DOWNLOADS_BACKOFF_MAX_MS 5000
/* Jobs a child may always hold besides the one being thumbnailed: the next
 * one ready when the decoder finishes, and one on its way. */
#define DOWNLOADS_HELD_MIN 2
/* How long a thread waits for room before it looks at the stop flag again. */
#define DOWNLOADS_ROOM_WAIT_MS 1000
/* An interactive child (interactive_workers) looks this often whether a
 * high or normal job is pending: it cannot block on the wake list, which
 * a low-priority flood keeps full.  The time between two looks is a
 * chance for a busy child to claim the job first, which then waits behind
 * that child's image: short, for the 99th percentile; 500 EXISTS a
 * second, each O(1) in Redis, is the price. */
#define DOWNLOADS_POLL_MS 2
/* Download threads of an interactive child: one.  Two would look at the
 * same pending high job together, and the one that lost the claim would
 * take a low job instead (priority.sh saw it). */
#define DOWNLOADS_INTERACTIVE_SLOTS 1

enum slot_state {
	SLOT_IDLE, SLOT_CLAIMING, SLOT_FETCHING, SLOT_READY, SLOT_EXITED
};

struct slot {
	struct downloads	*dl;
	pthread_t		 thread;
	int			 started;
	struct fetcher		*fetcher;
	struct store		*store;
	enum slot_state		 state;
	/* READY: what the main thread takes. */
	struct job		 job;
	struct fetch_result	 body;
	long long		 claimed;
	unsigned long long	 seq;		/* claim order */
};

struct downloads {
	const struct thumbq_conf *conf;
	const char		*wid;
	pthread_mutex_t		 lock;
	/* The main thread waits on ready (a job is ready, a thread is gone);
	 * the threads wait on released (a job was taken, or stop). */
	pthread_cond_t		 ready;
	pthread_cond_t		 released;
	int			 stopping;
	int			 paused;	/* downloads_pause */
	int			 interactive;	/* high and normal jobs only */
	unsigned		 running;	/* threads not yet EXITED */
	unsigned long long	 seq;
	unsigned		 nslots;
	struct slot		*slots;
	/* For downloads_may_claim: running averages (-1: none yet) of a
	 * download and of the main thread's time per job, when the main
	 * thread took the job in its hands (0: it has none), and how many it
	 * has finished. */
	long long		 fetch_ms;
	long long		 serve_ms;
	long long		 serving_since;
	unsigned long long	 served;
};

static void
downloads_deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* A slot back to IDLE makes room: threads waiting for it look again. */
static void
downloads_set_state(struct slot *s, enum slot_state state)
{
	pthread_mutex_lock(&s->dl->lock);
	s->state = state;
	if (state == SLOT_IDLE)
		pthread_cond_broadcast(&s->dl->released);
	pthread_mutex_unlock(&s->dl->lock);
}

/* Whether to claim nothing more.  proc_stop is read here as well as by the
 * main thread, which notices it only between jobs: a thread woken for a job
 * just after SIGTERM must hand the wake-up on, not claim it. */
static int
downloads_stopping(struct downloads *dl)
{
	int stopping;

	if (proc_stop)
		return 1;
	pthread_mutex_lock(&dl->lock);
	stopping = dl->stopping;
	pthread_mutex_unlock(&dl->lock);
	return stopping;
}

/* Sleeps ms, cut short by a stop. */
static void
downloads_nap(struct downloads *dl, unsigned ms)
{
	struct timespec until;

	downloads_deadline(&until, ms);
	pthread_mutex_lock(&dl->lock);
	while (!dl->stopping && pthread_cond_timedwait(&dl->released, &dl->lock,
	    &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&dl->lock);
}

/* Waits out a Redis outage (*ms, then doubled), cut short by a stop. */
static void
downloads_backoff(struct downloads *dl, unsigned *ms)
{
	downloads_nap(dl, *ms);
	*ms = *ms * 2 > DOWNLOADS_BACKOFF_MAX_MS ? DOWNLOADS_BACKOFF_MAX_MS :
	    *ms * 2;
}

/*
 * Whether an interactive child may claim now: only while a high or normal
 * job is pending, else it naps and the caller looks again.  The claim that
 * follows takes the highest priority pending (claim.lua), so it gets that
 * job unless another child took it in between; then it may get a low one,
 * rarely, and thumbnails it like any child.  Kept idle this way, it starts
 * an interactive job at once where the other children would first finish
 * the large low-priority images they hold (issue 17: 1011 ms p99 against
 * 22 ms idle).
 */
static int
downloads_interactive_ready(struct slot *s, unsigned *backoff)
{
	struct downloads *dl = s->dl;

	switch (store_interactive_pending(s->store)) {
	case 1:
		return 1;
	case 0:
		downloads_nap(dl, DOWNLOADS_POLL_MS);
		return 0;
	default:
		log_warn("event=claim_failed error=\"%s\" retry_ms=%u",
		    store_error(s->store), *backoff);
		downloads_backoff(dl, backoff);
		return 0;
	}
}

/* Adds a sample to a running average (-1: none yet) that follows the last
 * four or so: a run of slow images tightens the claims within a few. */
static void
downloads_average(long long *avg, long long ms)
{
	if (ms < 0)
		ms = 0;
	*avg = *avg < 0 ? ms : *avg + (ms - *avg) / 4;
}

/*
 * Whether a download thread may claim another job; the lock is held.  A job
 * claimed here waits for this child's decoder, and no other child can take
 * it meanwhile.  So the jobs the child holds besides the one in the main
 * thread's hands (being claimed, downloaded, or waiting for the decoder)
 * stay fewer than DOWNLOADS_HELD_MIN, or, beyond that, fewer than the
 * decoder gets through while two downloads take place, by the averages.
 * With a 500 ms origin and photos of about 90 ms that is about ten, enough
 * to keep the decoder busy; a fixed cap of 2 would leave it idle about an
 * eighth of the time (simulated: the claims such a cap lets through go out
 * together and come back together).  With images that take seconds, or
 * while the current one has taken longer than a download, it is the
 * minimum.  Before the first thumbnail there is nothing to go by, and every
 * thread may claim.
 */
static int
downloads_may_claim(const struct downloads *dl)
{
	unsigned held = 0;
	long long cost, busy;

	if (dl->paused)
		return 0;
	for (unsigned i = 0; i < dl->nslots; i++) {
		enum slot_state st = dl->slots[i].state;

		if (st == SLOT_CLAIMING || st == SLOT_FETCHING ||
		    st == SLOT_READY)
			held++;
	}
	if (held < DOWNLOADS_HELD_MIN || dl->serve_ms < 0)
		return 1;
	cost = dl->serve_ms;
	busy = dl->serving_since != 0 ? proc_now_ms() - dl->serving_since : 0;
	if (busy > cost)
		cost = busy;
	return (long long)held * cost <
	    2 * (dl->fetch_ms < 0 ? 0 : dl->fetch_ms);
}

/* Waits until the child has room for another job, then holds it (CLAIMING).
 * -1 if told to stop first. */
static int
downloads_room(struct slot *s)
{
	struct downloads *dl = s->dl;
	struct timespec until;
	int rc = -1;

	pthread_mutex_lock(&dl->lock);
	while (!dl->stopping && !proc_stop) {
		if (downloads_may_claim(dl)) {
			s->state = SLOT_CLAIMING;
			rc = 0;
			break;
		}
		downloads_deadline(&until, DOWNLOADS_ROOM_WAIT_MS);
		pthread_cond_timedwait(&dl->released, &dl->lock, &until);
	}
	pthread_mutex_unlock(&dl->lock);
	return rc;
}

/*
 * Whether this child's claims pass over high-priority jobs: it has
 * children kept for them beside it (interactive_workers), and its main
 * thread is at work on an image, which a job claimed now would wait for
 * (a fetched high job is served next, but not before the current one).
 * Left in the queue, the job goes to the interactive child or to a child
 * that is free; before this, a busy child's idle download thread, woken
 * by the job's wake-up, often took it first, and the job waited behind
 * that child's large image (the 99th percentile of bench/run's priority
 * phase).
 */
static int
downloads_busy(struct downloads *dl)
{
	int busy;

	if (dl->interactive || dl->conf->interactive_workers == 0)
		return 0;
	pthread_mutex_lock(&dl->lock);
	busy = dl->serving_since != 0;
	pthread_mutex_unlock(&dl->lock);
	return busy;
}

/* After STORE_LEFT: waits until the main thread is done with its image (or
 * a second, or a stop), and the caller claims again; this thread's wake-up
 * was for the job passed over, and it takes that job itself if it is
 * still pending then. */
static void
downloads_wait_free(struct downloads *dl)
{
	struct timespec until;

	downloads_deadline(&until, DOWNLOADS_ROOM_WAIT_MS);
	pthread_mutex_lock(&dl->lock);
	while (dl->serving_since != 0 && !dl->stopping && !proc_stop &&
	    pthread_cond_timedwait(&dl->released, &dl->lock, &until) !=
	    ETIMEDOUT)
		;
	pthread_mutex_unlock(&dl->lock);
}

/* Claims one job, waiting in Redis while there is none.  0 with job filled,
 * -1 if there was nothing (or Redis failed) this time round. */
static int
downloads_claim(struct slot *s, struct job *job, unsigned *backoff)
{
	struct downloads *dl = s->dl;

	if (dl->interactive && !downloads_interactive_ready(s, backoff))
		return -1;
	switch (store_claim(s->store, dl->wid, dl->conf->lease_seconds * 1000,
	    downloads_busy(dl), job)) {
	case STORE_OK:
		*backoff = DOWNLOADS_BACKOFF_MIN_MS;
		return 0;
	case STORE_LEFT:
		downloads_wait_free(dl);
		return -1;
	case STORE_NOTFOUND:
		/* An interactive child polls instead of taking wake-ups. */
		if (dl->interactive)
			return -1;
		/* Nothing pending: wait for a job, then look at the stop flag
		 * again before claiming, so that a thread told to stop while it
		 * waited takes nothing new and hands the wake-up on. */
		if (store_wait(s->store, DOWNLOADS_WAIT_S) == 1 &&
		    downloads_stopping(dl))
			store_rewake(s->store);
		return -1;
	default:
		log_warn("event=claim_failed error=\"%s\" retry_ms=%u",
		    store_error(s->store), *backoff);
		downloads_backoff(dl, backoff);
		return -1;
	}
}

static void *
downloads_thread(void *arg)
{
	struct slot *s = arg;
	struct downloads *dl = s->dl;
	unsigned backoff = DOWNLOADS_BACKOFF_MIN_MS;

	while (!downloads_stopping(dl)) {
		struct job job;
		struct job_error err;
		struct fetch_result body;
		long long claimed;

		if (downloads_room(s) == -1)
			break;
		if (downloads_claim(s, &job, &backoff) == -1) {
			downloads_set_state(s, SLOT_IDLE);
			continue;
		}
		claimed = proc_now_ms();
		log_debug("job=%s event=claimed attempt=%u", job.id,
		    job.attempts);
		downloads_set_state(s, SLOT_FETCHING);
		job_error_clear(&err);
		if (fetch_get(s->fetcher, job.url, &body, &err) == -1) {
			outcome_record(dl->conf, s->store, NULL, dl->wid, &job,
			    &err, claimed);
			job_free(&job);
			downloads_set_state(s, SLOT_IDLE);
			continue;
		}
		job.fetched_bytes = body.len;
		body.data = fetch_take_body(s->fetcher);

		/* Hand it over, and claim the next job once the main thread has
		 * taken this one: one body waiting per thread, at most. */
		pthread_mutex_lock(&dl->lock);
		downloads_average(&dl->fetch_ms, proc_now_ms() - claimed);
		s->job = job;
		s->body = body;
		s->claimed = claimed;
		s->seq = ++dl->seq;
		s->state = SLOT_READY;
		pthread_cond_signal(&dl->ready);
		while (s->state == SLOT_READY)
			pthread_cond_wait(&dl->released, &dl->lock);
		pthread_mutex_unlock(&dl->lock);
	}
	pthread_mutex_lock(&dl->lock);
	s->state = SLOT_EXITED;
	dl->running--;
	pthread_cond_signal(&dl->ready);
	pthread_mutex_unlock(&dl->lock);
	return NULL;
}

/* Of two fetched jobs, which to thumbnail first: the higher priority (jobs
 * are claimed highest priority first, but a low one may be fetched sooner),
 * then the older claim. */
static int
downloads_before(const struct job *a, unsigned long long aseq,
    const struct job *b, unsigned long long bseq)
{
	/* The enum is in the order priorities are served. */
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return aseq < bseq;
}

/* Stops and joins the threads started so far, then frees everything.  A
 * job fetched but never taken (only when starting failed part-way) is
 * dropped: it stays in the claim list, which the master requeues when this
 * child exits. */
void
downloads_free(struct downloads *dl)
{
	pthread_mutex_lock(&dl->lock);
	dl->stopping = 1;
	while (dl->running > 0) {
		struct timespec until;

		for (unsigned i = 0; i < dl->nslots; i++) {
			struct slot *s = &dl->slots[i];

			if (s->state == SLOT_READY) {
				job_free(&s->job);
				free(s->body.data);
				s->state = SLOT_IDLE;
			}
		}
		pthread_cond_broadcast(&dl->released);
		downloads_deadline(&until, 100);
		pthread_cond_timedwait(&dl->ready, &dl->lock, &until);
	}
	pthread_mutex_unlock(&dl->lock);
	for (unsigned i = 0; i < dl->nslots; i++) {
		struct slot *s = &dl->slots[i];

		if (s->started)
			pthread_join(s->thread, NULL);
		store_free(s->store);
		fetch_free(s->fetcher);
	}
	pthread_cond_destroy(&dl->released);
	pthread_cond_destroy(&dl->ready);
	pthread_mutex_destroy(&dl->lock);
	free(dl->slots);
	free(dl);
}

struct downloads *
downloads_start(const struct thumbq_conf *conf, const char *wid,
    long long serve_ms, int interactive, char **cause)
{
	struct downloads *dl = xcalloc(1, sizeof *dl);
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc = 0;

	dl->conf = conf;
	dl->wid = wid;
	dl->fetch_ms = -1;
	dl->serve_ms = serve_ms;
	dl->interactive = interactive;
	dl->nslots = conf->downloads;
	if (interactive && dl->nslots > DOWNLOADS_INTERACTIVE_SLOTS)
		dl->nslots = DOWNLOADS_INTERACTIVE_SLOTS;
	dl->slots = xcalloc(dl->nslots, sizeof *dl->slots);
	pthread_mutex_init(&dl->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&dl->ready, &attr);
	pthread_cond_init(&dl->released, &attr);
	pthread_condattr_destroy(&attr);

	/* Everything libcurl needs initialised once (curl_global_init) is
	 * done here, before any thread runs. */
	for (unsigned i = 0; i < dl->nslots; i++) {
		struct slot *s = &dl->slots[i];

		s->dl = dl;
		s->fetcher = fetch_new(conf, cause);
		if (s->fetcher == NULL)
			goto fail;
		s->store = store_new(conf);
	}

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < dl->nslots && rc == 0; i++) {
		struct slot *s = &dl->slots[i];

		rc = pthread_create(&s->thread, NULL, downloads_thread, s);
		if (rc == 0) {
			s->started = 1;
			dl->running++;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		*cause = xasprintf("cannot start a download thread: %s",
		    strerror(rc));
		goto fail;
	}
	return dl;
fail:
	downloads_free(dl);
	return NULL;
}

int
downloads_take(struct downloads *dl, struct downloaded *d, unsigned timeout_ms)
{
	struct timespec until;
	struct slot *oldest;
	int rc = 0;

	downloads_deadline(&until, timeout_ms);
	pthread_mutex_lock(&dl->lock);
	for (;;) {
		oldest = NULL;
		for (unsigned i = 0; i < dl->nslots; i++) {
			struct slot *s = &dl->slots[i];

			if (s->state == SLOT_READY &&
			    (oldest == NULL || downloads_before(&s->job, s->seq,
			    &oldest->job, oldest->seq)))
				oldest = s;
		}
		if (oldest != NULL) {
			oldest->state = SLOT_IDLE;
			d->job = oldest->job;
			memset(&oldest->job, 0, sizeof oldest->job);
			d->data = oldest->body.data;
			d->len = oldest->body.len;
			oldest->body.data = NULL;
			d->claimed = oldest->claimed;
			dl->serving_since = proc_now_ms();
			pthread_cond_broadcast(&dl->released);
			rc = 1;
			break;
		}
		if (dl->stopping && dl->running == 0) {
			rc = -1;
			break;
		}
		if (pthread_cond_timedwait(&dl->ready, &dl->lock,
		    &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&dl->lock);
	return rc;
}

void
downloads_pause(struct downloads *dl, int paused)
{
	pthread_mutex_lock(&dl->lock);
	if (dl->paused != paused) {
		dl->paused = paused;
		pthread_cond_broadcast(&dl->released);
	}
	pthread_mutex_unlock(&dl->lock);
}

void
downloads_stop(struct downloads *dl)
{
	pthread_mutex_lock(&dl->lock);
	dl->stopping = 1;
	pthread_cond_broadcast(&dl->released);
	pthread_mutex_unlock(&dl->lock);
}

void
downloads_served(struct downloads *dl, long long ms)
{
	pthread_mutex_lock(&dl->lock);
	/* A child's first job also pays for the decoder's start-up (its first
	 * allocations and page faults); counted, one slow start would hold the
	 * claims back for jobs after it. */
	if (dl->served++ > 0)
		downloads_average(&dl->serve_ms, ms);
	dl->serving_since = 0;
	pthread_cond_broadcast(&dl->released);
	pthread_mutex_unlock(&dl->lock);
}

int
downloads_idle(struct downloads *dl)
{
	int idle = 1;

	pthread_mutex_lock(&dl->lock);
	for (unsigned i = 0; i < dl->nslots; i++)
		if (dl->slots[i].state == SLOT_FETCHING ||
		    dl->slots[i].state == SLOT_READY)
			idle = 0;
	pthread_mutex_unlock(&dl->lock);
	return idle;
}
