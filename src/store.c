/* store.c: jobs and queues in Redis (see store.h for the keys).
 *
 * Every change that touches more than one key is a Lua script, so that it is
 * atomic: a job is created and queued in one step, claimed and leased in one
 * step (after BLMOVE), and finished, released or reaped in one step.  The
 * scripts take the time from Redis (TIME), so hosts with skewed clocks agree
 * on lease deadlines.
 *
 * Job hash fields: id url status bw bh attempts created updated
 *   path width height (completed)  error_code error_message  lease (holder's wid)
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

#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* A job hash has 15 fields; anything larger is not ours. */
#define STORE_MAX_FIELDS 64
/* Jobs reaped per call, so that one reaper pass never blocks Redis long. */
#define STORE_REAP_BATCH "100"

struct store {
	const struct thumbq_conf *conf;
	redisContext *c;
	char err[256];
};

enum store_script {
	SCRIPT_CREATE,
	SCRIPT_LEASE,
	SCRIPT_FINISH,
	SCRIPT_RECOVER,
	SCRIPT_REAP,
	SCRIPT_RETRY,
	SCRIPT_PROMOTE,
	SCRIPT_COUNT
};

/* Puts a job back at the head of pending, or fails it for good when it has
 * used up its attempts (a job that crashes every worker that takes it must
 * not crash them forever).  Shared by the recover and reap scripts. */
#define LUA_REQUEUE \
	"local function requeue(job, id, pending, max, now, why)\n" \
	"  local attempts = tonumber(redis.call('HGET', job, 'attempts') or '0')\n" \
	"  redis.call('HDEL', job, 'lease')\n" \
	"  if attempts >= max then\n" \
	"    redis.call('HSET', job, 'status', 'failed', 'updated', now,\n" \
	"      'error_code', why, 'error_message',\n" \
	"      'gave up after ' .. attempts .. ' attempts: ' .. why)\n" \
	"    return 0\n" \
	"  end\n" \
	"  redis.call('HSET', job, 'status', 'queued', 'updated', now)\n" \
	"  redis.call('RPUSH', pending, id)\n" \
	"  return 1\n" \
	"end\n"

#define LUA_NOW \
	"local t = redis.call('TIME')\n" \
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

