/* redis.c: one connection to Redis, and the one way a command goes over
 * it (see redis.h).
 *
 * Commands are written in the Redis protocol (RESP) by hand, into a capped
 * buffer, rather than by hiredis' own formatting, whose sdscatfmt cost
 * about as much as the rest of an API request's work in thumbq.fcgi.  The
 * buffer starts with a hole: the argument count is known only at the end,
 * and a script's SHA1 only when it runs, so both are written into the hole
 * just before the command is sent, right in front of the arguments. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "buf.h"
#include "decimal.h"
#include "redis.h"
#include "secret.h"
#include "sentinel.h"
#include "xmalloc.h"

/* The hole: room for "*N\r\n" and "$7\r\nEVALSHA\r\n$40\r\n" SHA1 "\r\n". */
#define REDIS_HOLE 96
#define REDIS_EVALSHA "$7\r\nEVALSHA\r\n$40\r\n"
#define REDIS_EVALSHA_LEN (sizeof REDIS_EVALSHA - 1 + 40 + 2)
/* A command buffer larger than this after a run (a batch) is given back,
 * so that one batch does not keep megabytes in every process. */
#define REDIS_KEEP (64 * 1024)
/* No script: a plain command. */
#define REDIS_NO_SCRIPT ((size_t)-1)
/* Discoveries one connect makes when a sentinel names an address that
 * refuses or is not (yet, or any more) a primary: a failover in progress
 * settles in seconds, so a caller fails fast (the API's 503) and comes
 * back rather than waiting here. */
#define REDIS_DISCOVER_TRIES 3
/* "[host]:port" */
#define REDIS_ADDR_MAX (SENTINEL_HOST_MAX + 10)

struct redis {
	const struct thumbq_conf *conf;
	redisContext *c;
	char err[256];
	unsigned block_ms;	/* added to the timeouts while one blocks */
	/* The command being built: the hole, then its arguments. */
	struct buf cmd;
	size_t argc;
	size_t script;
	/* Each script's source, and its SHA1 once SCRIPT LOAD told it. */
	const char *const *scripts;
	size_t nscripts;
	char (*sha)[41];
	/* With redis_sentinels: the sentinels (the one that answered last
	 * first), or why the list is unusable; the primary the connection
	 * is on and the sentinel that named it. */
	struct sentinel_list *sentinels;
	char *sentinels_cause;
	char primary[REDIS_ADDR_MAX];
	char primary_from[REDIS_ADDR_MAX];
};

struct redis *
redis_new(const struct thumbq_conf *conf, const char *const *scripts,
    size_t nscripts)
{
	struct redis *r = xcalloc(1, sizeof *r);

	r->conf = conf;
	r->scripts = scripts;
	r->nscripts = nscripts;
	r->sha = xcalloc(nscripts > 0 ? nscripts : 1, sizeof *r->sha);
	buf_init(&r->cmd, REDIS_CMD_MAX);
	if (conf->redis_sentinels[0] != '\0') {
		r->sentinels = xcalloc(1, sizeof *r->sentinels);
		if (sentinel_parse_list(conf->redis_sentinels, r->sentinels,
		    &r->sentinels_cause) == 0 && r->sentinels->n == 0)
			r->sentinels_cause = xstrdup("redis_sentinels names "
			    "no sentinel");
	}
	return r;
}

/*
 * hiredis 0.14 allocates an array reply's element pointers as soon as it
 * has read the count, before any element arrives: "*1000000000" from a
 * server that is not Redis would cost 8 GB.  The largest reply thumbq asks
 * for is a batch of max_batch jobs; a count above REDIS_REPLY_MAX_ELEMENTS
 * fails the reply as one hiredis could not allocate, and the connection
 * with it.
 */
#define REDIS_REPLY_MAX_ELEMENTS (1 << 20)

static redisReplyObjectFunctions redis_bounded_fn;
static void *(*redis_hiredis_create_array)(const redisReadTask *, int);
static pthread_once_t redis_bounded_once = PTHREAD_ONCE_INIT;

