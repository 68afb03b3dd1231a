/* store.c: jobs and queues in Redis (see store.h for the keys).
 *
 * Every change that touches more than one key is a Lua script, so that it is
 * atomic: a job is created and queued in one step, claimed and leased in one
 * step (after BLMOVE), and finished, released or reaped in one step.  The
 * scripts take the time from Redis (TIME), so hosts with skewed clocks agree
 * on lease deadlines.
 *
 * Job hash fields: id url status opts attempts created updated claimed
 *   path width height (completed)  error_code error_message  lease (holder's
 *   wid)  file (its thumbnail's name, from the first claim)  dkey (its
 *   dedupe key)  source_job (answered from or following that job: for
 *   operators, never in the API)
 *   callback callback_status callback_attempts callback_last_status (its
 *   webhook)  callback_at callback_again (where its delivery is: lib.lua)
 * A thumbnail file is shared by every job answered from it: P refs:{path}
 * is the set of the jobs whose record names it, and the last job to leave
 * it (DELETE, purge, the expiry sweep) removes the file (see lib.lua).
 *
 * Replies are untrusted like any input: every element's type is checked and
 * every number parsed with bounds before it is used. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "decimal.h"
#include "log.h"
#include "secret.h"
#include "store.h"
#include "store-int.h"
#include "xmalloc.h"

/* A job hash has 15 fields; anything larger is not ours. */
#define STORE_MAX_FIELDS 64
/* Jobs handled per script call, so that one pass never blocks Redis long. */
#define STORE_BATCH "100"
/* The scripts live in src/lua/, one file each, with lib.lua in front. */
#include "store-scripts.h"

static const char *const store_scripts[SCRIPT_COUNT] = {
	[SCRIPT_CREATE] = lua_create,
	[SCRIPT_CLAIM] = lua_claim,
	[SCRIPT_FINISH] = lua_finish,
	[SCRIPT_RETRY] = lua_retry,
	[SCRIPT_RECOVER] = lua_recover,
	[SCRIPT_REAP] = lua_reap,
	[SCRIPT_PROMOTE] = lua_promote,
	[SCRIPT_HEARTBEAT] = lua_heartbeat,
	[SCRIPT_GOODBYE] = lua_goodbye,
	[SCRIPT_STATS] = lua_stats,
	[SCRIPT_REQUEUE_FAILED] = lua_requeue_failed,
	[SCRIPT_PURGE] = lua_purge,
	[SCRIPT_CANCEL] = lua_cancel,
	[SCRIPT_BATCH_CREATE] = lua_batch_create,
	[SCRIPT_BATCH_GET] = lua_batch_get,
	[SCRIPT_WEBHOOK_CLAIM] = lua_webhook_claim,
	[SCRIPT_WEBHOOK_DONE] = lua_webhook_done,
	[SCRIPT_COURIER_RECOVER] = lua_courier_recover,
	[SCRIPT_AUTH] = lua_auth,
	[SCRIPT_APIKEY] = lua_apikey,
	[SCRIPT_RENEW] = lua_renew,
	[SCRIPT_TREND] = lua_trend,
	[SCRIPT_HOSTS] = lua_hosts,
	[SCRIPT_ADMIN_LIST] = lua_admin_list,
};

struct store *
store_new(const struct thumbq_conf *conf)
{
	struct store *st = xcalloc(1, sizeof *st);

	st->conf = conf;
	return st;
}

static void
store_disconnect(struct store *st)
{
	if (st->c != NULL)
		redisFree(st->c);
	st->c = NULL;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	store_disconnect(st);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return st->err;
}

static struct timeval
store_tv(unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* Sends one command on a fresh connection and expects +OK; the connect
 * path's own, before the pipeline of store_command is in use. */
static int
store_expect_ok(struct store *st, const char *what, int argc, const char **argv,
    const size_t *argvlen)
{
	redisReply *r = redisCommandArgv(st->c, argc, argv, argvlen);
	int rc = -1;

	if (r == NULL)
		snprintf(st->err, sizeof st->err, "redis %s: %s", what,
		    st->c->errstr);
	else if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0)
		rc = 0;
	else
		snprintf(st->err, sizeof st->err, "redis %s refused: %.160s",
		    what, r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected reply");
	freeReplyObject(r);
	return rc;
}

/* AUTH with the password from redis_password_file (as redis_user if set),
 * then SELECT redis_db: what a Redis shared with other users needs.  The
 * file is read on each connection, so a changed password needs no
 * restart, and the password is wiped from memory once sent. */
static int
store_login(struct store *st)
{
	const struct thumbq_conf *conf = st->conf;
	char secret[SECRET_BUFSIZE], db[16], *cause = NULL;
	const char *argv[3];
	size_t argvlen[3];
	int n, argc = 0, rc;

	if (conf->redis_password_file[0] != '\0') {
		n = secret_read(conf->redis_password_file, secret, &cause);
		if (n == -1) {
			snprintf(st->err, sizeof st->err,
			    "redis_password_file: %s", cause);
			free(cause);
			return -1;
		}
		argv[argc] = "AUTH";
		argvlen[argc++] = 4;
		if (conf->redis_user[0] != '\0') {
			argv[argc] = conf->redis_user;
			argvlen[argc++] = strlen(conf->redis_user);
		}
		argv[argc] = secret;
		argvlen[argc++] = (size_t)n;
		rc = store_expect_ok(st, "AUTH", argc, argv, argvlen);
		secret_clear(secret, sizeof secret);
		if (rc == -1)
			return -1;
	}
	if (conf->redis_db != 0) {
		snprintf(db, sizeof db, "%u", conf->redis_db);
		argv[0] = "SELECT";
		argvlen[0] = 6;
		argv[1] = db;
		argvlen[1] = strlen(db);
		if (store_expect_ok(st, "SELECT", 2, argv, argvlen) == -1)
			return -1;
	}
	return 0;
}

/* Connects if not connected.  The address is "unix:/path" or "host:port". */
static int
store_connect(struct store *st)
{
	const char *addr = st->conf->redis;
	struct timeval tv = store_tv(st->conf->redis_timeout_ms);

	if (st->c != NULL)
		return 0;
	if (strncmp(addr, "unix:", 5) == 0) {
		st->c = redisConnectUnixWithTimeout(addr + 5, tv);
	} else {
		const char *colon = strrchr(addr, ':');
		char host[256];
		long port;
		char *end;

		if (colon == NULL || (size_t)(colon - addr) >= sizeof host) {
			snprintf(st->err, sizeof st->err, "redis = \"%s\": expected host:port", addr);
			return -1;
		}
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535) {
			snprintf(st->err, sizeof st->err, "redis = \"%s\": bad port", addr);
			return -1;
		}
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		st->c = redisConnectWithTimeout(host, (int)port, tv);
	}
	if (st->c == NULL || st->c->err) {
		snprintf(st->err, sizeof st->err, "cannot connect to redis at %s: %s", addr,
		    st->c ? st->c->errstr : "out of memory");
		store_disconnect(st);
		return -1;
	}
	redisSetTimeout(st->c, tv);
	if (store_login(st) == -1) {
		store_disconnect(st);
		return -1;
	}
	return 0;
}

