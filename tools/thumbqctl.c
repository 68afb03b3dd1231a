/* thumbqctl.c: the sysadmin's handle on a running thumbq.
 *
 *   thumbqctl [-c FILE] [--json] stats
 *   thumbqctl [-c FILE] job ID
 *   thumbqctl [-c FILE] [--json] failed [--limit N] [--code CODE]
 *   thumbqctl [-c FILE] requeue ID... | --all-failed | --code CODE
 *   (retry: requeue's old name, still accepted)
 *   thumbqctl [-c FILE] delete ID...
 *   thumbqctl [-c FILE] purge --older-than DURATION
 *   thumbqctl [-c FILE] key create [--admin] NAME | key list | key revoke NAME
 *   thumbqctl [-c FILE] [--json] check [--web-user USER]
 *   thumbqctl [-c FILE] [--json] health
 *
 * It talks to the same Redis through the same store functions as the
 * daemons, so it cannot disagree with them about what a key means, and
 * does what it shares with the console (the figures, lists, requeue,
 * delete) through the same src/admin.c as the /v1/admin/ routes.  Output
 * is one record per line, tab-separated (or JSON with --json), and the exit
 * status says what happened: 0 done, 1 failure (e.g. Redis unreachable),
 * 2 usage, 3 no such job or key (or a job to retry that is not failed). */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "admin.h"
#include "apikey.h"
#include "conf.h"
#include "health.h"
#include "id.h"
#include "job.h"
#include "log.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

#define EXIT_USAGE 2
#define EXIT_NOTFOUND 3
/* How many failed jobs "failed" lists at most. */
#define CTL_MAX_LIST 100000

struct ctl {
	struct thumbq_conf conf;
	struct store *store;
	int json;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: thumbqctl [-c thumbq.conf] [--json] COMMAND\n"
	    "  stats                       queue depth, workers, counters\n"
	    "  health                      ok, or degraded and why, as\n"
	    "                              /v1/health says (exit 1 unless ok)\n"
	    "  job ID                      one job, as the API shows it, with\n"
	    "                              the job it was answered from\n"
	    "                              (source_job)\n"
	    "  failed [--limit N] [--code CODE]\n"
	    "                              failed jobs, newest first\n"
	    "                              (default 20)\n"
	    "  requeue ID... | --all-failed | --code CODE\n"
	    "                              put failed jobs back in the queue\n"
	    "                              with fresh attempts\n"
	    "  retry ...                   the same: requeue's old name\n"
	    "  delete ID...                delete jobs of any key, and their\n"
	    "                              thumbnails\n"
	    "  purge --older-than DURATION delete jobs finished before\n"
	    "                              DURATION ago, and their thumbnails\n"
	    "                              (e.g. 30d, 12h, 90m)\n"
	    "  key create [--admin] NAME   make an API key and its webhook\n"
	    "                              secret (printed once); --admin:\n"
	    "                              for /v1/admin/ (the console)\n"
	    "  key list                    API keys: name, created, last\n"
	    "                              used, id, admin\n"
	    "  key revoke NAME             revoke an API key\n"
	    "  check [--web-user USER]     what a set-up lacks: Redis, a\n"
	    "                              worker, a writable docroot,\n"
	    "                              thumbnails the web server (others,\n"
	    "                              or USER) can read\n");
	exit(EXIT_USAGE);
}

static int
ctl_store_failed(struct ctl *c)
{
	fprintf(stderr, "thumbqctl: %s\n", store_error(c->store));
	return 1;
}

/* Counters that are histogram buckets, which stats leaves out. */
static int
ctl_is_bucket(const char *name)
{
	return strstr(name, "_bucket:") != NULL ||
	    strstr(name, "_sum_ms") != NULL;
}

