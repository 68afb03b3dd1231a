/* proc.h: what every thumbqd child (worker or courier) shares: its signal
 * set-up, a monotonic clock, and the two backoffs. */
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
 * and death with the master (whose restart recovers what the child held);
 * if the master is gone already, proc_stop is set at once. */
void proc_child_setup(pid_t master);
/* Started as root with user set: the child gives up root for good before
 * it touches any job (fetching and decoding hostile bytes as root is never
 * acceptable).  The master keeps root for its pid file and reloads, and
 * handles no job data.  Exits the child if it cannot. */
void proc_drop_privileges(const char *user);
long long proc_now_ms(void);
/* Sleeps *ms (a signal cuts it short), then doubles it up to max_ms: for
 * waiting out a Redis outage. */
void proc_backoff(unsigned *ms, unsigned max_ms);
/* The delay before retry number attempt (1, 2, ...): between half and all
 * of base_ms * 2^(attempt-1), at most max_ms, so that many jobs failing
 * against one host do not come back in lockstep. */
unsigned proc_retry_delay(unsigned base_ms, unsigned max_ms, unsigned attempt);

#endif