/* Formats a command in the Redis protocol (RESP) into buf if it fits in
 * size bytes, else into a malloc'd buffer; returns it and sets *len.  What
 * hiredis' own formatting does, without its sdscatfmt, which cost about as
 * much as the rest of an API request's work in thumbq.fcgi. */
static char *
store_format(int argc, const char **argv, const size_t *argvlen, char *buf, size_t size,
    size_t *len)
{
	size_t need = 16;
	char *out, *p;

	for (int i = 0; i < argc; i++)
		need += 1 + 20 + 2 + argvlen[i] + 2;
	out = need <= size ? buf : xmalloc(need);
	p = out;
	*p++ = '*';
	p = decimal_put(p, (size_t)argc);
	*p++ = '\r';
	*p++ = '\n';
	for (int i = 0; i < argc; i++) {
		*p++ = '$';
		p = decimal_put(p, argvlen[i]);
		*p++ = '\r';
		*p++ = '\n';
		memcpy(p, argv[i], argvlen[i]);
		p += argvlen[i];
		*p++ = '\r';
		*p++ = '\n';
	}
	*len = (size_t)(p - out);
	return out;
}

/* Sends a formatted command and waits for its reply; NULL on a transport
 * error. */
static redisReply *
store_roundtrip(struct store *st, const char *cmd, size_t len)
{
	void *r = NULL;

	if (redisAppendFormattedCommand(st->c, cmd, len) != REDIS_OK ||
	    redisGetReply(st->c, &r) != REDIS_OK)
		return NULL;
	return r;
}

/* Runs a command; on a transport error drops the connection and returns
 * NULL.  Error replies are returned to the caller.  A connection that had
 * been idle may have died with a Redis restart: then the command is tried
 * once more on a fresh one, so that the first request after a restart does
 * not fail.  Every script is safe to run twice (a job created twice is one
 * job; the claim script drops ids that are not queued). */
redisReply *
store_command(struct store *st, int argc, const char **argv, const size_t *argvlen)
{
	int fresh = st->c == NULL;
	char buf[4096], *cmd;
	size_t len;
	redisReply *r = NULL;

	if (store_connect(st) == -1)
		return NULL;
	cmd = store_format(argc, argv, argvlen, buf, sizeof buf, &len);
	r = store_roundtrip(st, cmd, len);
	if (r == NULL && !fresh) {
		store_disconnect(st);
		if (store_connect(st) == -1)
			goto out;
		r = store_roundtrip(st, cmd, len);
	}
	if (r == NULL) {
		snprintf(st->err, sizeof st->err, "redis: %s", st->c->errstr);
		store_disconnect(st);
	}
out:
	if (cmd != buf)
		free(cmd);
	return r;
}

