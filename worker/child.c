/* child.c: one worker child.
 *
 * Its download threads (downloads.c) claim and fetch jobs; its main thread
 * thumbnails what they fetched, writes the file and records the outcome,
 * one job at a time.  Everything that is not fork-safe (Redis connections,
 * curl handles, GraphicsMagick's resource limits and its OpenMP runtime) is
 * created here, after fork, never in the master. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "downloads.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "outcome.h"
#include "proc.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

/* How long the main thread waits for a fetched job before it looks at its
 * stop flag again. */
#define CHILD_TAKE_WAIT_MS 1000

struct child_state *
child_state_new(void)
{
	void *p = mmap(NULL, sizeof(struct child_state), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		log_warn("event=mmap_failed error=\"%s\"", strerror(errno));
		return NULL;
	}
	return p;
}

void
child_state_free(struct child_state *state)
{
	if (state != NULL)
		munmap(state, sizeof *state);
}

void
child_over_cpu_error(const struct child_state *state, struct job_error *err)
{
	job_error_set(err, "image_too_costly", 0, "decoding and thumbnailing "
	    "the image took more than %u ms of CPU time (decode_cpu_ms): "
	    "refused, not retried", state->cpu_limit_ms);
}

/* Says which job is being thumbnailed (NULL: none), for the master to read
 * should this child die.  The fence keeps the compiler from moving the
 * stores past the decoder call; the master reads it after the child is
 * dead, and once a second for the console (heartbeat). */
static void
child_state_set(struct child_state *state, const struct downloaded *d)
{
	if (state == NULL)
		return;
	if (d != NULL) {
		memcpy(state->thumbnailing, d->job.id,
		    sizeof state->thumbnailing);
		state->fetched_bytes = d->len;
	} else
		state->thumbnailing[0] = '\0';
	atomic_signal_fence(memory_order_seq_cst);
}

/*
 * decode_cpu_ms: a timer on the main thread's own CPU clock (the download
 * threads' time does not count, nor time spent waiting for a core) raises
 * SIGXCPU on that thread when one thumbnail has used it up.  The handler
 * says so in the shared state and ends the child at once: GraphicsMagick
 * cannot be stopped half-way and go on safely, and a new child costs a few
 * milliseconds.  The master then fails that job as image_too_costly and
 * puts the child's other jobs back as they were.
 */
static struct child_state *child_cpu_state;
static volatile sig_atomic_t child_thumbnailing;
static timer_t child_cpu_timer;

static void
child_on_cpu_limit(int sig)
{
	(void)sig;
	/* Fired just as the thumbnail ended: nothing to stop. */
	if (!child_thumbnailing)
		return;
	if (child_cpu_state != NULL) {
		child_cpu_state->cost_hint_ms =
		    (sig_atomic_t)child_cpu_state->cpu_limit_ms;
		child_cpu_state->over_cpu = 1;
	}
	_exit(CHILD_EXIT_OVER_CPU);
}

static void
child_cpu_limit_init(const struct thumbq_conf *conf, struct child_state *state)
{
	struct sigaction sa;
	struct sigevent sev;

	child_cpu_state = state;
	if (state != NULL) {
		state->cpu_limit_ms = conf->decode_cpu_ms;
		state->over_cpu = 0;
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = child_on_cpu_limit;
	sigaction(SIGXCPU, &sa, NULL);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGXCPU;
	/* glibc 2.36 (Debian 12) has no sigev_notify_thread_id: the thread
	 * goes in the union member it stands for. */
	sev._sigev_un._tid = gettid();
	/* Without the bound no image may be decoded here. */
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &child_cpu_timer) ==
	    -1) {
		log_err("event=child_failed error=\"cannot create the "
		    "decode_cpu_ms timer: %s\"", strerror(errno));
		_exit(1);
	}
}

/* Arms the timer for ms of this thread's CPU time from now; 0 disarms it. */
static void
child_cpu_limit_arm(unsigned ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	timer_settime(child_cpu_timer, 0, &its, NULL);
}

/* A record that names no size or quality gets the configured ones. */
static void
child_request(const struct thumbq_conf *conf, const struct image_request *o,
    struct image_request *ireq)
{
	*ireq = *o;
	if (ireq->width == 0 || ireq->height == 0) {
		ireq->width = conf->thumbnail_width;
		ireq->height = conf->thumbnail_height;
	}
	if (ireq->quality == 0)
		ireq->quality = conf->quality;
}

