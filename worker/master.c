/* master.c: supervise a host's children, image workers and webhook
 * couriers (prefork, like lighttpd's server.max-worker).
 *
 * The master never handles a signal asynchronously: it blocks the signals it
 * cares about and takes them one at a time with sigtimedwait(), whose
 * one-second timeout also paces the periodic duties.  So there is no
 * check-then-sleep race and no work in signal context. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "courier.h"
#include "id.h"
#include "log.h"
#include "master.h"
#include "proc.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

/* The expiry sweep runs this often, in seconds. */
#define MASTER_SWEEP_INTERVAL_S 60
/* ...or more often when thumbnail_ttl is shorter than that, so that expiry
 * is never late by more than a second or a minute. */
#define MASTER_SWEEP_INTERVAL(ttl) \
	((ttl) < 2 * MASTER_SWEEP_INTERVAL_S ? 1 : MASTER_SWEEP_INTERVAL_S)
/* Jobs one sweep removes at most: the rest wait for the next sweep, so that
 * heartbeats and reaping are never held up for long.  A sweep that removed
 * that many leaves a backlog, swept again at the next tick (a second
 * later), not a minute later: at 2000 jobs a minute the records of a host
 * doing hundreds of jobs a second would pile up in Redis for ever
 * (bench/soak). */
#define MASTER_SWEEP_MAX 2000

/* A child that dies sooner than this after its start is respawned only after
 * this long, so a child that cannot start does not spin the CPU. */
#define MASTER_RESPAWN_DELAY_S 1

/* One child process, an image worker or a courier, and what the master
 * keeps for it across respawns. */
struct child {
	pid_t pid;			/* 0: none running */
	int courier;			/* delivers webhooks, no images */
	int interactive;		/* high and normal jobs only */
	char wid[CHILD_WID_MAX];
	time_t started;
	int retiring;			/* stopping (reload): not respawned */
	struct child_state *state;	/* shared with an image worker child */
};

/* A periodic duty's Redis errors are logged once per outage: when it
 * first fails, and when it works again, not once a second in between. */
struct duty {
	const char *name;		/* "heartbeat", "reap", ... */
	unsigned failures;		/* in a row; 0: working */
	time_t failing_since;
};

struct master {
	struct thumbq_conf *conf;
	const char *conf_path;
	int verbose;			/* -v: log_level stays debug */
	struct child *children;
	size_t nchildren;
	struct store *store;
	int stopping;
	time_t stop_deadline;
	time_t last_sweep;
	sigset_t sigs;
	/* This host, "<hostname>:<pid>", as its heartbeats name it. */
	char host[CHILD_WID_MAX];
	struct duty heartbeat, reap, promote, sweep;
	/* The storage circuit breaker: open since (monotonic ms; 0: closed),
	 * and when its storage was last probed. */
	long long breaker_since;
	long long breaker_probed;
};

/* A worker id names one child across all hosts and all time: the host name
 * and 48 random bits. */
static void
master_make_wid(char *wid)
{
	char host[64], id[ID_LEN + 1];

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	if (id_generate(id) == -1)
		snprintf(id, sizeof id, "%036lx", (unsigned long)getpid());
	snprintf(wid, CHILD_WID_MAX, "%s:%s", host, id + 24);
}

static void
master_spawn(struct master *m, struct child *c)
{
	pid_t master = getpid(), pid;

	master_make_wid(c->wid);
	if (!c->courier && c->state == NULL)
		c->state = child_state_new();
	if (c->state != NULL) {
		c->state->interactive = c->interactive;
		c->state->thumbnailing[0] = '\0';
		c->state->storage_failures = 0;
		c->state->paused = m->breaker_since != 0;
	}
	pid = fork();
	if (pid == -1) {
		log_err("event=fork_failed error=\"%s\"", strerror(errno));
		c->pid = 0;
		return;
	}
	if (pid == 0) {
		if (c->courier)
			courier_main(m->conf, c->wid, master);
		child_main(m->conf, c->wid, master, c->state);
	}
	c->pid = pid;
	c->started = time(NULL);
	c->retiring = 0;
	log_info("event=%s_spawned pid=%ld wid=%s%s",
	    c->courier ? "courier" : "child", (long)pid, c->wid,
	    c->interactive ? " interactive=1" : "");
}

/*
 * Marks what each child of conf's array is: workers, then
 * interactive_workers (image workers that take only high and normal jobs,
 * so that a low-priority batch never stands between them and an
 * interactive client), then couriers.
 */
