/* thumbqd.c: the worker daemon's entry: options, config check, daemonizing,
 * pid file, giving up root; then the master (master.c) takes over. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "image.h"
#include "imghdr.h"
#include "log.h"
#include "master.h"
#include "proc.h"
#include "storage.h"
#include "store.h"
#include "urlpolicy.h"
#include "xmalloc.h"

/* Write end of the pipe on which the daemon tells its starter that start-up
 * went well; -1 in the foreground. */
static int thumbqd_ready_fd = -1;

static void
usage(void)
{
	fprintf(stderr, "usage: thumbqd [-CDtv] [-c thumbq.conf]\n"
	    "  -c FILE  config file (default: $THUMBQ_CONF or %s/thumbq.conf)\n"
	    "  -C       print the configuration in effect and exit\n"
	    "  -D       stay in the foreground\n"
	    "  -t       check the config and exit\n"
	    "  -v       log debug messages too, whatever log_level says\n",
	    SYSCONFDIR);
	exit(2);
}

/* Checks what the children would otherwise only find out after fork. */
static int
thumbqd_check(const struct thumbq_conf *conf, char **cause)
{
	struct netlist *allow;
	struct passwd *pw = NULL, *me;
	char *formats, *p, *tok;
	int rc = 0;

	if (conf->user[0] != '\0' && (pw = getpwnam(conf->user)) == NULL) {
		*cause = xasprintf("user = \"%s\": no such user", conf->user);
		return -1;
	}
	/* Started by a user (a shared host: cron, systemctl --user), thumbqd
	 * cannot become another one; it must not run on as the wrong user. */
	if (pw != NULL && geteuid() != 0 && pw->pw_uid != geteuid()) {
		me = getpwuid(geteuid());
		*cause = xasprintf("user = \"%s\": only root can switch to "
		    "another user, and thumbqd runs as %s (uid %u): leave user "
		    "empty to run as %s", conf->user,
		    me != NULL ? me->pw_name : "?", (unsigned)geteuid(),
		    me != NULL ? me->pw_name : "the user who starts it");
		return -1;
	}
	allow = urlpolicy_netlist_parse(conf->fetch_allow_networks, cause);
	if (allow == NULL)
		return -1;
	urlpolicy_netlist_free(allow);
	allow = urlpolicy_nat64_parse(conf->fetch_nat64_prefixes, cause);
	if (allow == NULL)
		return -1;
	urlpolicy_netlist_free(allow);
	formats = xstrdup(conf->formats);
	for (p = formats; (tok = strsep(&p, " ,\t")) != NULL; ) {
		if (*tok != '\0' &&
		    imghdr_format_parse(tok) == IMGHDR_UNKNOWN) {
			*cause = xasprintf("formats: unknown format \"%s\"",
			    tok);
			rc = -1;
			break;
		}
	}
	free(formats);
	return rc;
}

/* -t: a remote storage (webdav, s3) must take and remove a probe object,
 * or every job would fail at its end.  The docroot of storage = local is
 * thumbqctl check's: -t runs as whoever calls it, not as thumbqd's user. */
static int
thumbqd_check_storage(const struct thumbq_conf *conf, char **cause)
{
	struct storage *sto;
	int rc;

	if (strcmp(conf->storage, "local") == 0)
		return 0;
	sto = storage_new(conf);
	rc = storage_probe(sto, cause);
	storage_free(sto);
	return rc;
}

/* -t with redis_sentinels: the sentinels must name a primary that
 * answers, and the operator sees which one. */
static int
thumbqd_check_sentinels(const struct thumbq_conf *conf, char **cause)
{
	struct store *st;
	const char *primary, *from;
	int rc = 0;

	if (conf->redis_sentinels[0] == '\0')
		return 0;
	st = store_new(conf);
	if (store_ping(st) == -1) {
		*cause = xasprintf("%s", store_error(st));
		rc = -1;
	} else {
		primary = store_primary(st, &from);
		printf("thumbqd: redis primary %s, named by sentinel %s for "
		    "%s\n", primary, from, conf->redis_master_name);
	}
	store_free(st);
	return rc;
}