static int
store_reply_is_noscript(const redisReply *r)
{
	return r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

/* EVALSHA, loading the script on NOSCRIPT (first use, or Redis restarted
 * without its script cache).  argv[0..2] are filled here. */
static redisReply *
store_eval(struct store *st, enum store_script which, int argc, const char **argv,
    size_t *argvlen)
{
	redisReply *r;

	argv[0] = "EVALSHA";
	argv[1] = st->sha[which];
	if (st->sha[which][0] != '\0') {
		argvlen[0] = 7;
		argvlen[1] = 40;
		r = store_command(st, argc, argv, argvlen);
		if (r == NULL || !store_reply_is_noscript(r))
			return r;
		freeReplyObject(r);
	}
	const char *load[3] = { "SCRIPT", "LOAD", store_scripts[which] };
	size_t loadlen[3] = { 6, 4, strlen(store_scripts[which]) };

	r = store_command(st, 3, load, loadlen);
	if (r == NULL)
		return NULL;
	if (r->type != REDIS_REPLY_STRING || r->len != 40) {
		snprintf(st->err, sizeof st->err, "redis: SCRIPT LOAD failed: %s",
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		freeReplyObject(r);
		return NULL;
	}
	memcpy(st->sha[which], r->str, 40);
	st->sha[which][40] = '\0';
	freeReplyObject(r);
	argvlen[0] = 7;
	argvlen[1] = 40;
	return store_command(st, argc, argv, argvlen);
}

/* Checks a script's or command's reply for an error reply, which means a bug
 * or a Redis that is not ours (OOM, READONLY replica, ...). */
int
store_reply_ok(struct store *st, redisReply *r)
{
	if (r == NULL)
		return 0;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(st->err, sizeof st->err, "redis: %.200s", r->str);
		return 0;
	}
	return 1;
}

/* Runs a blocking command (BLPOP, BLMOVE) that waits up to timeout_s in
 * Redis: the socket timeout is stretched to outlast the server-side block,
 * then put back.  Returns the reply, or NULL with st->err set. */
static redisReply *
store_blocking(struct store *st, int argc, const char **argv, unsigned timeout_s)
{
	size_t argvlen[8];
	redisReply *r;

	for (int i = 0; i < argc && i < 8; i++)
		argvlen[i] = strlen(argv[i]);
	if (store_connect(st) == -1)
		return NULL;
	redisSetTimeout(st->c, store_tv(st->conf->redis_timeout_ms + timeout_s * 1000));
	r = store_command(st, argc, argv, argvlen);
	if (st->c != NULL)
		redisSetTimeout(st->c, store_tv(st->conf->redis_timeout_ms));
	if (r != NULL && !store_reply_ok(st, r)) {
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

void
store_key(char *out, size_t size, const struct store *st, const char *kind, const char *name)
{
	if (strcmp(kind, "job") == 0)
		snprintf(out, size, "%sjob:{%s}", st->conf->redis_prefix, name);
	else if (name != NULL)
		snprintf(out, size, "%s%s:%s", st->conf->redis_prefix, kind, name);
	else
		snprintf(out, size, "%s%s", st->conf->redis_prefix, kind);
}

/* Runs script which with ARGV = prefix, then args; no KEYS (see lib.lua).
 * Returns the reply (the caller frees it), or NULL with st->err set on a
 * transport or error reply. */
redisReply *
store_script(struct store *st, enum store_script which, int nargs, const char **args)
{
	const char *argv[STORE_MAX_ARGS + 4];
	size_t argvlen[STORE_MAX_ARGS + 4];
	redisReply *r;

	if (nargs > STORE_MAX_ARGS)
		abort();	/* a programming error, not an input */
	argv[2] = "0";
	argv[3] = st->conf->redis_prefix;
	for (int i = 0; i < nargs; i++)
		argv[4 + i] = args[i];
	for (int i = 2; i < nargs + 4; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, which, nargs + 4, argv, argvlen);
	if (r != NULL && !store_reply_ok(st, r)) {
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

/* Runs a script that answers with an integer; returns it, or -1. */
long long
store_script_int(struct store *st, enum store_script which, int nargs, const char **args)
{
	redisReply *r = store_script(st, which, nargs, args);
	long long n = -1;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else
		snprintf(st->err, sizeof st->err, "redis: unexpected reply to a script");
	freeReplyObject(r);
	return n;
}

/* Parses a bounded unsigned decimal from a reply field. */
int
store_parse_ull(const char *s, size_t len, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (unsigned long long)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Fills job from an HGETALL-style flat array of field/value strings.  Unknown
 * fields are ignored (a newer version may add some); malformed ones fail. */
int
store_parse_job(struct store *st, const redisReply *r, struct job *job)
{
	unsigned long long n;
	int have_id = 0, have_status = 0;

	memset(job, 0, sizeof *job);
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0 ||
	    r->elements > STORE_MAX_FIELDS * 2)
		goto bad;
	for (size_t i = 0; i < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			goto bad;
		if (strcmp(f->str, "id") == 0) {
			if (v->len != ID_LEN)
				goto bad;
			memcpy(job->id, v->str, ID_LEN + 1);
			have_id = 1;
		} else if (strcmp(f->str, "url") == 0) {
			free(job->url);
			job->url = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "status") == 0) {
			if (job_status_parse(v->str, &job->status) == -1)
				goto bad;
			have_status = 1;
		} else if (strcmp(f->str, "path") == 0) {
			free(job->path);
			job->path = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "opts") == 0) {
			if (job_opts_parse(v->str, &job->opts) == -1)
				goto bad;
		} else if (strcmp(f->str, "prio") == 0) {
			if (job_priority_parse(v->str, &job->priority) == -1)
				goto bad;
		} else if (strcmp(f->str, "owner") == 0) {
			free(job->owner);
			job->owner = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "callback") == 0) {
			free(job->callback_url);
			job->callback_url = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "callback_status") == 0) {
			free(job->callback_status);
			job->callback_status = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "file") == 0) {
			/* It becomes a path in the docroot: anything but an id's
			 * shape is ignored (the write then refuses the job). */
			if (v->len == ID_LEN && id_valid(v->str))
				memcpy(job->file, v->str, ID_LEN + 1);
			else
				log_warn("event=bad_record job=%.36s field=file", job->id);
		} else if (strcmp(f->str, "source_job") == 0) {
			free(job->source_job);
			job->source_job = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "error_code") == 0) {
			free(job->error_code);
			job->error_code = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "error_message") == 0) {
			free(job->error_message);
			job->error_message = xstrndup(v->str, v->len);
		} else {
			static const struct { const char *name; size_t off; int ll; } nums[] = {
				{ "attempts", offsetof(struct job, attempts), 0 },
				{ "callback_attempts", offsetof(struct job, callback_attempts), 0 },
				{ "width", offsetof(struct job, width), 0 },
				{ "height", offsetof(struct job, height), 0 },
				{ "created", offsetof(struct job, created_ms), 1 },
				{ "updated", offsetof(struct job, updated_ms), 1 },
			};
			for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
				if (strcmp(f->str, nums[k].name) != 0)
					continue;
				if (store_parse_ull(v->str, v->len,
				    nums[k].ll ? (unsigned long long)1 << 62 : 0xffffffffULL, &n) == -1)
					goto bad;
				if (nums[k].ll)
					*(long long *)(void *)((char *)job + nums[k].off) = (long long)n;
				else
					*(unsigned *)(void *)((char *)job + nums[k].off) = (unsigned)n;
			}
		}
	}
	if (!have_id || !have_status || job->url == NULL)
		goto bad;
	return 0;
