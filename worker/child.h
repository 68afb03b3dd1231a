/* child.h: a thumbqd worker child: claim, fetch, thumbnail, write, complete. */
#ifndef THUMBQ_CHILD_H
#define THUMBQ_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "id.h"
#include "joberror.h"

/* Longest worker id: "<hostname>:<12 hex digits>". */
#define CHILD_WID_MAX 96

/* Exit status of a child stopped by decode_cpu_ms (the master goes by
 * child_state.over_cpu, not by this). */
#define CHILD_EXIT_OVER_CPU 3

/* What the master reads of a worker child after the child died: the job it
 * was thumbnailing ("" when it was not), in memory the two share (mapped
 * before fork).  A child that dies in GraphicsMagick names the image that
 * killed it, and only that job uses up an attempt; the others it held, which
 * were only downloaded or downloading, are put back without losing one.  A
 * child that stopped itself because that job passed decode_cpu_ms says so
 * too: the master fails the job at once (the same bytes would cost as much
 * again) instead of putting it back. */
struct child_state {
	char thumbnailing[ID_LEN + 1];
	size_t fetched_bytes;		/* its body, for the record */
	unsigned cpu_limit_ms;		/* decode_cpu_ms, as the child has it */
	volatile sig_atomic_t over_cpu;	/* the child stopped: it passed that */
	/* Left by a child stopped over decode_cpu_ms for the next one in its
	 * slot, which takes it as the cost of a job until it knows better:
	 * else it would claim a full set of jobs at once, as a new child does,
	 * and a queue of such images would be downloaded again and again. */
	volatile sig_atomic_t cost_hint_ms;
	/* The storage circuit breaker (master.c): the child counts the
	 * storage failures it met in a row (0 after a thumbnail stored);
	 * the master, seeing breaker_failures of them, sets paused until a
	 * probe of the storage works, and the child claims nothing new
	 * meanwhile: jobs stay queued instead of failing one after another. */
	volatile sig_atomic_t storage_failures;
	volatile sig_atomic_t paused;
	/* Set by the master before fork: this child is one of the
	 * interactive_workers, and claims only high and normal jobs. */
	int interactive;
};

/* Maps a child_state to share with a child; NULL if mmap fails (the master
 * then cannot tell which job killed the child, and every job the child held
 * uses up an attempt). */
struct child_state *child_state_new(void);
void child_state_free(struct child_state *state);

/* The error of a job whose thumbnail passed decode_cpu_ms in the child
 * that state describes: image_too_costly, permanent. */
void child_over_cpu_error(const struct child_state *state,
    struct job_error *err);

/* Runs in a freshly forked child and never returns: _exit(0) after SIGTERM
 * once the jobs in hand are finished, _exit(1) if it cannot start.  state
 * may be NULL. */
void child_main(const struct thumbq_conf *conf, const char *wid, pid_t master,
    struct child_state *state) __attribute__((noreturn));

#endif