/* Double fork, with a pipe back to the starter so that a failed start-up
 * (bad pid file, GraphicsMagick init) is its non-zero exit, as lighttpd's
 * daemonize() does it. */
static void
thumbqd_daemonize(void)
{
	int fds[2], devnull;
	pid_t pid;
	char c;

	if (pipe(fds) == -1)
		fatal("event=daemonize_failed error=\"pipe: %s\"",
		    strerror(errno));
	pid = fork();
	if (pid == -1)
		fatal("event=daemonize_failed error=\"fork: %s\"",
		    strerror(errno));
	if (pid > 0) {
		ssize_t n;

		close(fds[1]);
		do
			n = read(fds[0], &c, 1);
		while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(fds[0]);
	if (setsid() == -1)
		fatal("event=daemonize_failed error=\"setsid: %s\"",
		    strerror(errno));
	pid = fork();
	if (pid == -1)
		fatal("event=daemonize_failed error=\"fork: %s\"",
		    strerror(errno));
	if (pid > 0)
		_exit(0);
	thumbqd_ready_fd = fds[1];
	if (chdir("/") == -1)
		fatal("event=daemonize_failed error=\"chdir /: %s\"",
		    strerror(errno));
	devnull = open("/dev/null", O_RDWR);
	if (devnull != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
}

static void
thumbqd_ready(void)
{
	if (thumbqd_ready_fd == -1)
		return;
	if (write(thumbqd_ready_fd, "", 1) != 1)
		log_warn("event=ready_notify_failed error=\"%s\"",
		    strerror(errno));
	close(thumbqd_ready_fd);
	thumbqd_ready_fd = -1;
}

/* Writes our pid to path, refusing if a live thumbqd already holds it.  The
 * file is written under a temporary name and renamed, so that a reader never
 * sees it half-written; the temporary file is made afresh (O_EXCL and
 * O_NOFOLLOW), so that root never writes through a link that someone else
 * left in the directory.  With owner set (not -1) the file is given to the
 * user the master becomes, so that it can remove the file at exit. */
static int
thumbqd_write_pidfile(const char *path, uid_t owner, gid_t group, char **cause)
{
	char tmp[PATH_MAX], buf[32];
	FILE *f;
	long old;
	int fd = -1, len, rc;

	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &old) == 1 && old > 0 &&
		    kill((pid_t)old, 0) == 0 && old != (long)getpid()) {
			fclose(f);
			*cause = xasprintf("pid file %s names a running "
			    "process %ld: already running?", path, old);
			return -1;
		}
		fclose(f);
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		*cause = xasprintf("pid file path too long: %s", path);
		return -1;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (unlink(tmp) == -1 && errno != ENOENT)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1 || write(fd, buf, (size_t)len) != len)
		goto fail;
	if (owner != (uid_t)-1 && fchown(fd, owner, group) == -1)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc == -1 || rename(tmp, path) == -1)
		goto fail;
	return 0;
fail:
	*cause = xasprintf("cannot write pid file %s: %s", path,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

/* A master that gave up root may not remove its pid file (from a directory
 * only root may write, as /run): it empties the file instead, which it was
 * given, so that no stale pid stays behind to block the next start. */
static void
thumbqd_remove_pidfile(const char *path)
{
	int fd;

	if (path[0] == '\0' || unlink(path) == 0 || errno == ENOENT)
		return;
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		log_warn("event=pidfile_left path=%s error=\"%s\"", path,
		    strerror(errno));
		return;
	}
	close(fd);
}

/* The pid file, then the user: the file is written while still root (its
 * directory may be root's alone), then root is given up for good, before
 * the master forks or reads anything from Redis. */