bad:
	snprintf(st->err, sizeof st->err, "redis: malformed job record");
	job_free(job);
	return -1;
}

/* The create script's short answer for a job it has just queued:
 * {created_ms}.  Everything else in the record is what the caller asked
 * for (see create.lua), so job gets only this.  Returns 0, or -1 if r is
 * not that answer (then it is a whole record). */
static int
store_parse_created(const redisReply *r, struct job *job)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[0]->integer <= 0 || r->element[0]->integer > (long long)1 << 62)
		return -1;
	job->status = JOB_QUEUED;
	job->attempts = 0;
	job->created_ms = job->updated_ms = r->element[0]->integer;
	return 0;
}

enum store_result
store_job_create(struct store *st, struct job *job, unsigned ttl, unsigned dedupe_ttl)
{
	char opts[JOB_OPTS_MAX], sttl[16], sdttl[16];
	const char *args[8] = { job->id, job->url, opts, sttl, sdttl,
	    job_priority_name(job->priority), job->callback_url ? job->callback_url : "",
	    job->owner ? job->owner : "" };
	struct job made;
	redisReply *r;
	int rc;

	job_opts_format(&job->opts, opts);
	/* The record outlives the expiry sweep's deadline by a day, so that
	 * the sweep still finds the thumbnail's path in it. */
	snprintf(sttl, sizeof sttl, "%u", ttl ? ttl + 86400 : 0);
	snprintf(sdttl, sizeof sdttl, "%u", dedupe_ttl);
	r = store_script(st, SCRIPT_CREATE, 8, args);
	if (r == NULL)
		return STORE_ERROR;
	if (store_parse_created(r, job) == 0) {
		freeReplyObject(r);
		return STORE_OK;
	}
	/* A dedupe answer may already be completed, a retried call finds the
	 * job as it is by now: hand back the record. */
	rc = store_parse_job(st, r, &made);
	freeReplyObject(r);
	if (rc == -1)
		return STORE_ERROR;
	job_free(job);
	*job = made;
	return STORE_OK;
}

enum store_result
store_job_get(struct store *st, const char *id, struct job *job)
{
	char kjob[256];
	const char *argv[2] = { "HGETALL", kjob };
	size_t argvlen[2];
	redisReply *r;
	enum store_result rc = STORE_ERROR;

	store_key(kjob, sizeof kjob, st, "job", id);
	argvlen[0] = 7;
	argvlen[1] = strlen(kjob);
	r = store_command(st, 2, argv, argvlen);
	if (!store_reply_ok(st, r))
		goto out;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 0)
		rc = STORE_NOTFOUND;
	else if (store_parse_job(st, r, job) == 0)
		rc = STORE_OK;
out:
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

enum store_result
store_claim(struct store *st, const char *wid, unsigned lease_ms, struct job *job)
{
	char slease[16], file[ID_LEN + 1];
	const char *args[3] = { wid, slease, file };
	enum store_result rc = STORE_ERROR;
	redisReply *r;

	/* The name of the thumbnail file, if this is the job's first claim:
	 * random, so that it tells nothing of the job (see storage.h). */
	if (id_generate(file) == -1) {
		snprintf(st->err, sizeof st->err, "getrandom: %s", strerror(errno));
		return STORE_ERROR;
	}
	snprintf(slease, sizeof slease, "%u", lease_ms);
	r = store_script(st, SCRIPT_CLAIM, 3, args);
	if (r == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL)
		rc = STORE_NOTFOUND;
	else if (store_parse_job(st, r, job) == 0)
		rc = STORE_OK;
	freeReplyObject(r);
	return rc;
}

/* Blocks until a token is pushed on the wake list named kind[:name] or
 * timeout_s passes, taking the token: 1 woken, 0 timed out, -1 error. */
static int
store_block_on(struct store *st, const char *kind, const char *name, unsigned timeout_s)
{
	char kwake[256], stimeout[16];
	const char *argv[3] = { "BLPOP", kwake, stimeout };
	redisReply *r;
	int woken;

	store_key(kwake, sizeof kwake, st, kind, name);
	snprintf(stimeout, sizeof stimeout, "%u", timeout_s);
	r = store_blocking(st, 3, argv, timeout_s);
	if (r == NULL)
		return -1;
	woken = r->type != REDIS_REPLY_NIL;
	freeReplyObject(r);
	return woken;
}