static void
master_layout(const struct thumbq_conf *conf, struct child *children)
{
	size_t workers = conf->workers + conf->interactive_workers;

	for (size_t i = conf->workers; i < workers; i++)
		children[i].interactive = 1;
	for (size_t i = workers; i < workers + conf->couriers; i++)
		children[i].courier = 1;
}

static struct child *
master_find(struct master *m, pid_t pid)
{
	for (size_t i = 0; i < m->nchildren; i++)
		if (m->children[i].pid == pid)
			return &m->children[i];
	return NULL;
}

/* A child stopped itself because the job it was thumbnailing passed
 * decode_cpu_ms: that job fails now, as image_too_costly, rather than going
 * back to cost as much again in the next child. */
static void
master_fail_over_cpu(struct master *m, const struct child *c, const char *id)
{
	struct job_error err;
	struct job job;
	char code[32];

	job_error_clear(&err);
	child_over_cpu_error(c->state, &err);
	memset(&job, 0, sizeof job);
	memcpy(job.id, id, sizeof job.id);
	snprintf(code, sizeof code, "%s", err.code);
	job.error_code = code;
	job.error_message = err.message;
	job.fetched_bytes = c->state->fetched_bytes;
	switch (store_fail(m->store, c->wid, &job)) {
	case STORE_OK:
		log_info("job=%s event=failed code=%s wid=%s cpu_limit_ms=%u",
		    id, err.code, c->wid, c->state->cpu_limit_ms);
		break;
	case STORE_STALE:
		log_warn("job=%s event=lease_lost wid=%s (over decode_cpu_ms, "
		    "but another worker owns it now)", id, c->wid);
		break;
	default:
		log_warn("job=%s event=fail_failed wid=%s error=\"%s\" (it "
		    "goes back to the queue)", id, c->wid,
		    store_error(m->store));
		break;
	}
}

/* Returns a dead child's claim to the queue at once, instead of waiting for
 * its lease to run out.  If it died thumbnailing, that job is the one that
 * uses up an attempt, or fails at once if it ran out of decode_cpu_ms. */
static void
master_recover(struct master *m, struct child *c)
{
	char culprit[ID_LEN + 1] = "";
	long n;

	if (c->state != NULL) {
		memcpy(culprit, c->state->thumbnailing, sizeof culprit);
		culprit[ID_LEN] = '\0';
		if (c->state->over_cpu && culprit[0] != '\0')
			master_fail_over_cpu(m, c, culprit);
		c->state->thumbnailing[0] = '\0';
		c->state->over_cpu = 0;
	}
	n = c->courier ? store_courier_recover(m->store, c->wid) :
	    store_recover_worker(m->store, c->wid, culprit);

	if (n < 0)
		log_warn("event=recover_failed wid=%s error=\"%s\" (its lease "
		    "will expire)", c->wid, store_error(m->store));
	else if (n > 0)
		log_info("event=recovered wid=%s jobs=%ld thumbnailing=%s",
		    c->wid, n, culprit[0] != '\0' ? culprit : "-");
}

static void
master_reap(struct master *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct child *c = master_find(m, pid);

		if (c == NULL)
			continue;
		if (WIFSIGNALED(status))
			log_warn("event=child_died pid=%ld wid=%s signal=%d",
			    (long)pid, c->wid, WTERMSIG(status));
		else
			log_info("event=child_exited pid=%ld wid=%s status=%d",
			    (long)pid, c->wid, WEXITSTATUS(status));
		master_recover(m, c);
		c->pid = 0;
	}
}

/* Starts the children that are not running, unless stopping; one that
 * died young waits. */
static void
master_fill(struct master *m)
{
	time_t now = time(NULL);

	if (m->stopping)
		return;
	for (size_t i = 0; i < m->nchildren; i++) {
		struct child *c = &m->children[i];

		if (c->pid == 0 && now - c->started >= MASTER_RESPAWN_DELAY_S)
			master_spawn(m, c);
	}
}

static void
master_signal_all(struct master *m, int sig)
{
	for (size_t i = 0; i < m->nchildren; i++)
		if (m->children[i].pid > 0)
			kill(m->children[i].pid, sig);
}

static size_t
master_alive(const struct master *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nchildren; i++)
		if (m->children[i].pid > 0)
			n++;
	return n;
}