static void
thumbqd_settle(const struct thumbq_conf *conf)
{
	struct passwd *pw = NULL;
	char *cause = NULL;

	if (geteuid() == 0 && conf->user[0] != '\0' &&
	    (pw = getpwnam(conf->user)) == NULL)
		fatal("event=start_failed error=\"user %s does not exist\"",
		    conf->user);
	if (conf->pidfile[0] != '\0' && thumbqd_write_pidfile(conf->pidfile,
	    pw != NULL ? pw->pw_uid : (uid_t)-1,
	    pw != NULL ? pw->pw_gid : (gid_t)-1, &cause) == -1)
		fatal("event=start_failed error=\"%s\"", cause);
	if (proc_drop_privileges(conf->user, &cause) == -1) {
		thumbqd_remove_pidfile(conf->pidfile);
		fatal("event=start_failed error=\"%s\"", cause);
	}
	if (geteuid() == 0)
		log_warn("event=running_as_root note=\"set user in "
		    "thumbq.conf: workers fetch and decode untrusted data\"");
}

int
main(int argc, char **argv)
{
	struct thumbq_conf *conf = xcalloc(1, sizeof *conf);
	const char *conf_arg = NULL;
	char conf_path[PATH_MAX];
	char *cause = NULL;
	int foreground = 0, test_only = 0, dump = 0, verbose = 0, ch, rc;

	while ((ch = getopt(argc, argv, "c:CDthv")) != -1) {
		switch (ch) {
		case 'c': conf_arg = optarg; break;
		case 'C': dump = 1; break;
		case 'D': foreground = 1; break;
		case 't': test_only = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_arg == NULL)
		conf_arg = conf_default_path();
	log_open("thumbqd", 0);
	/* The web server, another user, serves what the workers write: new
	 * thumbnail directories must be readable and searchable by others
	 * whatever umask thumbqd inherits (a user's login may have 077); the
	 * bits that keep others from writing stay as they were. */
	umask(umask(0) & 022);
	/* The daemon runs in "/", and SIGHUP reads the file again from
	 * there. */
	if (realpath(conf_arg, conf_path) == NULL) {
		fprintf(stderr, "thumbqd: cannot open config %s: %s\n",
		    conf_arg, strerror(errno));
		return 1;
	}
	if (conf_load(conf, conf_path, &cause) == -1 || thumbqd_check(conf,
	    &cause) == -1) {
		fprintf(stderr, "thumbqd: %s\n", cause);
		return 1;
	}
	if (dump) {
		conf_dump(conf, stdout);
		conf_free(conf);
		free(conf);
		return 0;
	}
	/* -t also asks GraphicsMagick whether it can decode every allowed
	 * format: initialising it does no image work. */
	if (test_only && image_init(argv[0], conf, &cause) == -1) {
		fprintf(stderr, "thumbqd: %s\n", cause);
		return 1;
	}
	if (test_only && (thumbqd_check_storage(conf, &cause) == -1 ||
	    thumbqd_check_sentinels(conf, &cause) == -1)) {
		fprintf(stderr, "thumbqd: %s\n", cause);
		return 1;
	}
	if (test_only) {
		printf("thumbqd: configuration file %s test is successful\n",
		    conf_path);
		return 0;
	}
	if (strcmp(conf->log, "syslog") == 0)
		log_open("thumbqd", 1);
	log_set_level(verbose ? LOG_DEBUG : log_level_parse(conf->log_level));
	if (image_init(argv[0], conf, &cause) == -1)
		fatal("event=start_failed error=\"%s\"", cause);
	if (!foreground)
		thumbqd_daemonize();
	thumbqd_settle(conf);
	thumbqd_ready();

	{
		/* The master may replace conf on SIGHUP: keep the pid file
		 * path. */
		char *pidfile = xstrdup(conf->pidfile);

		rc = master_run(conf, conf_path, verbose);
		thumbqd_remove_pidfile(pidfile);
		free(pidfile);
	}
	image_shutdown();
	return rc;
}