int
store_wait(struct store *st, unsigned timeout_s)
{
	return store_block_on(st, "wake", NULL, timeout_s);
}

void
store_rewake(struct store *st)
{
	char kwake[256];
	const char *argv[3] = { "LPUSH", kwake, "1" };
	size_t argvlen[3];
	redisReply *r;

	store_key(kwake, sizeof kwake, st, "wake", NULL);
	for (int i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_command(st, 3, argv, argvlen);
	if (r != NULL)
		freeReplyObject(r);
}

/* The verdict of a finish or retry script: 1 done, 0 lease lost. */
static enum store_result
store_verdict(long long n)
{
	return n == 1 ? STORE_OK : n == 0 ? STORE_STALE : STORE_ERROR;
}

enum store_result
store_complete(struct store *st, const char *wid, const struct job *job)
{
	char w[16], h[16], bytes[24];
	const char *args[11] = { job->id, wid, "completed", bytes, "",
	    "path", job->path, "width", w, "height", h };

	snprintf(w, sizeof w, "%u", job->width);
	snprintf(h, sizeof h, "%u", job->height);
	snprintf(bytes, sizeof bytes, "%zu", job->fetched_bytes);
	return store_verdict(store_script_int(st, SCRIPT_FINISH, 11, args));
}

enum store_result
store_fail(struct store *st, const char *wid, const struct job *job)
{
	char bytes[24];
	const char *code = job->error_code ? job->error_code : "unknown";
	const char *args[9] = { job->id, wid, "failed", bytes, code,
	    "error_code", code, "error_message", job->error_message ? job->error_message : "" };

	snprintf(bytes, sizeof bytes, "%zu", job->fetched_bytes);
	return store_verdict(store_script_int(st, SCRIPT_FINISH, 9, args));
}

enum store_result
store_retry(struct store *st, const char *wid, const struct job *job, unsigned delay_ms)
{
	char delay[16], bytes[24];
	const char *args[6] = { job->id, wid, delay, job->error_code ? job->error_code : "unknown",
	    job->error_message ? job->error_message : "", bytes };

	snprintf(delay, sizeof delay, "%u", delay_ms);
	snprintf(bytes, sizeof bytes, "%zu", job->fetched_bytes);
	return store_verdict(store_script_int(st, SCRIPT_RETRY, 6, args));
}

enum store_result
store_renew_lease(struct store *st, const char *id, const char *wid,
    unsigned attempts, unsigned lease_ms)
{
	char sattempts[16], slease[16];
	const char *args[4] = { id, wid, sattempts, slease };

	snprintf(sattempts, sizeof sattempts, "%u", attempts);
	snprintf(slease, sizeof slease, "%u", lease_ms);
	return store_verdict(store_script_int(st, SCRIPT_RENEW, 4, args));
}

long
store_recover_worker(struct store *st, const char *wid, const char *culprit)
{
	char max[16];
	const char *args[3] = { wid, max, culprit != NULL ? culprit : "" };

	snprintf(max, sizeof max, "%u", st->conf->max_attempts);
	return (long)store_script_int(st, SCRIPT_RECOVER, 3, args);
}

long
store_reap_leases(struct store *st)
{
	char max[16];
	const char *args[2] = { max, STORE_BATCH };

	snprintf(max, sizeof max, "%u", st->conf->max_attempts);
	return (long)store_script_int(st, SCRIPT_REAP, 2, args);
}

long
store_promote_retries(struct store *st)
{
	const char *args[1] = { STORE_BATCH };

	return (long)store_script_int(st, SCRIPT_PROMOTE, 1, args);
}

long
store_heartbeat(struct store *st, const char *master_id, const char *const *wids,
    const char *const *busy, size_t nwids)
{
	char stale[16], max[16];
	const char *args[STORE_MAX_ARGS];
	int n = 0;

	snprintf(stale, sizeof stale, "%u", STORE_MASTER_STALE_MS);
	snprintf(max, sizeof max, "%u", st->conf->max_attempts);
	args[n++] = master_id;
	args[n++] = stale;
	args[n++] = max;
	for (size_t i = 0; i < nwids && n + 1 < STORE_MAX_ARGS; i++) {
		args[n++] = wids[i];
		args[n++] = busy != NULL && busy[i] != NULL ? busy[i] : "";
	}
	return (long)store_script_int(st, SCRIPT_HEARTBEAT, n, args);
}

void
store_goodbye(struct store *st, const char *master_id)
{
	const char *args[1] = { master_id };

	store_script_int(st, SCRIPT_GOODBYE, 1, args);
}

/* Reads an integer reply element, or -1. */
long long
store_elem_int(const redisReply *e)
{
	return e->type == REDIS_REPLY_INTEGER ? e->integer : -1;
}

enum store_result
store_stats(struct store *st, struct store_stats *out)
{
	char live[16];
	const char *args[1] = { live };
	redisReply *r;
	enum store_result rc = STORE_ERROR;

	memset(out, 0, sizeof *out);
	snprintf(live, sizeof live, "%u", STORE_MASTER_STALE_MS);
	r = store_script(st, SCRIPT_STATS, 1, args);
	if (r == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 8 || (r->elements - 8) % 2 != 0 ||
	    r->elements > 8 + 2 * STORE_MAX_COUNTERS) {
		snprintf(st->err, sizeof st->err, "redis: malformed stats reply");
		goto out;
	}
	out->pending = store_elem_int(r->element[0]);
	out->leased = store_elem_int(r->element[1]);
	out->delayed = store_elem_int(r->element[2]);
	out->masters = store_elem_int(r->element[3]);
	out->workers = store_elem_int(r->element[4]);
	for (int i = 0; i < 3; i++)
		out->pending_by_priority[i] = store_elem_int(r->element[5 + i]);
	for (size_t i = 8; i < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];
		unsigned long long n;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
		    f->len >= sizeof out->counters[0].name ||
		    store_parse_ull(v->str, v->len, (1ULL << 62), &n) == -1)
			continue;	/* not ours, or not a counter: skip, don't fail */
		memcpy(out->counters[out->ncounters].name, f->str, f->len + 1);
		out->counters[out->ncounters].value = n;
		out->ncounters++;
	}
	rc = STORE_OK;
