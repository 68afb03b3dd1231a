/* master.h: the thumbqd master: forks, reaps and respawns children, and does
 * the periodic duties (returning expired leases to the queue). */
#ifndef THUMBQ_MASTER_H
#define THUMBQ_MASTER_H

#include "conf.h"

/* Runs until SIGTERM/SIGINT; returns the exit status.  conf is owned by the
 * master from here on (SIGHUP replaces it with a fresh load of conf_path). */
int master_run(struct thumbq_conf *conf, const char *conf_path);

#endif