/* SIGHUP: load the config again; if it is good, retire every child (each
 * finishes its job in hand) and let new ones start with the new config.  A
 * bad file is logged and the old config stays. */
static void
master_reload(struct master *m)
{
	struct thumbq_conf *fresh = xcalloc(1, sizeof *fresh);
	char *cause = NULL;
	struct child *old;
	size_t nold, nnew;

	if (conf_load(fresh, m->conf_path, &cause) == -1) {
		log_err("event=reload_failed error=\"%s\" (keeping the running "
		    "config)", cause);
		free(cause);
		free(fresh);
		return;
	}
	if (strcmp(fresh->formats, m->conf->formats) != 0)
		log_warn("event=reload note=\"formats changes need a restart "
		    "of thumbqd\"");
	/* Old children keep running until they exit, at the end of the array,
	 * after as many new ones as the new config asks for. */
	old = m->children;
	nold = m->nchildren;
	for (size_t i = 0; i < nold; i++)
		if (old[i].pid > 0)
			kill(old[i].pid, SIGTERM);
	nnew = fresh->workers + fresh->interactive_workers + fresh->couriers;
	m->nchildren = nnew + nold;
	m->children = xcalloc(m->nchildren, sizeof *m->children);
	master_layout(fresh, m->children);
	memcpy(m->children + nnew, old, nold * sizeof *old);
	for (size_t i = nnew; i < m->nchildren; i++)
		m->children[i].retiring = 1;
	free(old);
	/* Children forked from now on see the new config; the store keeps a
	 * pointer to the config, so it is replaced too. */
	store_free(m->store);
	conf_free(m->conf);
	free(m->conf);
	m->conf = fresh;
	m->store = store_new(m->conf);
	if (!m->verbose)
		log_set_level(log_level_parse(m->conf->log_level));
	log_info("event=reloaded workers=%u downloads=%u", m->conf->workers,
	    m->conf->downloads);
}

/* Drops retired children that have exited, so that the array does not
 * grow with every reload. */
static void
master_compact(struct master *m)
{
	size_t j = 0;

	for (size_t i = 0; i < m->nchildren; i++) {
		if (m->children[i].retiring && m->children[i].pid == 0)
			child_state_free(m->children[i].state);
		else
			m->children[j++] = m->children[i];
	}
	m->nchildren = j;
}

struct master_sweeping {
	struct storage *sto;
	int remote;		/* webdav or s3: each failure may be slow */
	int failed;		/* the storage failed once this sweep */
};

/* Removes the thumbnail of an expired job that was the last one using it.
 * The path was read back from Redis: one that is not a thumbnail's (a
 * forged record) is refused by storage_remove, logged and left alone.
 * Once a remote storage has failed, the rest of the sweep does not wait
 * for it (storage_timeout each), so that the master keeps its heartbeat. */
static void
master_unlink(const char *id, const char *path, void *arg)
{
	struct master_sweeping *sw = arg;

	if (!id_valid(id))
		id = "(not an id)";
	if (path[0] == '\0')
		return;
	if (sw->failed) {
		log_warn("event=sweep_unlink_failed job=%s error=\"skipped: "
		    "the storage failed earlier in this sweep\"", id);
		return;
	}
	if (storage_remove_all(sw->sto, path) >= 0)
		return;
	if (errno == EINVAL) {
		log_warn("event=bad_path job=%s (not a thumbnail path: "
		    "ignored)", id);
		return;
	}
	log_warn("event=sweep_unlink_failed job=%s error=\"%s\"", id,
	    storage_error(sw->sto));
	sw->failed = sw->remote;
}

/* Logs the outcome n of a periodic duty (-1: a Redis error) once per
 * outage: its first failure, then its recovery and how long it took.  For
 * as long as Redis is down, every duty fails once a second. */
static void
master_duty(struct master *m, struct duty *d, long n)
{
	time_t now = time(NULL);

	if (n < 0 && d->failures++ == 0) {
		d->failing_since = now;
		log_warn("event=%s_failed error=\"%s\" note=\"logged again "
		    "only once it recovers\"", d->name, store_error(m->store));
	} else if (n >= 0 && d->failures > 0) {
		log_info("event=%s_recovered failures=%u down_s=%lld", d->name,
		    d->failures, (long long)(now - d->failing_since));
		d->failures = 0;
	}
}

