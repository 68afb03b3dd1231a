/* proc.h: what every thumbqd child (worker or courier) shares: its signal
 * set-up and the privilege drop (which the master does too), a monotonic
 * clock, and the two backoffs. */
#ifndef THUMBQ_PROC_H
#define THUMBQ_PROC_H

#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>

/* Set by SIGTERM or SIGINT: finish what is in hand, then exit.  Atomic
 * (lock-free, so safe in a signal handler) because a worker child's download
 * threads read it too. */
extern atomic_int proc_stop;

/* Right after fork: default dispositions, flag handlers for SIGTERM and
 * SIGINT (no SA_RESTART, so a signal cuts a sleep short), nothing blocked,
 * root given up for user (see proc_drop_privileges; exits the child if it
 * cannot), and then death with the master (whose restart recovers what the
 * child held); if the master is gone already, proc_stop is set at once. */
void proc_child_setup(pid_t master, const char *user);
/* Started as root with user set, thumbqd gives up root for good: the master
 * right after writing its pid file, before it forks (fetching and decoding
 * hostile bytes as root is never acceptable, and the master's expiry sweep
 * removes files named by what Redis says).  Nothing to do (0) when not
 * root or user is empty; -1 and *cause if it cannot. */
int proc_drop_privileges(const char *user, char **cause);
long long proc_now_ms(void);
/* Sleeps *ms (a signal cuts it short), then doubles it up to max_ms: for
 * waiting out a Redis outage. */
void proc_backoff(unsigned *ms, unsigned max_ms);
/* The delay before retry number attempt (1, 2, ...): between half and all
 * of base_ms * 2^(attempt-1), at most max_ms, so that many jobs failing
 * against one host do not come back in lockstep. */
unsigned proc_retry_delay(unsigned base_ms, unsigned max_ms, unsigned attempt);

#endif
