/* child.h: a thumbqd worker child: claim, fetch, thumbnail, write, complete. */
#ifndef THUMBQ_CHILD_H
#define THUMBQ_CHILD_H

#include <sys/types.h>

#include "conf.h"
#include "id.h"

/* Longest worker id: "<hostname>:<12 hex digits>". */
#define CHILD_WID_MAX 96

/* What the master reads of a worker child after the child died: the job it
 * was thumbnailing ("" when it was not), in memory the two share (mapped
 * before fork).  A child that dies in GraphicsMagick names the image that
 * killed it, and only that job uses up an attempt; the others it held, which
 * were only downloaded or downloading, are put back without losing one. */
struct child_state {
	char thumbnailing[ID_LEN + 1];
};

/* Maps a child_state to share with a child; NULL if mmap fails (the master
 * then counts every job of a dead child, as before). */
struct child_state *child_state_new(void);
void child_state_free(struct child_state *state);

/* Runs in a freshly forked child and never returns: _exit(0) after SIGTERM
 * once the jobs in hand are finished, _exit(1) if it cannot start.  state
 * may be NULL. */
void child_main(const struct thumbq_conf *conf, const char *wid, pid_t master,
    struct child_state *state) __attribute__((noreturn));

#endif