/* Deletes jobs that finished more than thumbnail_ttl ago, and their files
 * (a file shared through dedupe with the last job using it).  Any host
 * may do it; two doing it at once share the work.  The storage handle
 * lives for one sweep: the children must not inherit its connection. */
/* Returns how many jobs it removed (-1: Redis failed, 0: none, or the
 * storage does not answer). */
static long
master_sweep(struct master *m)
{
	struct master_sweeping sw = { storage_new(m->conf),
	    strcmp(m->conf->storage, "local") != 0, 0 };
	static int down;
	struct timespec now;
	long n;

	/* Jobs whose files cannot be removed are not forgotten: the sweep
	 * waits for the storage to answer (said once, not every second). */
	if (storage_check(sw.sto) == -1) {
		if (!down)
			log_warn("event=sweep_postponed error=\"%s\"",
			    storage_error(sw.sto));
		down = 1;
		storage_free(sw.sto);
		return 0;
	}
	down = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	n = store_purge(m->store,
	    (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
	    (long long)m->conf->thumbnail_ttl * 1000, MASTER_SWEEP_MAX,
	    master_unlink, &sw);
	storage_free(sw.sto);
	master_duty(m, &m->sweep, n);
	if (n > 0)
		log_info("event=expired jobs=%ld", n);
	return n;
}

/* Pauses or resumes the claims of every image worker child. */
static void
master_pause(struct master *m, int paused)
{
	for (size_t i = 0; i < m->nchildren; i++) {
		struct child_state *s = m->children[i].state;

		if (s != NULL) {
			s->paused = paused;
			if (!paused)
				s->storage_failures = 0;
		}
	}
}

/*
 * The storage circuit breaker.  A storage that fails (a full disk, a WebDAV
 * or S3 endpoint down) fails every thumbnail the same way; without the
 * breaker each child would go on claiming, fetching and decoding jobs only
 * to put them back.  When a child meets storage_breaker_failures failures
 * in a row, the breaker opens: no child claims (the jobs stay queued, what
 * the children hold is retried without using up an attempt), and every
 * storage_breaker_probe_s the master writes and removes a probe object
 * (storage_probe, as thumbqd -t); the first that works closes it.  The
 * heartbeat publishes how long it has been open for /v1/health.  A remote
 * probe may take up to two storage_timeout; the local one is instant.
 */
static void
master_breaker(struct master *m)
{
	struct storage *sto;
	char *cause = NULL;
	long long now = proc_now_ms();
	int failures = 0;

	if (m->breaker_since == 0) {
		for (size_t i = 0; i < m->nchildren; i++) {
			const struct child_state *s = m->children[i].state;

			if (s != NULL && s->storage_failures > failures)
				failures = s->storage_failures;
		}
		if (failures < (int)m->conf->storage_breaker_failures)
			return;
		m->breaker_since = m->breaker_probed = now;
		master_pause(m, 1);
		log_warn("event=storage_breaker_open failures=%d (claims "
		    "paused until a probe of the storage works)", failures);
		return;
	}
	if (now - m->breaker_probed <
	    (long long)m->conf->storage_breaker_probe_s * 1000)
		return;
	m->breaker_probed = now;
	sto = storage_new(m->conf);
	if (storage_probe(sto, &cause) == 0) {
		log_info("event=storage_breaker_closed down_ms=%lld",
		    now - m->breaker_since);
		m->breaker_since = 0;
		master_pause(m, 0);
	} else
		log_warn("event=storage_probe_failed down_ms=%lld error=\"%s\"",
		    now - m->breaker_since, cause);
	free(cause);
	storage_free(sto);
}

/* Periodic duties, once a second: say this host lives (and recover the
 * claims of hosts that went silent), return expired leases, sweep, and
 * promote due retries. */
static void
master_tick(struct master *m)
{
	const char *wids[256], *busy[256];
	char jobs[256][ID_LEN + 1];
	size_t nwids = 0;
	long n;

	for (size_t i = 0; i < m->nchildren &&
	    nwids < sizeof wids / sizeof wids[0]; i++) {
		struct child *c = &m->children[i];

		if (c->pid <= 0)
			continue;
		/* The job a child is thumbnailing, for the console: a copy of
		 * what the child may be rewriting this instant, used only if it
		 * has an id's shape (a torn copy shows a wrong id for a second,
		 * nothing worse). */
		jobs[nwids][0] = '\0';
		if (c->state != NULL) {
			memcpy(jobs[nwids], c->state->thumbnailing, ID_LEN);
			jobs[nwids][ID_LEN] = '\0';
			if (!id_valid(jobs[nwids]))
				jobs[nwids][0] = '\0';
		}
		wids[nwids] = c->wid;
		busy[nwids] = jobs[nwids];
		nwids++;
	}
	master_breaker(m);
	n = store_heartbeat(m->store, m->host, wids, busy, nwids,
	    m->breaker_since != 0 ? proc_now_ms() - m->breaker_since + 1 : 0);
	master_duty(m, &m->heartbeat, n);
	if (n > 0)
		log_info("event=recovered_from_dead_hosts jobs=%ld", n);
	n = store_reap_leases(m->store);
	master_duty(m, &m->reap, n);
	if (n > 0)
		log_info("event=leases_expired requeued=%ld", n);
	if (m->conf->thumbnail_ttl != 0 &&
	    time(NULL) - m->last_sweep >=
	    MASTER_SWEEP_INTERVAL(m->conf->thumbnail_ttl)) {
		m->last_sweep = time(NULL);
		/* A backlog: again at the next tick. */
		if (master_sweep(m) >= MASTER_SWEEP_MAX)
			m->last_sweep = 0;
	}
	n = store_promote_retries(m->store);
	master_duty(m, &m->promote, n);
	if (n > 0)
		log_debug("event=retries_due count=%ld", n);
}

int
master_run(struct thumbq_conf *conf, const char *conf_path, int verbose)
{
	struct master m;
	struct timespec tick = { .tv_sec = 1, .tv_nsec = 0 };
	time_t last_tick = 0;

	memset(&m, 0, sizeof m);
	m.conf = conf;
	m.conf_path = conf_path;
	m.verbose = verbose;
	m.heartbeat.name = "heartbeat";
	m.reap.name = "reap";
	m.promote.name = "promote";
	m.sweep.name = "sweep";
	m.nchildren = conf->workers + conf->interactive_workers +
	    conf->couriers;
	m.children = xcalloc(m.nchildren, sizeof *m.children);
	master_layout(conf, m.children);
	m.store = store_new(conf);
	if (gethostname(m.host, sizeof m.host - 24) == -1)
		snprintf(m.host, sizeof m.host, "unknown");
	m.host[sizeof m.host - 24] = '\0';
	snprintf(m.host + strlen(m.host), 24, ":%ld", (long)getpid());
	for (size_t i = 0; i < m.nchildren; i++)
		m.children[i].started = time(NULL) - MASTER_RESPAWN_DELAY_S;

	sigemptyset(&m.sigs);
	sigaddset(&m.sigs, SIGCHLD);
	sigaddset(&m.sigs, SIGTERM);
	sigaddset(&m.sigs, SIGINT);
	sigaddset(&m.sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &m.sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("event=started workers=%u downloads=%u", conf->workers,
	    conf->downloads);
	for (;;) {
		siginfo_t info;
		int sig;

		master_reap(&m);
		master_compact(&m);
		master_fill(&m);
		if (m.stopping && master_alive(&m) == 0)
			break;
		if (m.stopping && time(NULL) >= m.stop_deadline) {
			log_warn("event=shutdown_timeout killing=%zu",
			    master_alive(&m));
			master_signal_all(&m, SIGKILL);
			m.stop_deadline = time(NULL) + 5;
		}
		if (time(NULL) != last_tick) {
			last_tick = time(NULL);
			master_tick(&m);
		}
		sig = sigtimedwait(&m.sigs, &info, &tick);
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			if (m.stopping) {
				/* A second request to stop means now. */
				log_warn("event=stop_now");
				master_signal_all(&m, SIGKILL);
				break;
			}
			log_info("event=stopping signal=%d timeout_s=%u", sig,
			    m.conf->shutdown_timeout);
			m.stopping = 1;
			m.stop_deadline = time(NULL) + m.conf->shutdown_timeout;
			master_signal_all(&m, SIGTERM);
			break;
		case SIGHUP:
			if (!m.stopping)
				master_reload(&m);
			break;
		default:	/* SIGCHLD, or the tick timeout */
			break;
		}
	}
	store_goodbye(m.store, m.host);
	log_info("event=stopped");
	store_free(m.store);
	for (size_t i = 0; i < m.nchildren; i++)
		child_state_free(m.children[i].state);
	free(m.children);
	return 0;
}