static void
ctl_stats_text(const struct admin_now *now)
{
	const struct store_stats *s = &now->stats;

	printf("pending\t%lld\nprocessing\t%lld\nretrying\t%lld\n"
	    "worker_hosts\t%lld\nworkers\t%lld\n", s->pending, s->processing,
	    s->retrying, s->hosts, s->children);
	for (size_t i = 0; i < s->ncounters; i++)
		if (!ctl_is_bucket(s->counters[i].name))
			printf("%s\t%llu\n", s->counters[i].name,
			    s->counters[i].value);
	printf("completed_last_hour\t%llu\nfailed_last_hour\t%llu\n",
	    now->completed_last_hour, now->failed_last_hour);
	/* What each child of each live host is doing. */
	for (size_t i = 0; i < now->nchildren; i++) {
		const struct admin_child *c = &now->children[i];

		printf("child\t%s\t%s\t%s\t%s", c->host, c->child,
		    c->job[0] != '\0' ? c->job : "-", c->phase);
		if (c->claimed_ms > 0)
			printf("\t%.1fs",
			    (double)(now->now_ms - c->claimed_ms) / 1000);
		putchar('\n');
	}
}

static void
ctl_print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The figures of the moment, as the console's Now shows them (admin.c),
 * with the counters. */
static int
ctl_stats(struct ctl *c)
{
	const struct store_stats *s;
	struct json_object *o, *k;
	struct admin_now now;

	if (admin_now(c->store, &now) != STORE_OK) {
		admin_now_free(&now);
		return ctl_store_failed(c);
	}
	if (!c->json) {
		ctl_stats_text(&now);
		admin_now_free(&now);
		return 0;
	}
	s = &now.stats;
	o = admin_now_json(&now);
	k = json_object_new_object();
	json_object_object_add(o, "pending", json_object_new_int64(s->pending));
	json_object_object_add(o, "processing",
	    json_object_new_int64(s->processing));
	json_object_object_add(o, "retrying",
	    json_object_new_int64(s->retrying));
	json_object_object_add(o, "worker_hosts",
	    json_object_new_int64(s->hosts));
	json_object_object_add(o, "workers",
	    json_object_new_int64(s->children));
	for (size_t i = 0; i < s->ncounters; i++)
		if (!ctl_is_bucket(s->counters[i].name))
			json_object_object_add(k, s->counters[i].name,
			    json_object_new_int64(
			    (int64_t)s->counters[i].value));
	json_object_object_add(o, "counters", k);
	ctl_print_json(o);
	admin_now_free(&now);
	return 0;
}

/* What /v1/health says (src/health.c): "status ok", or "status degraded"
 * and a line per reason; Redis unreachable is "status unhealthy".  Exit 0
 * only when ok, so that a cron job or a monitor can act on it. */
static int
ctl_health(struct ctl *c)
{
	struct json_object *o;
	struct health h;
	char text[256];
	int rc;

	health_assess(&c->conf, c->store, &h);
	rc = h.redis_up && h.reasons == 0 ? 0 : 1;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "status",
		    json_object_new_string(health_status(&h)));
		if (h.redis_up)
			json_object_object_add(o, "reasons",
			    health_reasons_json(&h));
		else
			json_object_object_add(o, "message",
			    json_object_new_string(store_error(c->store)));
		ctl_print_json(o);
	} else {
		printf("status\t%s\n", health_status(&h));
		if (!h.redis_up)
			printf("redis\tunreachable\t%s\n",
			    store_error(c->store));
		for (int r = 0; h.redis_up && r < HEALTH_NREASONS; r++) {
			if ((h.reasons & (1u << r)) == 0)
				continue;
			health_reason_text(&h, r, text, sizeof text);
			printf("reason\t%s\t%s\n", health_reason_name(r), text);
		}
	}
	health_free(&h);
	return rc;
}

/* Loads one job, reporting a bad or unknown id. */
static int
ctl_load(struct ctl *c, const char *id, struct job *job)
{
	if (!id_valid(id)) {
		fprintf(stderr, "thumbqctl: \"%s\" is not a job id\n", id);
		return EXIT_NOTFOUND;
	}
	switch (store_job_get(c->store, id, job)) {
	case STORE_OK:
		return 0;
	case STORE_NOTFOUND:
		fprintf(stderr, "thumbqctl: job %s not found\n", id);
		return EXIT_NOTFOUND;
	default:
		return ctl_store_failed(c);
	}
}

