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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
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

/* Says which job is being thumbnailed (NULL: none), for the master to read
 * should this child die.  The fence keeps the compiler from moving the
 * stores past the decoder call; the master reads only after the child is
 * dead. */
static void
child_state_set(struct child_state *state, const char *id)
{
	if (state == NULL)
		return;
	if (id != NULL)
		memcpy(state->thumbnailing, id, sizeof state->thumbnailing);
	else
		state->thumbnailing[0] = '\0';
	atomic_signal_fence(memory_order_seq_cst);
}

/* Thumbnails and stores one fetched job; fills err on failure. */
static int
child_make_thumbnail(const struct thumbq_conf *conf, struct child_state *state,
    struct downloaded *d, struct job_error *err)
{
	struct job *job = &d->job;
	struct image_request ireq = job->opts;
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
	child_state_set(state, job->id);
	rc = image_thumbnail(d->data, d->len, &ireq, &ir, err);
	child_state_set(state, NULL);
	free(d->data);
	d->data = NULL;
	if (rc == -1)
		return -1;
	storage_relpath(job->file, ir.ext, relpath);
	rc = storage_write(conf->docroot, relpath, ir.data, ir.len, err);
	if (rc == 0) {
		job->path = xstrdup(relpath);
		job->width = ir.width;
		job->height = ir.height;
	}
	free(ir.data);
	return rc;
}

void
child_main(const struct thumbq_conf *conf, const char *wid, pid_t master,
    struct child_state *state)
{
	struct downloads *dl;
	struct store *st;
	char *cause = NULL;
	int stopping = 0;

	proc_child_setup(master, conf->user);
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
	dl = downloads_start(conf, wid, &cause);
	if (dl == NULL) {
		log_err("event=child_failed error=\"%s\"", cause);
		_exit(1);
	}
	st = store_new(conf);
	log_info("event=child_started wid=%s downloads=%u", wid,
	    conf->downloads);

	for (;;) {
		struct downloaded d;
		struct job_error err;
		int got;

		/* Told to stop, or orphaned: claim nothing new, but thumbnail
		 * what was fetched already. */
		if (!stopping && (proc_stop || getppid() != master)) {
			downloads_stop(dl);
			stopping = 1;
		}
		got = downloads_take(dl, &d, CHILD_TAKE_WAIT_MS);
		if (got == -1)
			break;
		if (got == 0) {
			/* Idle: give memory back to the system. */
			if (downloads_idle(dl))
				malloc_trim(0);
			continue;
		}
		job_error_clear(&err);
		child_make_thumbnail(conf, state, &d, &err);
		outcome_record(conf, st, wid, &d.job, &err, d.claimed);
		job_free(&d.job);
	}
	log_info("event=child_stopped wid=%s", wid);
	downloads_free(dl);
	store_free(st);
	_exit(0);
}