out:
	freeReplyObject(r);
	return rc;
}

enum store_result
store_requeue_failed(struct store *st, const char *id)
{
	const char *args[1] = { id };
	long long n = store_script_int(st, SCRIPT_REQUEUE_FAILED, 1, args);

	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERROR;
}

long
store_purge(struct store *st, long long cutoff_ms, long max, store_purge_cb *cb, void *arg)
{
	char cutoff[24];
	const char *args[2] = { cutoff, STORE_BATCH };
	long total = 0;

	snprintf(cutoff, sizeof cutoff, "%lld", cutoff_ms);
	while (total < max) {
		redisReply *r = store_script(st, SCRIPT_PURGE, 2, args);

		if (r == NULL)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
			snprintf(st->err, sizeof st->err, "redis: malformed purge reply");
			freeReplyObject(r);
			return -1;
		}
		for (size_t i = 0; i < r->elements; i += 2) {
			const redisReply *id = r->element[i], *path = r->element[i + 1];

			if (id->type == REDIS_REPLY_STRING && path->type == REDIS_REPLY_STRING)
				cb(id->str, path->str, arg);
		}
		total += (long)(r->elements / 2);
		if (r->elements == 0) {
			freeReplyObject(r);
			return total;
		}
		freeReplyObject(r);
	}
	return total;
}

long
store_list_failed(struct store *st, unsigned limit, store_id_cb *cb, void *arg)
{
	char kfailed[256], stop[16];
	const char *argv[4] = { "ZREVRANGE", kfailed, "0", stop };
	size_t argvlen[4];
	redisReply *r;
	long n = 0;

	if (limit == 0)
		return 0;
	store_key(kfailed, sizeof kfailed, st, "failed", NULL);
	snprintf(stop, sizeof stop, "%u", limit - 1);
	for (int i = 0; i < 4; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_command(st, 4, argv, argvlen);
	if (!store_reply_ok(st, r)) {
		if (r != NULL)
			freeReplyObject(r);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < r->elements; i++) {
			const redisReply *e = r->element[i];

			if (e->type == REDIS_REPLY_STRING && e->len == ID_LEN) {
				cb(e->str, arg);
				n++;
			}
		}
	}
	freeReplyObject(r);
	return n;
}

enum store_result
store_job_delete(struct store *st, const char *id, const char *owner,
    char path[STORE_PATH_MAX])
{
	const char *args[2] = { id, owner ? owner : "" };
	redisReply *r = store_script(st, SCRIPT_CANCEL, 2, args);
	enum store_result rc = STORE_ERROR;

	path[0] = '\0';
	if (r == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
	} else if (r->type == REDIS_REPLY_STRING && r->len < STORE_PATH_MAX) {
		memcpy(path, r->str, r->len + 1);
		rc = STORE_OK;
	} else {
		snprintf(st->err, sizeof st->err, "redis: unexpected reply to cancel");
	}
	freeReplyObject(r);
	return rc;
}