static int
ctl_job(struct ctl *c, const char *id)
{
	struct job job;
	int rc = ctl_load(c, id, &job);

	if (rc != 0)
		return rc;
	ctl_print_json(admin_job_json(&job, c->conf.base_url));
	job_free(&job);
	return 0;
}

struct ctl_failed {
	struct ctl *c;
	struct json_object *list;
};

static void
ctl_print_failed(const struct job *job, void *arg)
{
	struct ctl_failed *f = arg;

	if (f->list != NULL)
		json_object_array_add(f->list,
		    admin_job_json(job, f->c->conf.base_url));
	else
		printf("%s\t%s\t%s\t%s\n", job->id,
		    job->error_code ? job->error_code : "", job->url,
		    job->error_message ? job->error_message : "");
}

/* A --code from the command line, or NULL: 0, or EXIT_USAGE. */
static int
ctl_code(const char *code)
{
	if (code == NULL || admin_code_valid(code))
		return 0;
	fprintf(stderr, "thumbqctl: \"%s\" is not an error code\n", code);
	return EXIT_USAGE;
}

static int
ctl_failed(struct ctl *c, unsigned long limit, const char *code)
{
	struct ctl_failed f = { c, NULL };
	char next[STORE_CURSOR_MAX];

	if (ctl_code(code) != 0)
		return EXIT_USAGE;
	if (c->json)
		f.list = json_object_new_array();
	if (admin_list(c->store, STORE_LIST_FAILED, code, "", limit, 0, next,
	    ctl_print_failed, &f) < 0) {
		json_object_put(f.list);
		return ctl_store_failed(c);
	}
	if (f.list != NULL)
		ctl_print_json(f.list);
	return 0;
}

static int
ctl_requeue_one(struct ctl *c, const char *id)
{
	if (!id_valid(id)) {
		fprintf(stderr, "thumbqctl: \"%s\" is not a job id\n", id);
		return EXIT_NOTFOUND;
	}
	switch (admin_requeue(c->store, id)) {
	case STORE_OK:
		printf("%s\tqueued\n", id);
		return 0;
	case STORE_NOTFOUND:
		fprintf(stderr, "thumbqctl: job %s is not failed (or does not "
		    "exist)\n", id);
		return EXIT_NOTFOUND;
	default:
		return ctl_store_failed(c);
	}
}

/* requeue ID..., or --all-failed (code NULL), or --code CODE: every such
 * failed job, a page at a time (admin.c).  The operator's requeue, not the
 * backoff's retry of a transient failure; "retry" is its old name. */
static int
ctl_requeue(struct ctl *c, int all_failed, const char *code, int nids,
    char **ids)
{
	long n;
	int rc = 0, r, more;

	if (all_failed || code != NULL) {
		if (ctl_code(code) != 0)
			return EXIT_USAGE;
		if ((n = admin_requeue_code(c->store, code, LONG_MAX,
		    &more)) < 0)
			return ctl_store_failed(c);
		printf("requeued\t%ld\n", n);
		return 0;
	}
	for (int i = 0; i < nids; i++) {
		r = ctl_requeue_one(c, ids[i]);
		if (r > rc)
			rc = r;
	}
	return rc;
}

static int
ctl_delete(struct ctl *c, int nids, char **ids)
{
	struct storage *sto = storage_new(&c->conf);
	int rc = 0, failed = 0;

	for (int i = 0; i < nids && !failed; i++) {
		switch (admin_delete(c->store, sto, ids[i])) {
		case STORE_OK:
			printf("%s\tdeleted\n", ids[i]);
			break;
		case STORE_NOTFOUND:
			fprintf(stderr, "thumbqctl: job %s not found\n",
			    ids[i]);
			rc = EXIT_NOTFOUND;
			break;
		default:
			failed = 1;
			break;
		}
	}
	storage_free(sto);
	return failed ? ctl_store_failed(c) : rc;
}

/* Parses 30d, 12h, 90m, 45s or a plain number of seconds. */
static int
ctl_parse_duration(const char *s, long long *seconds)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || n < 0 || n > 100LL * 365 * 86400)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	*seconds = n;
	return 0;
}

