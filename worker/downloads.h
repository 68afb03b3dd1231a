/* downloads.h: a worker child's download threads.
 *
 * Downloading is waiting (on the origin, on the network); thumbnailing is
 * CPU.  A child that did both in turn left its core idle for every download:
 * with an origin that takes 500 ms to answer, throughput fell to a sixth of
 * what the cores allow (BENCHMARKS.md).  So each child runs `downloads`
 * threads that claim and fetch jobs, while its main thread, the only one
 * that touches GraphicsMagick, thumbnails what they fetched, oldest claim
 * first.
 *
 * Bounds: a download thread holds one job at a time and claims its next only
 * once the main thread has taken the last, so a child holds at most
 * `downloads` + 1 claimed jobs and bodies (each at most fetch_max_bytes): one
 * per thread, and the one being thumbnailed.  Fewer in practice: a job
 * claimed here waits for this child's decoder while other children might be
 * free, so threads claim only while the jobs held would be thumbnailed
 * sooner than two downloads take (by running averages), and always while
 * fewer than two are held.  Slow origins keep their downloads in flight;
 * images that take seconds to decode (up to decode_cpu_ms each) keep the
 * rest of the queue where any child can take it.
 * Every job a child holds is in its claim list, which the master requeues if
 * the child dies.  A failed download is recorded by its thread. */
#ifndef THUMBQ_DOWNLOADS_H
#define THUMBQ_DOWNLOADS_H

#include <stddef.h>

#include "conf.h"
#include "job.h"

struct downloads;

/* A fetched job, handed to the main thread. */
struct downloaded {
	struct job job;			/* the caller's now (job_free) */
	unsigned char *data;		/* the body, the caller's to free() */
	size_t len;
	long long claimed;		/* proc_now_ms() when it was claimed */
};

/* Starts conf->downloads threads for the worker wid, each with its own curl
 * handle and Redis connection.  Call with the child's signals set up: the
 * threads block every signal, so that SIGTERM reaches the main thread.
 * serve_ms is the main thread's time per job to assume until one is known
 * (-1: none).  An interactive child (interactive_workers) runs one thread,
 * which claims only while a high or normal job is pending.
 * Returns NULL with *cause set (allocated) if it cannot. */
struct downloads *downloads_start(const struct thumbq_conf *conf,
    const char *wid, long long serve_ms, int interactive, char **cause);
/* Waits up to timeout_ms for a fetched job, the highest priority first,
 * then the oldest claim; its thread may claim again.  Returns 1 with *d
 * filled, 0 if none came, or -1 once downloads_stop() was called, every
 * thread has exited, and every fetched job has been handed out. */
int downloads_take(struct downloads *dl, struct downloaded *d,
    unsigned timeout_ms);
/* No more claims: threads finish the download in hand and exit; what they
 * fetched is still handed out by downloads_take(). */
void downloads_stop(struct downloads *dl);
/* Paused (1), the threads claim nothing new until unpaused (0): the
 * storage is failing (see child_state.paused).  What they hold goes on. */
void downloads_pause(struct downloads *dl, int paused);
/* The main thread is done with the job downloads_take() gave it, after ms
 * of its time (thumbnail, write, record): the cost that downloads weigh
 * before claiming more. */
void downloads_served(struct downloads *dl, long long ms);
/* Whether every thread is waiting for work (none is fetching or holds a
 * job): the moment to give memory back. */
int downloads_idle(struct downloads *dl);
/* After downloads_take() returned -1: joins the threads and frees. */
void downloads_free(struct downloads *dl);

#endif