int
store_path_in_use(struct store *st, const char *path)
{
	char krefs[256];
	const char *argv[2] = { "EXISTS", krefs };
	size_t argvlen[2];
	redisReply *r;
	int n = -1;

	store_key(krefs, sizeof krefs, st, "refs", path);
	argvlen[0] = 6;
	argvlen[1] = strlen(krefs);
	r = store_command(st, 2, argv, argvlen);
	if (!store_reply_ok(st, r))
		goto out;
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer != 0;
	else
		snprintf(st->err, sizeof st->err, "redis: unexpected reply to EXISTS");
out:
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

enum store_result
store_batch_create(struct store *st, const char *batch_id, const struct job_batch_request *req,
    char (*ids)[ID_LEN + 1], unsigned ttl, unsigned dedupe_ttl, const char *owner)
{
	char opts[JOB_OPTS_MAX], sttl[16], sdttl[16];
	const char *args[STORE_MAX_ARGS];
	redisReply *r;
	int n = 0;

	if (req->nurls > STORE_MAX_BATCH)
		return STORE_ERROR;
	job_opts_format(&req->opts, opts);
	snprintf(sttl, sizeof sttl, "%u", ttl ? ttl + 86400 : 0);
	snprintf(sdttl, sizeof sdttl, "%u", dedupe_ttl);
	args[n++] = batch_id;
	args[n++] = opts;
	args[n++] = sttl;
	args[n++] = sdttl;
	args[n++] = job_priority_name(req->priority);
	args[n++] = req->callback_url ? req->callback_url : "";
	args[n++] = owner ? owner : "";
	for (size_t i = 0; i < req->nurls; i++) {
		args[n++] = ids[i];
		args[n++] = req->urls[i];
	}
	r = store_script(st, SCRIPT_BATCH_CREATE, n, args);
	if (r == NULL)
		return STORE_ERROR;
	freeReplyObject(r);
	return STORE_OK;
}

enum store_result
store_batch_get(struct store *st, const char *batch_id, const char *owner,
    long long *created_ms, store_job_cb *cb, void *arg)
{
	const char *args[2] = { batch_id, owner ? owner : "" };
	redisReply *r = store_script(st, SCRIPT_BATCH_GET, 2, args);
	enum store_result rc = STORE_ERROR;
	unsigned long long created;

	if (r == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
		goto out;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || r->elements > STORE_MAX_BATCH + 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    store_parse_ull(r->element[0]->str, r->element[0]->len, 1ULL << 62, &created) == -1) {
		snprintf(st->err, sizeof st->err, "redis: malformed batch record");
		goto out;
	}
	*created_ms = (long long)created;
	for (size_t i = 1; i < r->elements; i++) {
		struct job job;

		if (r->element[i]->type == REDIS_REPLY_ARRAY && r->element[i]->elements == 0) {
			cb(NULL, arg);	/* expired or deleted */
		} else if (store_parse_job(st, r->element[i], &job) == 0) {
			cb(&job, arg);
			job_free(&job);
		} else {
			goto out;
		}
	}
	rc = STORE_OK;
out:
	freeReplyObject(r);
	return rc;
}

/* One delivery of a claim reply: {owner, host, job fields}.  The owner is
 * a SHA1 in hex, the host at most 255 bytes (lib.lua makes longer ones a
 * SHA1): anything else is not ours. */
static int
store_parse_delivery(struct store *st, const redisReply *e, struct job *job, char *owner,
    char *host)
{
	const redisReply *o, *h;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3)
		return -1;
	o = e->element[0];
	h = e->element[1];
	if (o->type != REDIS_REPLY_STRING || o->len != STORE_OWNER_LEN ||
	    h->type != REDIS_REPLY_STRING || h->len >= STORE_HOST_MAX ||
	    memchr(h->str, '\0', h->len) != NULL)
		return -1;
	if (store_parse_job(st, e->element[2], job) == -1)
		return -1;
	memcpy(owner, o->str, STORE_OWNER_LEN + 1);
	memcpy(host, h->str, h->len + 1);
	return 0;
}

long
store_webhook_claim(struct store *st, const char *courier_id,
    const struct store_webhook_take *t, store_webhook_cb *cb, void *arg)
{
	size_t nargs = 7 + 2 * (t->nhosts + t->nowners), n = 0;
	const char **args = xcalloc(nargs, sizeof *args);
	char (*nums)[16] = xcalloc(4 + t->nhosts + t->nowners, sizeof *nums);
	char owner[STORE_OWNER_LEN + 1], host[STORE_HOST_MAX];
	redisReply *r = NULL;
	long taken = -1;

	if (nargs > STORE_MAX_ARGS) {
		snprintf(st->err, sizeof st->err, "webhook claim: %zu hosts and owners, too many",
		    t->nhosts + t->nowners);
		goto out;
	}
	snprintf(nums[0], sizeof nums[0], "%u", t->max);
	snprintf(nums[1], sizeof nums[1], "%u", t->owner_max);
	snprintf(nums[2], sizeof nums[2], "%u", t->host_max);
	snprintf(nums[3], sizeof nums[3], "%zu", t->nhosts);
	args[n++] = courier_id;
	args[n++] = t->family;
	for (size_t i = 0; i < 4; i++)
		args[n++] = nums[i];
	for (size_t i = 0; i < t->nhosts; i++) {
		snprintf(nums[4 + i], sizeof nums[0], "%u", t->host_n[i]);
		args[n++] = t->hosts[i];
		args[n++] = nums[4 + i];
	}
	for (size_t i = 0; i < t->nowners; i++) {
		snprintf(nums[4 + t->nhosts + i], sizeof nums[0], "%u", t->owner_n[i]);
		args[n++] = t->owners[i];
		args[n++] = nums[4 + t->nhosts + i];
	}
	if ((r = store_script(st, SCRIPT_WEBHOOK_CLAIM, (int)n, args)) == NULL)
		goto out;
	if (r->type != REDIS_REPLY_ARRAY || r->elements > t->max) {
		snprintf(st->err, sizeof st->err, "redis: malformed webhook claim reply");
		goto out;
	}
	for (taken = 0; (size_t)taken < r->elements; taken++) {
		struct job job;

		if (store_parse_delivery(st, r->element[taken], &job, owner, host) == -1) {
			snprintf(st->err, sizeof st->err, "redis: malformed delivery in a claim");
			taken = -1;	/* the rest stay in our list: recovered */
			goto out;
		}
		cb(&job, owner, host, arg);
	}
out:
	if (r != NULL)
		freeReplyObject(r);
	free(nums);
	free(args);
	return taken;
}

int
store_webhook_wait(struct store *st, unsigned timeout_s)
{
	return store_block_on(st, "webhooks", "wake", timeout_s);
}