struct ctl_purge {
	struct storage *sto;
	long files;
};

/* Removes a purged job's thumbnail, if it was the last job using it.  The
 * path was read back from Redis: one that is not a thumbnail's is refused
 * by storage_remove and reported. */
static void
ctl_unlink(const char *id, const char *path, void *arg)
{
	struct ctl_purge *p = arg;
	int n;

	if (path[0] == '\0')
		return;
	if (!id_valid(id))
		id = "(not an id)";
	n = storage_remove_all(p->sto, path);
	if (n > 0)
		p->files += n;
	else if (n < 0 && errno == EINVAL)
		fprintf(stderr, "thumbqctl: job %s names a file that is not a "
		    "thumbnail: left alone\n", id);
	else if (n < 0)
		fprintf(stderr, "thumbqctl: cannot remove the thumbnail of "
		    "%s: %s\n", id, storage_error(p->sto));
}

static int
ctl_purge(struct ctl *c, const char *older_than)
{
	struct ctl_purge p = { NULL, 0 };
	struct timespec now;
	long long seconds;
	long n;

	if (older_than == NULL ||
	    ctl_parse_duration(older_than, &seconds) == -1) {
		fprintf(stderr, "thumbqctl: purge needs --older-than DURATION "
		    "(e.g. 30d, 12h)\n");
		return EXIT_USAGE;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	p.sto = storage_new(&c->conf);
	n = store_purge(c->store, (long long)now.tv_sec * 1000 +
	    now.tv_nsec / 1000000 - seconds * 1000, LONG_MAX, ctl_unlink, &p);
	storage_free(p.sto);
	if (n < 0)
		return ctl_store_failed(c);
	printf("purged\t%ld jobs\t%ld files\n", n, p.files);
	return 0;
}

static void
ctl_print_time(long long ms)
{
	char buf[32] = "-";
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (ms > 0 && gmtime_r(&secs, &tm) != NULL)
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs(buf, stdout);
}

static void
ctl_print_key(const char *name, const char *id, long long created,
    long long used, int admin, void *arg)
{
	(void)arg;
	printf("%s\t", name);
	ctl_print_time(created);
	putchar('\t');
	ctl_print_time(used);
	printf("\t%s\t%s\n", id[0] != '\0' ? id : "-", admin ? "admin" : "-");
}

/* Makes a key, its id and its webhook secret, and prints the key and the
 * secret: the only time either is shown (only the key's hash is stored). */
static int
ctl_key_create(struct ctl *c, const char *name, int admin)
{
	char key[APIKEY_LEN + 1], hash[APIKEY_HASH_LEN + 1];
	char id[APIKEY_ID_LEN + 1], secret[APIKEY_SECRET_LEN + 1];

	if (apikey_generate(key) == -1 || apikey_id_generate(id) == -1 ||
	    apikey_secret_generate(secret) == -1) {
		fprintf(stderr, "thumbqctl: getrandom failed\n");
		return 1;
	}
	apikey_hash(key, strlen(key), hash);
	switch (store_apikey_create(c->store, hash, name, id, secret,
	    admin)) {
	case STORE_OK:
		printf("%s\t%s\t%s\n", name, key, secret);
		return 0;
	case STORE_STALE:
		fprintf(stderr,
		    "thumbqctl: an API key named %s exists already\n", name);
		return 1;
	default:
		return ctl_store_failed(c);
	}
}

static int
ctl_key(struct ctl *c, int argc, char **argv, int admin)
{
	/* "key create --admin NAME": the option follows the subcommand, where
	 * getopt has stopped already. */
	if (argc == 3 && strcmp(argv[0], "create") == 0 &&
	    strcmp(argv[1], "--admin") == 0) {
		admin = 1;
		argv[1] = argv[2];
		argc = 2;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0 && !admin)
		return store_apikey_list(c->store, ctl_print_key, NULL) < 0 ?
		    ctl_store_failed(c) : 0;
	if (argc != 2 || (strcmp(argv[0], "create") != 0 &&
	    strcmp(argv[0], "revoke") != 0) ||
	    (admin && strcmp(argv[0], "create") != 0))
		usage();
	if (!apikey_name_valid(argv[1])) {
		fprintf(stderr,
		    "thumbqctl: key names are 1-63 of A-Z a-z 0-9 _ . -\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "create") == 0)
		return ctl_key_create(c, argv[1], admin);
	switch (store_apikey_revoke(c->store, argv[1])) {
	case STORE_OK:
		printf("%s\trevoked\n", argv[1]);
		return 0;
	case STORE_NOTFOUND:
		fprintf(stderr, "thumbqctl: no API key named %s\n", argv[1]);
		return EXIT_NOTFOUND;
	default:
		return ctl_store_failed(c);
	}
}

/* ---------------------------------------------------------------- check */

/* "thumbqctl check" tells a user who installed thumbq without root (README,
 * "Shared hosting") what is still missing, one line per thing: that Redis
 * answers (with its password), that a thumbqd reports to it, that the
 * worker can write into the docroot's thumbnails/, and that the web server,
 * another user there, can reach the thumbnails.  Permissions are judged by
 * mode bits, as the kernel does without ACLs, for the user the check stands
 * for; the worker's own directory is also tried with a real file. */

#define CTL_MAX_GROUPS 64
/* Thumbnail directories (ab/, then ab/cd/) and files looked at per level:
 * a sample, since a docroot may hold 65536 directories. */
#define CTL_SAMPLE 16

/* A user with its groups, or "others": anyone neither owner nor in the
 * group, which is what the web server of a shared host is to its customers'
 * files. */
struct ctl_who {
	char name[64];
	uid_t uid;
	gid_t groups[CTL_MAX_GROUPS];
	int ngroups;
	int others;
};

struct ctl_checks {
	struct ctl *c;
	struct json_object *list;
	int failed;
};

static void __attribute__((format(printf, 4, 5)))
ctl_report(struct ctl_checks *k, int good, const char *name, const char *fmt,
    ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (!good)
		k->failed++;
	if (k->list != NULL) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "check",
		    json_object_new_string(name));
		json_object_object_add(o, "ok", json_object_new_boolean(good));
		json_object_object_add(o, "message",
		    json_object_new_string(msg));
		json_object_array_add(k->list, o);
	} else
		printf("%s\t%s\t%s\n", good ? "ok" : "missing", name, msg);
	free(msg);
}

/* Fills who for user name, or for others when name is NULL. */
static int
ctl_who_init(struct ctl_who *who, const char *name)
{
	struct passwd *pw;

	memset(who, 0, sizeof *who);
	if (name == NULL) {
		who->others = 1;
		snprintf(who->name, sizeof who->name, "other users");
		return 0;
	}
	if ((pw = getpwnam(name)) == NULL)
		return -1;
	snprintf(who->name, sizeof who->name, "%s", pw->pw_name);
	who->uid = pw->pw_uid;
	who->ngroups = CTL_MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, who->groups,
	    &who->ngroups) == -1)
		who->ngroups = CTL_MAX_GROUPS;
	return 0;
}