static const char *const store_scripts[SCRIPT_COUNT] = {
	/* KEYS: job, pending.  ARGV: id url bw bh ttl.  Creates and queues. */
	[SCRIPT_CREATE] = LUA_NOW
	"redis.call('HSET', KEYS[1], 'id', ARGV[1], 'url', ARGV[2], 'status', 'queued',\n"
	"  'bw', ARGV[3], 'bh', ARGV[4], 'attempts', 0, 'created', now, 'updated', now)\n"
	"if tonumber(ARGV[5]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end\n"
	"redis.call('LPUSH', KEYS[2], ARGV[1])\n"
	"return now\n",

	/* KEYS: job, leases, claim.  ARGV: id wid lease_ms.  Runs right after
	 * BLMOVE moved id into claim: leases the job, or drops the claim of a
	 * job that expired or finished meanwhile. */
	[SCRIPT_LEASE] = LUA_NOW
	"local st = redis.call('HGET', KEYS[1], 'status')\n"
	"if st ~= 'queued' and st ~= 'processing' then\n"
	"  redis.call('LREM', KEYS[3], 0, ARGV[1])\n"
	"  return false\n"
	"end\n"
	"redis.call('HINCRBY', KEYS[1], 'attempts', 1)\n"
	"redis.call('HSET', KEYS[1], 'status', 'processing', 'lease', ARGV[2], 'updated', now)\n"
	"redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])\n"
	"return redis.call('HGETALL', KEYS[1])\n",

	/* KEYS: job, leases, claim.  ARGV: id wid status, then field/value
	 * pairs.  Finishes the job only for the current lease holder. */
	[SCRIPT_FINISH] = LUA_NOW
	"redis.call('LREM', KEYS[3], 0, ARGV[1])\n"
	"if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] or\n"
	"   redis.call('HGET', KEYS[1], 'status') ~= 'processing' then\n"
	"  return 0\n"
	"end\n"
	"redis.call('ZREM', KEYS[2], ARGV[1])\n"
	"redis.call('HDEL', KEYS[1], 'lease', 'error_code', 'error_message')\n"
	"redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated', now)\n"
	"for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
	"return 1\n",

	/* KEYS: claim, pending, leases.  ARGV: wid prefix max_attempts.  A child
	 * died: requeue what it held, unless someone else holds it by now. */
	[SCRIPT_RECOVER] = LUA_NOW LUA_REQUEUE
	"local n = 0\n"
	"while true do\n"
	"  local id = redis.call('RPOP', KEYS[1])\n"
	"  if not id then break end\n"
	"  local job = ARGV[2] .. 'job:{' .. id .. '}'\n"
	"  local st = redis.call('HGET', job, 'status')\n"
	"  local holder = redis.call('HGET', job, 'lease')\n"
	"  if st == 'queued' or (st == 'processing' and holder == ARGV[1]) then\n"
	"    redis.call('ZREM', KEYS[3], id)\n"
	"    n = n + requeue(job, id, KEYS[2], tonumber(ARGV[3]), now, 'worker_died')\n"
	"  end\n"
	"end\n"
	"return n\n",

	/* KEYS: leases, pending.  ARGV: prefix max_attempts batch.  Requeues
	 * jobs whose lease ran out (a hung worker, or a host that vanished). */
	[SCRIPT_REAP] = LUA_NOW LUA_REQUEUE
	"local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))\n"
	"local n = 0\n"
	"for _, id in ipairs(ids) do\n"
	"  redis.call('ZREM', KEYS[1], id)\n"
	"  local job = ARGV[1] .. 'job:{' .. id .. '}'\n"
	"  if redis.call('HGET', job, 'status') == 'processing' then\n"
	"    local holder = redis.call('HGET', job, 'lease')\n"
	"    if holder then redis.call('LREM', ARGV[1] .. 'claim:' .. holder, 0, id) end\n"
	"    n = n + requeue(job, id, KEYS[2], tonumber(ARGV[2]), now, 'lease_expired')\n"
	"  end\n"
	"end\n"
	"return n\n",

	/* KEYS: job, leases, claim, delayed.  ARGV: id wid delay_ms code
	 * message.  A transient failure: the job waits in delayed, queued with
	 * its last error visible, until the master promotes it. */
	[SCRIPT_RETRY] = LUA_NOW
	"redis.call('LREM', KEYS[3], 0, ARGV[1])\n"
	"if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] or\n"
	"   redis.call('HGET', KEYS[1], 'status') ~= 'processing' then\n"
	"  return 0\n"
	"end\n"
	"redis.call('ZREM', KEYS[2], ARGV[1])\n"
	"redis.call('HDEL', KEYS[1], 'lease')\n"
	"redis.call('HSET', KEYS[1], 'status', 'queued', 'updated', now,\n"
	"  'error_code', ARGV[4], 'error_message', ARGV[5])\n"
	"redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[1])\n"
	"return 1\n",

	/* KEYS: delayed, pending.  ARGV: prefix batch.  Moves retries that are
	 * due into pending, behind the jobs already waiting. */
	[SCRIPT_PROMOTE] = LUA_NOW
	"local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))\n"
	"for _, id in ipairs(ids) do\n"
	"  redis.call('ZREM', KEYS[1], id)\n"
	"  if redis.call('HGET', ARGV[1] .. 'job:{' .. id .. '}', 'status') == 'queued' then\n"
	"    redis.call('LPUSH', KEYS[2], id)\n"
	"  end\n"
	"end\n"
	"return #ids\n",
};

/* SHA1 of each script, computed once by SCRIPT LOAD on first use. */
static char store_sha[SCRIPT_COUNT][41];

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
	return 0;
}

/* Runs a command; on a transport error drops the connection (the next call
 * reconnects) and returns NULL.  Error replies are returned to the caller. */