long
store_webhook_done(struct store *st, const char *courier_id, const char *id, int delivered,
    unsigned delay_ms, unsigned max_attempts, long http_status)
{
	char delay[16], max[16], status[16];
	const char *args[6] = { courier_id, id, delivered ? "1" : "0", delay, max, status };

	snprintf(delay, sizeof delay, "%u", delay_ms);
	snprintf(max, sizeof max, "%u", max_attempts);
	snprintf(status, sizeof status, "%ld", http_status);
	return (long)store_script_int(st, SCRIPT_WEBHOOK_DONE, 6, args);
}

long
store_courier_recover(struct store *st, const char *courier_id)
{
	const char *args[1] = { courier_id };

	return (long)store_script_int(st, SCRIPT_COURIER_RECOVER, 1, args);
}

/* Fills out from the auth script's answer (see auth.lua). */
static enum store_result
store_auth_reply(struct store *st, redisReply *r, struct store_auth_result *out)
{
	enum store_result rc = STORE_ERROR;

	if (r == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 7 ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[1]->len >= sizeof out->key_id) {
		snprintf(st->err, sizeof st->err, "redis: malformed auth reply");
		goto out;
	}
	out->known = store_elem_int(r->element[0]) == 1;
	memcpy(out->key_id, r->element[1]->str, r->element[1]->len + 1);
	out->allowed = store_elem_int(r->element[2]) == 1;
	out->remaining = store_elem_int(r->element[3]);
	out->retry_after_ms = store_elem_int(r->element[4]);
	out->reset_s = store_elem_int(r->element[5]);
	out->admin = store_elem_int(r->element[6]) == 1;
	rc = STORE_OK;
out:
	freeReplyObject(r);
	return rc;
}

enum store_result
store_auth(struct store *st, const char *key_hash, const char *client, unsigned rate,
    unsigned burst, struct store_auth_result *out)
{
	char srate[16], sburst[16];
	const char *args[6] = { key_hash ? key_hash : "", client, srate, sburst, "1", "0" };

	memset(out, 0, sizeof *out);
	snprintf(srate, sizeof srate, "%u", rate);
	snprintf(sburst, sizeof sburst, "%u", burst);
	return store_auth_reply(st, store_script(st, SCRIPT_AUTH, 6, args), out);
}

enum store_result
store_ratelimit_charge(struct store *st, const char *subject, unsigned rate, unsigned burst,
    unsigned cost, unsigned paid, struct store_auth_result *out)
{
	char srate[16], sburst[16], scost[16], spaid[16];
	const char *args[6] = { "", subject, srate, sburst, scost, spaid };

	memset(out, 0, sizeof *out);
	snprintf(srate, sizeof srate, "%u", rate);
	snprintf(sburst, sizeof sburst, "%u", burst);
	snprintf(scost, sizeof scost, "%u", cost);
	snprintf(spaid, sizeof spaid, "%u", paid);
	return store_auth_reply(st, store_script(st, SCRIPT_AUTH, 6, args), out);
}

enum store_result
store_apikey_create(struct store *st, const char *key_hash, const char *name, const char *id,
    const char *secret, int admin)
{
	const char *args[6] = { "create", key_hash, name, id, secret, admin ? "1" : "0" };
	long long n = store_script_int(st, SCRIPT_APIKEY, 6, args);

	if (n == 2)
		snprintf(st->err, sizeof st->err, "key id %s was given out before: try again", id);
	return n == 1 ? STORE_OK : n == 0 ? STORE_STALE : STORE_ERROR;
}

enum store_result
store_apikey_revoke(struct store *st, const char *name)
{
	const char *args[2] = { "revoke", name };
	long long n = store_script_int(st, SCRIPT_APIKEY, 2, args);

	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERROR;
}

/* A time in ms from a list reply element; 0 if absent or malformed. */
long long
store_elem_ms(const redisReply *e)
{
	unsigned long long v = 0;

	if (e->type == REDIS_REPLY_STRING)
		store_parse_ull(e->str, e->len, 1ULL << 62, &v);
	return (long long)v;
}

long
store_apikey_list(struct store *st, store_apikey_cb *cb, void *arg)
{
	const char *args[1] = { "list" };
	redisReply *r = store_script(st, SCRIPT_APIKEY, 1, args);
	long n = 0;

	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 5 != 0) {
		snprintf(st->err, sizeof st->err, "redis: malformed key list");
		freeReplyObject(r);
		return -1;
	}
	for (size_t i = 0; i < r->elements; i += 5) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		cb(r->element[i]->str, r->element[i + 1]->str, store_elem_ms(r->element[i + 2]),
		    store_elem_ms(r->element[i + 3]), r->element[i + 4]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i + 4]->str, "1") == 0, arg);
		n++;
	}
	freeReplyObject(r);
	return n;
}

enum store_result
store_apikey_secret(struct store *st, const char *id, char *out, size_t size)
{
	char kid[256];
	const char *argv[3] = { "HGET", kid, "secret" };
	size_t argvlen[3];
	redisReply *r;
	enum store_result rc = STORE_ERROR;

	out[0] = '\0';
	store_key(kid, sizeof kid, st, "apikey_id", id);
	for (int i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_command(st, 3, argv, argvlen);
	if (!store_reply_ok(st, r))
		goto out;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
	} else if (r->type == REDIS_REPLY_STRING && r->len > 0 && r->len < size &&
	    strlen(r->str) == r->len) {
		memcpy(out, r->str, r->len + 1);
		rc = STORE_OK;
	} else {
		snprintf(st->err, sizeof st->err, "redis: malformed webhook secret of key %.64s", id);
	}
out:
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}