/* What who may do to a file (bits R_OK, W_OK, X_OK, as in access(2)): the
 * owner's bits for its owner, else the group's for a member, else the
 * others'. */
static int
ctl_may(const struct ctl_who *who, const struct stat *sb, int want)
{
	int bits = sb->st_mode & 7;

	if (!who->others && who->uid == 0)
		return 1;
	if (!who->others && sb->st_uid == who->uid)
		bits = (sb->st_mode >> 6) & 7;
	else if (!who->others) {
		for (int i = 0; i < who->ngroups; i++)
			if (who->groups[i] == sb->st_gid)
				bits = (sb->st_mode >> 3) & 7;
	}
	return (bits & want) == want;
}

/* Every directory from / down to path (absolute, without links) must let
 * who through; path itself also needs last (bits beyond search).  Returns
 * 0, or -1 with the first directory that stops who in bad. */
static int
ctl_walk(const struct ctl_who *who, const char *path, int last, char *bad,
    size_t size)
{
	char prefix[PATH_MAX] = "/";
	struct stat sb;
	size_t len = strlen(path), i = 1;

	if (len >= sizeof prefix)
		return -1;
	for (;;) {
		if (stat(prefix, &sb) == -1 ||
		    !ctl_may(who, &sb, X_OK | (i >= len ? last : 0))) {
			snprintf(bad, size, "%s", prefix);
			return -1;
		}
		if (i >= len)
			return 0;
		while (i < len && path[i] != '/')
			i++;
		memcpy(prefix, path, i);
		prefix[i++] = '\0';
	}
}

