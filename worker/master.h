/* master.h: the thumbqd master: forks, reaps and respawns the children of
 * this host, and does the periodic duties (heartbeat, expired leases, due
 * retries, the expiry sweep). */
#ifndef THUMBQ_MASTER_H
#define THUMBQ_MASTER_H

#include "conf.h"

/* Runs until SIGTERM/SIGINT; returns the exit status.  conf is owned by the
 * master from here on (SIGHUP replaces it with a fresh load of conf_path,
 * and takes its log_level unless verbose: thumbqd -v). */
int master_run(struct thumbq_conf *conf, const char *conf_path, int verbose);

#endif
