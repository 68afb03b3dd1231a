/* courier.h: a thumbqd webhook courier: takes finished jobs with a
 * callback_url from Redis and POSTs them, signed, to their callback. */
#ifndef THUMBQ_COURIER_H
#define THUMBQ_COURIER_H

#include <sys/types.h>

#include "conf.h"

/* Runs in a freshly forked child and never returns, like child_main(). */
void courier_main(const struct thumbq_conf *conf, const char *wid, pid_t master)
    __attribute__((noreturn));

#endif