/*
 * The file name of a job's thumbnail i: the job's own (file) for the
 * first, and for the others that name with its last digit moved on by i,
 * modulo 16, so that every variant has a name of its own, still an id's
 * shape (storage.h), and the same at every attempt (a retry overwrites
 * what an earlier one wrote).
 */
static void
child_variant_file(const char *file, size_t i, char out[ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	const char *at;

	memcpy(out, file, ID_LEN + 1);
	if (i == 0 || (at = strchr(hex, out[ID_LEN - 1])) == NULL ||
	    out[ID_LEN - 1] == '\0')
		return;
	out[ID_LEN - 1] = hex[((size_t)(at - hex) + i) % 16];
}

/* Stores the n thumbnails of a job, in the order asked, and records
 * their paths and sizes in it.  Either all are stored or none: on a
 * failure the ones already written are removed. */
static int
child_store(struct storage *sto, struct job *job, struct image_result *ir,
    size_t n, struct job_error *err)
{
	char relpath[JOB_MAX_VARIANTS][STORAGE_RELPATH_MAX];
	char name[ID_LEN + 1];
	size_t done;

	for (done = 0; done < n; done++) {
		child_variant_file(job->file, done, name);
		storage_relpath(name, ir[done].ext, relpath[done]);
		if (storage_write(sto, relpath[done], ir[done].data,
		    ir[done].len, err) == -1) {
			/* The client sees err; the details (paths, hosts)
			 * stay here. */
			log_warn("job=%s event=storage_failed code=%s "
			    "error=\"%s\"", job->id, err->code,
			    storage_error(sto));
			while (done-- > 0)
				storage_remove(sto, relpath[done]);
			return -1;
		}
	}
	job->path = xstrdup(relpath[0]);
	job->width = ir[0].width;
	job->height = ir[0].height;
	for (size_t i = 0; i < job->nvariants && i < n; i++) {
		job->variants[i].path = xstrdup(relpath[i]);
		job->variants[i].width = ir[i].width;
		job->variants[i].height = ir[i].height;
	}
	return 0;
}

/* Thumbnails and stores one fetched job: its one thumbnail, or every
 * variant from one decode, and its placeholder when asked; fills err on
 * failure. */
static int
child_make_thumbnail(const struct thumbq_conf *conf, struct child_state *state,
    struct storage *sto, struct downloaded *d, struct job_error *err)
{
	struct job *job = &d->job;
	struct image_request ireq[JOB_MAX_VARIANTS];
	struct image_result ir[JOB_MAX_VARIANTS];
	struct image_placeholder ph;
	size_t n = job->nvariants > 0 ? job->nvariants : 1;
	int rc;

	if (n > JOB_MAX_VARIANTS)
		n = JOB_MAX_VARIANTS;
	for (size_t i = 0; i < n; i++)
		child_request(conf, job->nvariants > 0 ?
		    &job->variants[i].opts : &job->opts, &ireq[i]);
	memset(ir, 0, sizeof ir);
	child_state_set(state, d);
	child_thumbnailing = 1;
	child_cpu_limit_arm(conf->decode_cpu_ms);
	rc = image_thumbnails(d->data, d->len, ireq, n, ir,
	    job->placeholder ? &ph : NULL, err);
	child_cpu_limit_arm(0);
	child_thumbnailing = 0;
	child_state_set(state, NULL);
	free(d->data);
	d->data = NULL;
	if (rc == -1)
		return -1;
	rc = child_store(sto, job, ir, n, err);
	if (rc == 0 && job->placeholder) {
		job->blurhash = xstrdup(ph.blurhash);
		job->color = xstrdup(ph.color);
	}
	for (size_t i = 0; i < n; i++)
		free(ir[i].data);
	return rc;
}

/*
 * The lease of a fetched job starts again as its thumbnail starts, so that
 * the time it waited for the decoder behind other jobs does not count
 * against it.  -1 if the claim went stale meanwhile (the job was requeued
 * or cancelled while it waited): decoding this copy would only do the work
 * twice.  If Redis cannot say, the job goes on with the lease it has.
 */
static int
child_renew(const struct thumbq_conf *conf, struct store *st, const char *wid,
    const struct downloaded *d)
{
	switch (store_renew_lease(st, d->job.id, wid, d->job.attempts,
	    conf->lease_seconds * 1000)) {
	case STORE_OK:
		return 0;
	case STORE_STALE:
		log_warn("job=%s event=stale_claim_dropped attempt=%u "
		    "waited_ms=%lld (requeued or cancelled before its "
		    "thumbnail started)", d->job.id, d->job.attempts,
		    proc_now_ms() - d->claimed);
		return -1;
	default:
		log_warn("job=%s event=renew_failed error=\"%s\"", d->job.id,
		    store_error(st));
		return 0;
	}
}

void
child_main(const struct thumbq_conf *conf, const char *wid, pid_t master,
    struct child_state *state)
{
	struct downloads *dl;
	struct storage *sto;
	struct store *st;
	char *cause = NULL;
	int stopping = 0;

	proc_child_setup(master, conf->user);
	/* The children that take every priority yield the CPU to the
	 * interactive ones (interactive_workers) instead of sharing it
	 * equally: under a low-priority flood on 2 cores the interactive
	 * child's median fell from 13 to 7 ms (BENCHMARKS.md).  Set before
	 * the download threads start, which inherit it; raising one's own nice
	 * needs no privilege. */
	errno = 0;
	if ((state == NULL || !state->interactive) && conf->worker_nice > 0 &&
	    nice((int)conf->worker_nice) == -1 && errno != 0)
		log_warn("event=nice_failed worker_nice=%u error=\"%s\"",
		    conf->worker_nice, strerror(errno));
	/* GraphicsMagick allocates and frees image-sized buffers on every job;
	 * with glibc's defaults they go back to the kernel each time and are
	 * faulted in again on the next (13% of worker cycles in perf, 16% of
	 * the corpus's CPU time in bench/run).  Keep them while busy; give them
	 * back when the child is idle (malloc_trim below).  One arena: the
	 * download threads' bodies and the decoder's buffers reuse the same
	 * free memory instead of each thread keeping its own. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
	mallopt(M_ARENA_MAX, 1);
	image_child_init(conf);
	child_cpu_limit_init(conf, state);
	sto = storage_new(conf);
	dl = downloads_start(conf, wid,
	    state != NULL && state->cost_hint_ms > 0 ? state->cost_hint_ms : -1,
	    state != NULL && state->interactive, &cause);
	if (dl == NULL) {
		log_err("event=child_failed error=\"%s\"", cause);
		_exit(1);
	}
	if (state != NULL)
		state->cost_hint_ms = 0;
	st = store_new(conf);
	log_info("event=child_started wid=%s downloads=%u interactive=%d", wid,
	    conf->downloads, state != NULL && state->interactive);

	for (;;) {
		struct downloaded d;
		struct job_error err;
		long long started;
		int got;

		/* Told to stop, or orphaned: claim nothing new, but thumbnail
		 * what was fetched already. */
		if (!stopping && (proc_stop || getppid() != master)) {
			downloads_stop(dl);
			stopping = 1;
		}
		if (state != NULL)
			downloads_pause(dl, state->paused);
		got = downloads_take(dl, &d, CHILD_TAKE_WAIT_MS);
		if (got == -1)
			break;
		if (got == 0) {
			/* Idle: give memory back to the system. */
			if (downloads_idle(dl))
				malloc_trim(0);
			continue;
		}
		started = proc_now_ms();
		if (child_renew(conf, st, wid, &d) == 0) {
			job_error_clear(&err);
			child_make_thumbnail(conf, state, sto, &d, &err);
			if (state != NULL && (err.code == NULL || err.outage))
				state->storage_failures = err.outage ?
				    state->storage_failures + 1 : 0;
			outcome_record(conf, st, sto, wid, &d.job, &err,
			    d.claimed);
		}
		free(d.data);		/* NULL once thumbnailed */
		job_free(&d.job);
		downloads_served(dl, proc_now_ms() - started);
	}
	log_info("event=child_stopped wid=%s", wid);
	downloads_free(dl);
	store_free(st);
	storage_free(sto);
	_exit(0);
}