/* Looks at a sample of the thumbnail tree below dir (depth levels of
 * directories, then files): directories need dirwant, files filewant.
 * Returns 0, or -1 with the first that fails in bad. */
static int
ctl_sample(const struct ctl_who *who, const char *dir, int depth, int dirwant,
    int filewant, char *bad, size_t size)
{
	struct dirent *de;
	struct stat sb;
	char path[PATH_MAX];
	int seen = 0, rc = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while (rc == 0 && seen < CTL_SAMPLE && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (size_t)snprintf(path, sizeof path,
		    "%s/%s", dir, de->d_name) >= sizeof path ||
		    stat(path, &sb) == -1)
			continue;
		seen++;
		if (S_ISDIR(sb.st_mode) && depth > 0) {
			if (!ctl_may(who, &sb, dirwant)) {
				snprintf(bad, size, "%s", path);
				rc = -1;
			} else
				rc = ctl_sample(who, path, depth - 1, dirwant,
				    filewant, bad, size);
		} else if (S_ISREG(sb.st_mode) && depth == 0 &&
		    !ctl_may(who, &sb, filewant)) {
			snprintf(bad, size, "%s", path);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

/* Redis, with the password; then whether any thumbqd reports to it. */
static void
ctl_check_redis(struct ctl_checks *k)
{
	const struct thumbq_conf *conf = &k->c->conf;
	struct store_stats *s = xmalloc(sizeof *s);
	const char *err, *primary, *from;

	if (store_stats(k->c->store, s) != STORE_OK) {
		err = store_error(k->c->store);
		if (strstr(err, "NOAUTH") != NULL)
			ctl_report(k, 0, "redis", "Redis at %s wants a "
			    "password: set redis_password_file (and "
			    "redis_user for an ACL user)", conf->redis);
		else if (strstr(err, conf->redis) != NULL ||
		    conf->redis_sentinels[0] != '\0')
			ctl_report(k, 0, "redis", "%s", err);
		else
			ctl_report(k, 0, "redis", "Redis at %s: %s",
			    conf->redis, err);
		ctl_report(k, 0, "worker",
		    "unknown while Redis cannot be reached");
		free(s);
		return;
	}
	primary = store_primary(k->c->store, &from);
	if (primary[0] != '\0')
		ctl_report(k, 1, "redis", "Redis primary %s, named by "
		    "sentinel %s for %s, answers (database %u, prefix %s%s%s)",
		    primary, from, conf->redis_master_name, conf->redis_db,
		    conf->redis_prefix, conf->redis_password_file[0] != '\0' ?
		    ", password from " : "", conf->redis_password_file);
	else
		ctl_report(k, 1, "redis", "Redis at %s answers (database %u, "
		    "prefix %s%s%s)", conf->redis, conf->redis_db,
		    conf->redis_prefix, conf->redis_password_file[0] != '\0' ?
		    ", password from " : "", conf->redis_password_file);
	if (s->hosts > 0)
		ctl_report(k, 1, "worker", "thumbqd reports: %lld host(s), "
		    "%lld worker(s) in the last %d s", s->hosts, s->children,
		    STORE_HOST_STALE_MS / 1000);
	else
		ctl_report(k, 0, "worker", "no thumbqd has reported to this "
		    "Redis and prefix in the last %d s: start it (systemctl "
		    "--user start thumbqd, or thumbqd -c FILE from cron) and "
		    "see its log", STORE_HOST_STALE_MS / 1000);
	free(s);
}

/* The worker writes docroot/thumbnails/ab/cd/NAME.ext: the directory must be
 * there and writable by thumbqd's user, which is this user unless thumbq.conf
 * names another (root's thumbqd with user = ...). */
static void
ctl_check_docroot(struct ctl_checks *k, const char *thumbs)
{
	const char *user = k->c->conf.user;
	struct passwd *me = getpwuid(geteuid());
	struct ctl_who who;
	char bad[PATH_MAX], tmp[PATH_MAX];
	int fd;

	if (user[0] != '\0' && (me == NULL || strcmp(me->pw_name, user) != 0)) {
		if (ctl_who_init(&who, user) == -1) {
			ctl_report(k, 0, "docroot", "user = \"%s\": no such "
			    "user", user);
			return;
		}
		if (ctl_walk(&who, thumbs, W_OK, bad, sizeof bad) == -1 ||
		    ctl_sample(&who, thumbs, 1, W_OK | X_OK, 0, bad,
		    sizeof bad) == -1)
			ctl_report(k, 0, "docroot", "thumbqd's user %s cannot "
			    "write into %s: %s stops it", who.name, thumbs,
			    bad);
		else
			ctl_report(k, 1, "docroot", "thumbqd's user %s can "
			    "write into %s", who.name, thumbs);
		return;
	}
	/* This user is thumbqd's: a real file says it best (read-only file
	 * systems, ACLs, quotas). */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.thumbqctl-check.XXXXXX",
	    thumbs) >= sizeof tmp)
		fd = -1, errno = ENAMETOOLONG;
	else
		fd = mkstemp(tmp);
	if (fd == -1) {
		ctl_report(k, 0, "docroot", "thumbqd (running as %s) cannot "
		    "write into %s: %s", me != NULL ? me->pw_name : "this user",
		    thumbs, strerror(errno));
		return;
	}
	close(fd);
	unlink(tmp);
	if (ctl_who_init(&who, me != NULL ? me->pw_name : NULL) == 0 &&
	    ctl_sample(&who, thumbs, 1, W_OK | X_OK, 0, bad, sizeof bad) == -1)
		ctl_report(k, 0, "docroot", "thumbqd (running as %s) cannot "
		    "write into %s", who.name, bad);
	else
		ctl_report(k, 1, "docroot", "thumbqd (running as %s) can write "
		    "into %s", me != NULL ? me->pw_name : "this user", thumbs);
}

