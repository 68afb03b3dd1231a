/* proc.c: what every thumbqd child shares (see proc.h). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "xmalloc.h"

atomic_int proc_stop;

static void
proc_on_signal(int sig)
{
	(void)sig;
	proc_stop = 1;
}

int
proc_drop_privileges(const char *user, char **cause)
{
	struct passwd *pw;

	if (geteuid() != 0 || user[0] == '\0')
		return 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		*cause = xasprintf("user %s does not exist", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		*cause = xasprintf("user %s is root", user);
		return -1;
	}
	/* Groups first (they need root), then the uid; and a process that
	 * could become root again has dropped nothing. */
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		*cause = xasprintf("cannot become user %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		*cause = xasprintf("became user %s but could become root again",
		    user);
		return -1;
	}
	return 0;
}

void
proc_child_setup(pid_t master, const char *user)
{
	struct sigaction sa;
	sigset_t none;
	char *cause = NULL;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = proc_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* The master blocks the signals it takes with sigtimedwait(). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The master has given up root already when user is set; this is for
	 * a master that could not, so that no child ever touches a job as
	 * root. */
	if (proc_drop_privileges(user, &cause) == -1) {
		log_err("event=child_failed error=\"%s\"", cause);
		_exit(1);
	}
	/* Only now: a change of credentials clears the parent-death signal
	 * (prctl(2)), and a child busy with a job would then outlive a master
	 * killed with SIGKILL, claiming jobs for nobody.  The master may have
	 * died before the signal was set, so look once more. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		proc_stop = 1;
	srandom((unsigned)getpid() ^ (unsigned)proc_now_ms());
}

long long
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
proc_backoff(unsigned *ms, unsigned max_ms)
{
	struct timespec ts = { .tv_sec = *ms / 1000,
	    .tv_nsec = (long)(*ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	*ms = *ms * 2 > max_ms ? max_ms : *ms * 2;
}

unsigned
proc_retry_delay(unsigned base_ms, unsigned max_ms, unsigned attempt)
{
	unsigned long long d = base_ms;

	for (unsigned i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	return (unsigned)(d / 2 + (d > 1 ?
	    (unsigned long long)random() % (d / 2 + 1) : 0));
}