static redisReply *
store_command(struct store *st, int argc, const char **argv, const size_t *argvlen)
{
	redisReply *r;

	if (store_connect(st) == -1)
		return NULL;
	r = redisCommandArgv(st->c, argc, argv, argvlen);
	if (r == NULL) {
		snprintf(st->err, sizeof st->err, "redis: %s", st->c->errstr);
		store_disconnect(st);
	}
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
	argv[1] = store_sha[which];
	if (store_sha[which][0] != '\0') {
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
	memcpy(store_sha[which], r->str, 40);
	store_sha[which][40] = '\0';
	freeReplyObject(r);
	argvlen[0] = 7;
	argvlen[1] = 40;
	return store_command(st, argc, argv, argvlen);
}

/* Checks a script's or command's reply for an error reply, which means a bug
 * or a Redis that is not ours (OOM, READONLY replica, ...). */
static int
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

static void
store_key(char *out, size_t size, const struct store *st, const char *kind, const char *name)
{
	if (strcmp(kind, "job") == 0)
		snprintf(out, size, "%sjob:{%s}", st->conf->redis_prefix, name);
	else if (name != NULL)
		snprintf(out, size, "%s%s:%s", st->conf->redis_prefix, kind, name);
	else
		snprintf(out, size, "%s%s", st->conf->redis_prefix, kind);
}

enum store_result
store_job_create(struct store *st, const struct job *job, unsigned ttl)
{
	char kjob[256], kpending[256], bw[16], bh[16], sttl[16];
	const char *argv[10];
	size_t argvlen[10];
	redisReply *r;
	enum store_result rc = STORE_ERROR;

	store_key(kjob, sizeof kjob, st, "job", job->id);
	store_key(kpending, sizeof kpending, st, "pending", NULL);
	snprintf(bw, sizeof bw, "%u", job->box_width);
	snprintf(bh, sizeof bh, "%u", job->box_height);
	snprintf(sttl, sizeof sttl, "%u", ttl);
	argv[2] = "2"; argv[3] = kjob; argv[4] = kpending;
	argv[5] = job->id; argv[6] = job->url; argv[7] = bw; argv[8] = bh; argv[9] = sttl;
	for (int i = 2; i < 10; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, SCRIPT_CREATE, 10, argv, argvlen);
	if (store_reply_ok(st, r))
		rc = STORE_OK;
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/* Parses a bounded unsigned decimal from a reply field. */
static int
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
static int
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
		} else if (strcmp(f->str, "error_code") == 0) {
			free(job->error_code);
			job->error_code = xstrndup(v->str, v->len);
		} else if (strcmp(f->str, "error_message") == 0) {
			free(job->error_message);
			job->error_message = xstrndup(v->str, v->len);
		} else {
			static const struct { const char *name; size_t off; int ll; } nums[] = {
				{ "bw", offsetof(struct job, box_width), 0 },
				{ "bh", offsetof(struct job, box_height), 0 },
				{ "attempts", offsetof(struct job, attempts), 0 },
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
store_claim(struct store *st, const char *wid, unsigned timeout_s, unsigned lease_ms,
    struct job *job)
{
	char kpending[256], kclaim[256], kjob[256], kleases[256], stimeout[16], slease[16];
	char id[ID_LEN + 1];
	const char *argv[9];
	size_t argvlen[9];
	redisReply *r = NULL;
	enum store_result rc = STORE_ERROR;

	store_key(kpending, sizeof kpending, st, "pending", NULL);
	store_key(kclaim, sizeof kclaim, st, "claim", wid);
	store_key(kleases, sizeof kleases, st, "leases", NULL);
	snprintf(stimeout, sizeof stimeout, "%u", timeout_s);
	argv[0] = "BLMOVE"; argv[1] = kpending; argv[2] = kclaim;
	argv[3] = "RIGHT"; argv[4] = "LEFT"; argv[5] = stimeout;
	for (int i = 0; i < 6; i++)
		argvlen[i] = strlen(argv[i]);
	if (store_connect(st) == -1)
		return STORE_ERROR;
	/* The socket timeout must outlast the server-side block. */
	redisSetTimeout(st->c, store_tv(st->conf->redis_timeout_ms + timeout_s * 1000));
	r = store_command(st, 6, argv, argvlen);
	if (st->c != NULL)
		redisSetTimeout(st->c, store_tv(st->conf->redis_timeout_ms));
	if (!store_reply_ok(st, r))
		goto out;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
		goto out;
	}
	if (r->type != REDIS_REPLY_STRING || r->len != ID_LEN) {
		snprintf(st->err, sizeof st->err, "redis: malformed id in pending list");
		goto out;
	}
	memcpy(id, r->str, ID_LEN + 1);
	freeReplyObject(r);

	store_key(kjob, sizeof kjob, st, "job", id);
	snprintf(slease, sizeof slease, "%u", lease_ms);
	argv[2] = "3"; argv[3] = kjob; argv[4] = kleases; argv[5] = kclaim;
	argv[6] = id; argv[7] = wid; argv[8] = slease;
	for (int i = 2; i < 9; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, SCRIPT_LEASE, 9, argv, argvlen);
	if (!store_reply_ok(st, r))
		goto out;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;	/* expired or finished meanwhile */
		goto out;
	}
	if (store_parse_job(st, r, job) == 0)
		rc = STORE_OK;
out:
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/* Runs the finish script with status and extra field/value pairs. */
static enum store_result
store_finish(struct store *st, const char *wid, const char *id, const char *status,
    int nextra, const char **extra)
{
	char kjob[256], kleases[256], kclaim[256];
	const char *argv[16];
	size_t argvlen[16];
	redisReply *r;
	enum store_result rc = STORE_ERROR;
	int argc = 9;

	store_key(kjob, sizeof kjob, st, "job", id);
	store_key(kleases, sizeof kleases, st, "leases", NULL);
	store_key(kclaim, sizeof kclaim, st, "claim", wid);
	argv[2] = "3"; argv[3] = kjob; argv[4] = kleases; argv[5] = kclaim;
	argv[6] = id; argv[7] = wid; argv[8] = status;
	for (int i = 0; i < nextra && argc < 16; i++)
		argv[argc++] = extra[i];
	for (int i = 2; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, SCRIPT_FINISH, argc, argv, argvlen);
	if (store_reply_ok(st, r)) {
		if (r->type == REDIS_REPLY_INTEGER)
			rc = r->integer == 1 ? STORE_OK : STORE_STALE;
		else
			snprintf(st->err, sizeof st->err, "redis: unexpected reply to finish");
	}
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

enum store_result
store_complete(struct store *st, const char *wid, const struct job *job)
{
	char w[16], h[16];
	const char *extra[6] = { "path", job->path, "width", w, "height", h };

	snprintf(w, sizeof w, "%u", job->width);
	snprintf(h, sizeof h, "%u", job->height);
	return store_finish(st, wid, job->id, "completed", 6, extra);
}

enum store_result
store_fail(struct store *st, const char *wid, const struct job *job)
{
	const char *extra[4] = {
		"error_code", job->error_code ? job->error_code : "unknown",
		"error_message", job->error_message ? job->error_message : "",
	};

	return store_finish(st, wid, job->id, "failed", 4, extra);
}

/* Runs a requeueing script that answers with a count. */
static long
store_requeue(struct store *st, enum store_script which, int argc, const char **argv)
{
	size_t argvlen[8];
	redisReply *r;
	long n = -1;

	for (int i = 2; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, which, argc, argv, argvlen);
	if (store_reply_ok(st, r)) {
		if (r->type == REDIS_REPLY_INTEGER)
			n = (long)r->integer;
		else
			snprintf(st->err, sizeof st->err, "redis: unexpected reply to requeue");
	}
	if (r != NULL)
		freeReplyObject(r);
	return n;
}

long
store_recover_worker(struct store *st, const char *wid)
{
	char kclaim[256], kpending[256], kleases[256], max[16];
	const char *argv[9] = { NULL, NULL, "3", kclaim, kpending, kleases, wid,
	    st->conf->redis_prefix, max };

	store_key(kclaim, sizeof kclaim, st, "claim", wid);
	store_key(kpending, sizeof kpending, st, "pending", NULL);
	store_key(kleases, sizeof kleases, st, "leases", NULL);
	snprintf(max, sizeof max, "%u", st->conf->max_attempts);
	return store_requeue(st, SCRIPT_RECOVER, 9, argv);
}

long
store_reap_leases(struct store *st)
{
	char kleases[256], kpending[256], max[16];
	const char *argv[8] = { NULL, NULL, "2", kleases, kpending, st->conf->redis_prefix,
	    max, STORE_REAP_BATCH };

	store_key(kleases, sizeof kleases, st, "leases", NULL);
	store_key(kpending, sizeof kpending, st, "pending", NULL);
	snprintf(max, sizeof max, "%u", st->conf->max_attempts);
	return store_requeue(st, SCRIPT_REAP, 8, argv);
}

enum store_result
store_retry(struct store *st, const char *wid, const struct job *job, unsigned delay_ms)
{
	char kjob[256], kleases[256], kclaim[256], kdelayed[256], delay[16];
	const char *argv[12];
	size_t argvlen[12];
	redisReply *r;
	enum store_result rc = STORE_ERROR;

	store_key(kjob, sizeof kjob, st, "job", job->id);
	store_key(kleases, sizeof kleases, st, "leases", NULL);
	store_key(kclaim, sizeof kclaim, st, "claim", wid);
	store_key(kdelayed, sizeof kdelayed, st, "delayed", NULL);
	snprintf(delay, sizeof delay, "%u", delay_ms);
	argv[2] = "4"; argv[3] = kjob; argv[4] = kleases; argv[5] = kclaim; argv[6] = kdelayed;
	argv[7] = job->id; argv[8] = wid; argv[9] = delay;
	argv[10] = job->error_code ? job->error_code : "unknown";
	argv[11] = job->error_message ? job->error_message : "";
	for (int i = 2; i < 12; i++)
		argvlen[i] = strlen(argv[i]);
	r = store_eval(st, SCRIPT_RETRY, 12, argv, argvlen);
	if (store_reply_ok(st, r)) {
		if (r->type == REDIS_REPLY_INTEGER)
			rc = r->integer == 1 ? STORE_OK : STORE_STALE;
		else
			snprintf(st->err, sizeof st->err, "redis: unexpected reply to retry");
	}
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

long
store_promote_retries(struct store *st)
{
	char kdelayed[256], kpending[256];
	const char *argv[7] = { NULL, NULL, "2", kdelayed, kpending, st->conf->redis_prefix,
	    STORE_REAP_BATCH };

	store_key(kdelayed, sizeof kdelayed, st, "delayed", NULL);
	store_key(kpending, sizeof kpending, st, "pending", NULL);
	return store_requeue(st, SCRIPT_PROMOTE, 7, argv);
}