/* The web server serves the thumbnails as static files: it needs to get
 * through every directory down to them and to read them. */
static void
ctl_check_web(struct ctl_checks *k, const char *thumbs, const char *web_user)
{
	struct ctl_who who;
	char bad[PATH_MAX], htaccess[PATH_MAX];
	struct stat sb;

	if (ctl_who_init(&who, web_user) == -1) {
		ctl_report(k, 0, "web", "--web-user %s: no such user",
		    web_user);
		return;
	}
	/* Apache reads the .htaccess of every directory it serves from. */
	snprintf(htaccess, sizeof htaccess, "%s/.htaccess", k->c->conf.docroot);
	if (ctl_walk(&who, thumbs, 0, bad, sizeof bad) == -1 ||
	    ctl_sample(&who, thumbs, 2, X_OK, R_OK, bad, sizeof bad) == -1 ||
	    (stat(htaccess, &sb) == 0 && !ctl_may(&who, &sb, R_OK) &&
	    snprintf(bad, sizeof bad, "%s", htaccess) > 0))
		ctl_report(k, 0, "web", "the web server (as %s) cannot read "
		    "the thumbnails: %s stops it (directories need o+x, files "
		    "o+r%s)", who.name, bad, web_user == NULL ? "; if the web "
		    "server is in the group, say --web-user USER" : "");
	else
		ctl_report(k, 1, "web", "the web server (as %s) can read the "
		    "thumbnails in %s", who.name, thumbs);
}

/* A remote storage (webdav, s3): a probe object written and removed, as
 * thumbqd -t does; the web server's side is the storage's own. */
static void
ctl_check_storage(struct ctl_checks *k)
{
	const struct thumbq_conf *conf = &k->c->conf;
	struct storage *sto = storage_new(conf);
	char *cause = NULL;

	if (storage_probe(sto, &cause) == -1) {
		ctl_report(k, 0, "storage", "%s", cause);
		free(cause);
	} else
		ctl_report(k, 1, "storage", "storage = %s at %s takes and "
		    "removes a probe object", conf->storage, conf->storage_url);
	storage_free(sto);
}

