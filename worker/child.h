/* child.h: a thumbqd worker child: claim, fetch, thumbnail, write, complete. */
#ifndef THUMBQ_CHILD_H
#define THUMBQ_CHILD_H

#include "conf.h"

/* Longest worker id: "<hostname>:<12 hex digits>". */
#define CHILD_WID_MAX 96

/* Runs in a freshly forked child and never returns: _exit(0) after SIGTERM
 * once the job in hand is finished, _exit(1) if it cannot start. */
void child_main(const struct thumbq_conf *conf, const char *wid, pid_t master)
    __attribute__((noreturn));

#endif