static void *
redis_create_array(const redisReadTask *task, int elements)
{
	if (elements < 0 || elements > REDIS_REPLY_MAX_ELEMENTS)
		return NULL;
	return redis_hiredis_create_array(task, elements);
}

/* hiredis' own functions are static: a fresh reader lends them. */
static void
redis_bounded_init(void)
{
	redisReader *rd = redisReaderCreate();

	if (rd == NULL)
		abort();
	redis_bounded_fn = *rd->fn;
	redis_hiredis_create_array = redis_bounded_fn.createArray;
	redis_bounded_fn.createArray = redis_create_array;
	redisReaderFree(rd);
}

void
redis_reader_bound(redisReader *rd)
{
	pthread_once(&redis_bounded_once, redis_bounded_init);
	rd->fn = &redis_bounded_fn;
}

static void
redis_disconnect(struct redis *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

void
redis_free(struct redis *r)
{
	if (r == NULL)
		return;
	redis_disconnect(r);
	buf_free(&r->cmd);
	free(r->sha);
	free(r->sentinels);
	free(r->sentinels_cause);
	free(r);
}

const char *
redis_error(const struct redis *r)
{
	return r->err;
}

const char *
redis_primary(const struct redis *r, const char **from)
{
	if (from != NULL)
		*from = r->c != NULL ? r->primary_from : "";
	return r->c != NULL ? r->primary : "";
}

void
redis_errorf(struct redis *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ formatting */

/* One argument: "$LEN\r\n" the bytes "\r\n". */
static void
redis_put(struct buf *b, const void *p, size_t len)
{
	char head[24], *h = head;

	*h++ = '$';
	h = decimal_put(h, len);
	*h++ = '\r';
	*h++ = '\n';
	buf_add(b, head, (size_t)(h - head));
	buf_add(b, p, len);
	buf_lit(b, "\r\n");
}

static void
redis_start(struct redis *r, size_t script)
{
	static const char hole[REDIS_HOLE];

	if (r->cmd.alloc > REDIS_KEEP) {
		buf_free(&r->cmd);
		buf_init(&r->cmd, REDIS_CMD_MAX);
	}
	buf_reset(&r->cmd);
	buf_add(&r->cmd, hole, sizeof hole);
	r->argc = 0;
	r->script = script;
}

void
redis_begin(struct redis *r, const char *name)
{
	redis_start(r, REDIS_NO_SCRIPT);
	redis_arg_str(r, name);
}

void
redis_begin_script(struct redis *r, size_t script)
{
	if (script >= r->nscripts)
		abort();	/* a programming error, not an input */
	redis_start(r, script);
	redis_arg_str(r, "0");	/* no KEYS */
}

void
redis_arg(struct redis *r, const void *p, size_t len)
{
	redis_put(&r->cmd, p, len);
	r->argc++;
}

void
redis_arg_str(struct redis *r, const char *s)
{
	redis_arg(r, s, strlen(s));
}

void
redis_arg_u64(struct redis *r, unsigned long long v)
{
	char digits[20];

	redis_arg(r, digits, (size_t)(decimal_put(digits, v) - digits));
}

void
redis_arg_i64(struct redis *r, long long v)
{
	char digits[21], *p = digits;

	if (v < 0)
		*p++ = '-';
	p = decimal_put(p, v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v);
	redis_arg(r, digits, (size_t)(p - digits));
}

void
redis_arg_fmt(struct redis *r, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->cmd.failed = 1;
		return;
	}
	if ((size_t)n >= sizeof small) {
		s = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	redis_arg(r, s, (size_t)n);
	if (s != small)
		free(s);
}

/* Writes the count (and a script's EVALSHA and SHA1) into the hole; the
 * command starts at *text.  -1 if an argument went past the cap. */
static int
redis_finish(struct redis *r, const char **text, size_t *len)
{
	char head[24], *h = head, *at;
	size_t argc = r->argc, pos = REDIS_HOLE;

	if (buf_failed(&r->cmd) || r->cmd.len < REDIS_HOLE)
		return -1;
	if (r->script != REDIS_NO_SCRIPT) {
		pos -= REDIS_EVALSHA_LEN;
		at = r->cmd.data + pos;
		memcpy(at, REDIS_EVALSHA, sizeof REDIS_EVALSHA - 1);
		at += sizeof REDIS_EVALSHA - 1;
		if (r->sha[r->script][0] != '\0')
			memcpy(at, r->sha[r->script], 40);
		else
			memset(at, '0', 40);
		memcpy(at + 40, "\r\n", 2);
		argc += 2;
	}
	*h++ = '*';
	h = decimal_put(h, argc);
	*h++ = '\r';
	*h++ = '\n';
	pos -= (size_t)(h - head);
	memcpy(r->cmd.data + pos, head, (size_t)(h - head));
	*text = r->cmd.data + pos;
	*len = r->cmd.len - pos;
	return 0;
}

const char *
redis_cmd_text(struct redis *r, size_t *len)
{
	const char *text;

	return redis_finish(r, &text, len) == 0 ? text : NULL;
}

/* ------------------------------------------------------------ connecting */

static struct timeval
redis_tv(unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* Sends a formatted command on the connection as it is and waits for its
 * reply; NULL on a transport error. */
static redisReply *
redis_roundtrip(struct redis *r, const char *text, size_t len)
{
	void *reply = NULL;

	if (redisAppendFormattedCommand(r->c, text, len) != REDIS_OK ||
	    redisGetReply(r->c, &reply) != REDIS_OK)
		return NULL;
	return reply;
}

/* Runs a command of the login (already formatted in b) on the fresh
 * connection and expects +OK.  The command is wiped from memory after:
 * it may hold the password. */
static int
redis_expect_ok(struct redis *r, const char *what, struct buf *b)
{
	redisReply *reply;
	int rc = -1;

	reply = redis_roundtrip(r, buf_str(b), b->len);
	if (reply == NULL)
		redis_errorf(r, "redis %s: %s", what, r->c->errstr);
	else if (reply->type == REDIS_REPLY_STATUS &&
	    strcmp(reply->str, "OK") == 0)
		rc = 0;
	else
		redis_errorf(r, "redis %s refused: %.160s", what,
		    reply->type == REDIS_REPLY_ERROR ? reply->str :
		    "unexpected reply");
	freeReplyObject(reply);
	if (b->data != NULL)
		secret_clear(b->data, b->alloc);
	buf_reset(b);
	return rc;
}

/* AUTH with the password from redis_password_file (as redis_user if set),
 * then SELECT redis_db: what a Redis shared with other users needs.  The
 * file is read on each connection, so a changed password needs no
 * restart, and the password is wiped from memory once sent. */
static int
redis_login(struct redis *r)
{
	const struct thumbq_conf *conf = r->conf;
	char secret[SECRET_BUFSIZE], db[20], *cause = NULL;
	struct buf b;
	int n, rc = 0;

	/* Grown once, before the password goes in: a buffer that grew
	 * after would leave a copy of it in freed memory. */
	memset(secret, 0, sizeof secret);
	buf_init(&b, sizeof secret + strlen(conf->redis_user) + 64);
	buf_add(&b, secret, sizeof secret);
	buf_adds(&b, conf->redis_user);
	buf_add(&b, secret, 64);
	buf_reset(&b);
	if (conf->redis_password_file[0] != '\0') {
		n = secret_read(conf->redis_password_file, secret, &cause);
		if (n == -1) {
			redis_errorf(r, "redis_password_file: %s", cause);
			free(cause);
			rc = -1;
			goto out;
		}
		if (conf->redis_user[0] != '\0') {
			buf_lit(&b, "*3\r\n");
			redis_put(&b, "AUTH", 4);
			redis_put(&b, conf->redis_user,
			    strlen(conf->redis_user));
		} else {
			buf_lit(&b, "*2\r\n");
			redis_put(&b, "AUTH", 4);
		}
		redis_put(&b, secret, (size_t)n);
		secret_clear(secret, sizeof secret);
		if ((rc = redis_expect_ok(r, "AUTH", &b)) == -1)
			goto out;
	}
	if (conf->redis_db != 0) {
		buf_lit(&b, "*2\r\n");
		redis_put(&b, "SELECT", 6);
		redis_put(&b, db,
		    (size_t)(decimal_put(db, conf->redis_db) - db));
		rc = redis_expect_ok(r, "SELECT", &b);
	}
out:
	buf_free(&b);
	return rc;
}

/* Milliseconds left before deadline (sentinel_now_ms's clock), 0 if
 * none.  A timeout is never set from 0: hiredis would take it as none. */
static unsigned
redis_left(unsigned long long deadline)
{
	unsigned long long now = sentinel_now_ms();

	return now >= deadline ? 0 : (unsigned)(deadline - now);
}

/* Opens the connection to host:port (or the socket at path, with port 0)
 * and logs in, before deadline. */
static int
redis_open(struct redis *r, const char *host, unsigned port,
    unsigned long long deadline)
{
	char at[REDIS_ADDR_MAX + 8];
	unsigned left = redis_left(deadline);

	if (port == 0)
		snprintf(at, sizeof at, "unix:%s", host);
	else
		snprintf(at, sizeof at, strchr(host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", host, port);
	if (left == 0) {
		redis_errorf(r, "cannot connect to redis at %s: no time left "
		    "within redis_timeout_ms", r->sentinels == NULL ?
		    r->conf->redis : at);
		return -1;
	}
	if (port == 0)
		r->c = redisConnectUnixWithTimeout(host, redis_tv(left));
	else
		r->c = redisConnectWithTimeout(host, (int)port,
		    redis_tv(left));
	if (r->c == NULL || r->c->err) {
		redis_errorf(r, "cannot connect to redis at %s: %s",
		    r->sentinels == NULL ? r->conf->redis : at,
		    r->c ? r->c->errstr : "out of memory");
		redis_disconnect(r);
		return -1;
	}
	redis_reader_bound(r->c->reader);
	redisSetTimeout(r->c, redis_tv(left));
	if (redis_login(r) == -1) {
		redis_disconnect(r);
		return -1;
	}
	return 0;
}

/* The fixed address of redis: "unix:/path" or "host:port". */
static int
redis_connect_direct(struct redis *r, unsigned long long deadline)
{
	const char *addr = r->conf->redis, *colon;
	char host[256], *end;
	long port;

	if (strncmp(addr, "unix:", 5) == 0)
		return redis_open(r, addr + 5, 0, deadline);
	colon = strrchr(addr, ':');
	if (colon == NULL || (size_t)(colon - addr) >= sizeof host) {
		redis_errorf(r, "redis = \"%s\": expected host:port", addr);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		redis_errorf(r, "redis = \"%s\": bad port", addr);
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	return redis_open(r, host, (unsigned)port, deadline);
}

/* ROLE on the fresh connection: 1 if it is a primary, 0 if not, -1 on a
 * transport error; err says which role or what failed. */
static int
redis_role(struct redis *r, char *err, size_t errlen)
{
	static const char role[] = "*1\r\n$4\r\nROLE\r\n";
	redisReply *reply;
	int rc;

	if ((reply = redis_roundtrip(r, role, sizeof role - 1)) == NULL) {
		snprintf(err, errlen, "ROLE: %s", r->c->errstr);
		return -1;
	}
	rc = sentinel_role_check(reply, err, errlen);
	freeReplyObject(reply);
	return rc == 1 ? 1 : rc == 0 ? 0 : -1;
}

/* The primary through the sentinels, as Redis's Sentinel client spec
 * says: ask, connect to the address given, confirm with ROLE.  All of it
 * before the command's deadline, whatever the sentinels and the addresses
 * they name do, so that an API request during a failover gets its 503 in
 * time rather than hanging. */
static int
redis_connect_sentinel(struct redis *r, unsigned long long deadline)
{
	const struct thumbq_conf *conf = r->conf;
	struct sentinel_addr primary, from;
	char why[256], at[REDIS_ADDR_MAX];
	int tries, role;

	if (r->sentinels_cause != NULL) {
		redis_errorf(r, "%s", r->sentinels_cause);
		return -1;
	}
	r->primary[0] = r->primary_from[0] = '\0';
	for (tries = 0; tries < REDIS_DISCOVER_TRIES; tries++) {
		if (sentinel_ask(r->sentinels, conf->redis_master_name,
		    deadline, &primary, &from, why, sizeof why) == -1) {
			redis_errorf(r, "redis: %s", why);
			return -1;
		}
		sentinel_format(&primary, at, sizeof at);
		if (redis_open(r, primary.host, primary.port, deadline) == -1)
			continue;
		if ((role = redis_role(r, why, sizeof why)) == 1) {
			memcpy(r->primary, at, sizeof at);
			sentinel_format(&from, r->primary_from,
			    sizeof r->primary_from);
			return 0;
		}
		redis_errorf(r, "redis at %s (the primary of %s by sentinel): "
		    "%s%s", at, conf->redis_master_name, role == 0 ?
		    "it is a " : "", why);
		redis_disconnect(r);
	}
	return -1;
}

/* ------------------------------------------------------------ running */

/* Sends a command and waits for its reply, error replies included; on a
 * transport error drops the connection and returns NULL.  A connection
 * that had been idle is given one more try on a fresh one (redis.h).
 * Connecting (through the sentinels, if any), the command and that one
 * more try all fit in redis_timeout_ms (and the time a blocking command
 * blocks): the API's promise that no request waits longer for Redis. */
static redisReply *
redis_send(struct redis *r, const char *text, size_t len)
{
	unsigned timeout = r->conf->redis_timeout_ms + r->block_ms;
	unsigned long long deadline = sentinel_now_ms() + timeout;
	redisReply *reply;
	int fresh, rc;

	for (;;) {
		if ((fresh = r->c == NULL)) {
			rc = r->sentinels != NULL ?
			    redis_connect_sentinel(r, deadline) :
			    redis_connect_direct(r, deadline);
			if (rc == -1)
				return NULL;
			/* What is left of the command's time. */
			redisSetTimeout(r->c, redis_tv(redis_left(deadline) +
			    1));
		}
		reply = redis_roundtrip(r, text, len);
		if (reply != NULL)
			break;
		redis_errorf(r, "redis: %s", r->c->errstr);
		redis_disconnect(r);
		if (fresh || redis_left(deadline) == 0)
			return NULL;
	}
	if (fresh)
		redisSetTimeout(r->c, redis_tv(timeout));
	return reply;
}

/* SCRIPT LOAD of the command's script: its SHA1 is kept.  0, or -1. */
static int
redis_load(struct redis *r)
{
	const char *src = r->scripts[r->script];
	redisReply *reply;
	struct buf b;
	int rc = -1;

	buf_init(&b, REDIS_CMD_MAX);
	buf_lit(&b, "*3\r\n");
	redis_put(&b, "SCRIPT", 6);
	redis_put(&b, "LOAD", 4);
	redis_put(&b, src, strlen(src));
	if (buf_failed(&b)) {
		redis_errorf(r, "redis: a script over %zu bytes",
		    REDIS_CMD_MAX);
		goto out;
	}
	if ((reply = redis_send(r, buf_str(&b), b.len)) == NULL)
		goto out;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
		memcpy(r->sha[r->script], reply->str, 40);
		r->sha[r->script][40] = '\0';
		rc = 0;
	} else {
		redis_errorf(r, "redis: SCRIPT LOAD failed: %.160s",
		    reply->type == REDIS_REPLY_ERROR ? reply->str :
		    "unexpected reply");
	}
	freeReplyObject(reply);
out:
	buf_free(&b);
	return rc;
}

static int
redis_is_noscript(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

/* A primary that Sentinel demoted while we were connected: nothing of the
 * command was done (a replica refuses writes, and a script's first write),
 * so it may run again on the primary discovered now. */
static int
redis_is_readonly(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "READONLY", 8) == 0;
}

redisReply *
redis_run(struct redis *r)
{
	const char *text;
	redisReply *reply;
	size_t len;

	if (r->script != REDIS_NO_SCRIPT && r->sha[r->script][0] == '\0' &&
	    redis_load(r) == -1)
		return NULL;
	if (redis_finish(r, &text, &len) == -1) {
		redis_errorf(r, "redis: a command over %zu bytes",
		    REDIS_CMD_MAX);
		return NULL;
	}
	reply = redis_send(r, text, len);
	/* A demoted primary: once more on the one the sentinels name now
	 * (whose script cache may be empty: SCRIPT LOAD is not replicated). */
	if (reply != NULL && r->sentinels != NULL && redis_is_readonly(reply)) {
		freeReplyObject(reply);
		redis_disconnect(r);
		reply = redis_send(r, text, len);
	}
	/* Redis restarted without its script cache, or flushed it, or a
	 * failover made a replica the primary. */
	if (reply != NULL && r->script != REDIS_NO_SCRIPT &&
	    redis_is_noscript(reply)) {
		freeReplyObject(reply);
		if (redis_load(r) == -1)
			return NULL;
		redis_finish(r, &text, &len);
		reply = redis_send(r, text, len);
	}
	/* An error reply means a bug or a Redis that is not ours (OOM, a
	 * READONLY replica, ...). */
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
		redis_errorf(r, "redis: %.200s", reply->str);
		if (r->sentinels != NULL && redis_is_readonly(reply))
			redis_disconnect(r);	/* discover again next time */
		freeReplyObject(reply);
		reply = NULL;
	}
	return reply;
}

redisReply *
redis_run_blocking(struct redis *r, unsigned timeout_s)
{
	redisReply *reply;

	r->block_ms = timeout_s * 1000;
	if (r->c != NULL)
		redisSetTimeout(r->c, redis_tv(r->conf->redis_timeout_ms +
		    r->block_ms));
	reply = redis_run(r);
	r->block_ms = 0;
	if (r->c != NULL)
		redisSetTimeout(r->c, redis_tv(r->conf->redis_timeout_ms));
	return reply;
}

int
redis_wait_replicas(struct redis *r, unsigned n, unsigned timeout_ms,
    long long *acked)
{
	const char *text;
	redisReply *reply;
	size_t len;
	int rc = -1;

	/* WAIT counts the replicas that have this connection's writes: on
	 * any other connection it would confirm nothing. */
	if (r->c == NULL) {
		redis_errorf(r, "redis: the connection of the write was lost "
		    "before WAIT");
		return -1;
	}
	redis_begin(r, "WAIT");
	redis_arg_u64(r, n);
	redis_arg_u64(r, timeout_ms);
	redis_finish(r, &text, &len);
	redisSetTimeout(r->c, redis_tv(r->conf->redis_timeout_ms + timeout_ms));
	reply = redis_roundtrip(r, text, len);
	if (reply == NULL) {
		redis_errorf(r, "redis: WAIT: %s", r->c->errstr);
		redis_disconnect(r);
		return -1;
	}
	redisSetTimeout(r->c, redis_tv(r->conf->redis_timeout_ms));
	if (reply->type == REDIS_REPLY_INTEGER) {
		*acked = reply->integer;
		rc = 0;
	} else {
		redis_errorf(r, "redis: WAIT: %.160s",
		    reply->type == REDIS_REPLY_ERROR ? reply->str :
		    "expected an integer reply");
		if (redis_is_readonly(reply))
			redis_disconnect(r);
	}
	freeReplyObject(reply);
	return rc;
}

int
redis_run_int(struct redis *r, long long *n)
{
	redisReply *reply = redis_run(r);
	int rc = -1;

	if (reply == NULL)
		return -1;
	if (reply->type == REDIS_REPLY_INTEGER) {
		*n = reply->integer;
		rc = 0;
	} else {
		redis_errorf(r, "redis: expected an integer reply");
	}
	freeReplyObject(reply);
	return rc;
}

/* ------------------------------------------------------------ replies */

long long
redis_elem_int(const redisReply *e)
{
	return e->type == REDIS_REPLY_INTEGER ? e->integer : -1;
}

int
redis_parse_ull(const char *s, size_t len, unsigned long long max,
    unsigned long long *out)
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