static int
ctl_check(struct ctl *c, const char *web_user)
{
	struct ctl_checks k = { c, NULL, 0 };
	char thumbs[PATH_MAX], real[PATH_MAX];
	struct stat sb;

	if (c->json)
		k.list = json_object_new_array();
	ctl_check_redis(&k);
	snprintf(thumbs, sizeof thumbs, "%s/thumbnails", c->conf.docroot);
	if (strcmp(c->conf.storage, "local") != 0)
		ctl_check_storage(&k);
	else if (realpath(thumbs, real) == NULL || stat(real, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)) {
		ctl_report(&k, 0, "docroot", "%s is not a directory: mkdir -p "
		    "%s (make install makes it)", thumbs, thumbs);
		ctl_report(&k, 0, "web", "no thumbnails directory to serve");
	} else {
		ctl_check_docroot(&k, real);
		ctl_check_web(&k, real, web_user);
	}
	if (k.list != NULL) {
		printf("%s\n", json_object_to_json_string_ext(k.list,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(k.list);
	}
	return k.failed > 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "all-failed", no_argument, NULL, 'a' },
		{ "code", required_argument, NULL, 'C' },
		{ "admin", no_argument, NULL, 'A' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "web-user", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c;
	const char *conf_path = NULL, *older_than = NULL, *cmd;
	const char *web_user = NULL, *code = NULL;
	unsigned long limit = 20;
	char *cause = NULL, *end;
	int ch, all_failed = 0, admin = 0, rc;

	memset(&c, 0, sizeof c);
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'j': c.json = 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	/* Options may also follow the command: "failed --limit 5". */
	optind++;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': c.json = 1; break;
		case 'l':
			errno = 0;
			limit = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || limit == 0 ||
			    limit > CTL_MAX_LIST) {
				fprintf(stderr, "thumbqctl: --limit takes 1 to "
				    "%d\n", CTL_MAX_LIST);
				return EXIT_USAGE;
			}
			break;
		case 'a': all_failed = 1; break;
		case 'C': code = optarg; break;
		case 'A': admin = 1; break;
		case 'o': older_than = optarg; break;
		case 'w': web_user = optarg; break;
		default: usage();
		}
	}
	if (conf_path == NULL)
		conf_path = conf_default_path();
	if (conf_load(&c.conf, conf_path, &cause) == -1) {
		fprintf(stderr, "thumbqctl: %s\n", cause);
		return 1;
	}
	log_set_level(log_level_parse(c.conf.log_level));
	c.store = store_new(&c.conf);

	if (strcmp(cmd, "stats") == 0 && optind == argc)
		rc = ctl_stats(&c);
	else if (strcmp(cmd, "health") == 0 && optind == argc)
		rc = ctl_health(&c);
	else if (strcmp(cmd, "job") == 0 && optind + 1 == argc)
		rc = ctl_job(&c, argv[optind]);
	else if (strcmp(cmd, "failed") == 0 && optind == argc)
		rc = ctl_failed(&c, limit, code);
	else if ((strcmp(cmd, "requeue") == 0 || strcmp(cmd, "retry") == 0) &&
	    !(all_failed && code != NULL) &&
	    (all_failed || code != NULL ? optind == argc : optind < argc))
		rc = ctl_requeue(&c, all_failed, code, argc - optind,
		    argv + optind);
	else if (strcmp(cmd, "delete") == 0 && optind < argc)
		rc = ctl_delete(&c, argc - optind, argv + optind);
	else if (strcmp(cmd, "purge") == 0 && optind == argc)
		rc = ctl_purge(&c, older_than);
	else if (strcmp(cmd, "key") == 0 && optind < argc)
		rc = ctl_key(&c, argc - optind, argv + optind, admin);
	else if (strcmp(cmd, "check") == 0 && optind == argc)
		rc = ctl_check(&c, web_user);
	else
		usage();
	store_free(c.store);
	conf_free(&c.conf);
	return rc;
}
