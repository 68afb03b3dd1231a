/* redis.h: one connection to Redis, and the one way a command goes over it.
 *
 * A connection is made on first use and made again after it broke: the
 * address is "unix:/path" or "host:port", every read and write is bounded
 * by redis_timeout_ms, and AUTH (redis_password_file, as redis_user) and
 * SELECT (redis_db) follow each connect.  A command is built one typed
 * argument at a time into a capped buffer (buf.h), then run: plain
 * commands and scripts alike.  A script runs by EVALSHA; its SHA1 is
 * learnt from SCRIPT LOAD the first time Redis says NOSCRIPT, and kept per
 * connection object (a worker child's download threads each have one and
 * share nothing).
 *
 * A connection that had been idle may have died with a Redis restart: the
 * command is then sent once more on a fresh one, so that the first request
 * after a restart does not fail.  Every command thumbq runs is safe to run
 * twice (see store.c).
 *
 * With redis_sentinels, the address is the primary that the sentinels
 * name (sentinel.h), confirmed by ROLE, found again after a transport
 * error and after a READONLY reply (a primary demoted by a failover),
 * where the command runs once more: it was not done.
 *
 * A command takes at most redis_timeout_ms (plus the time a blocking one
 * blocks), whatever it meets: connecting, finding the primary and its one
 * more try included, so that no API request waits longer on Redis.
 *
 * Replies are untrusted like any input: callers check each element's type,
 * and parse numbers with redis_parse_ull, before they use them.  One
 * object is used by one thread at a time. */
#ifndef THUMBQ_REDIS_H
#define THUMBQ_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "conf.h"

/* The longest command: a batch of 1000 URLs of up to 64 KiB each (the most
 * max_batch and max_url_bytes allow), with their ids and framing, and the
 * arguments they share, fits with room to spare. */
#define REDIS_CMD_MAX ((size_t)80 << 20)

struct redis;

/* scripts[0..nscripts-1]: the Lua source of each script a caller may run
 * by its index; the array must outlive the connection.  Connects lazily:
 * never fails. */
struct redis *redis_new(const struct thumbq_conf *conf,
    const char *const *scripts, size_t nscripts);
void redis_free(struct redis *r);
/* The last error, for logs ("cannot connect to redis at ...", "redis: ERR
 * ...", "redis: malformed job record"). */
const char *redis_error(const struct redis *r);
void redis_errorf(struct redis *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes rd refuse an array reply of more than a million elements before
 * hiredis allocates it (see redis.c); every connection's reader is so. */
void redis_reader_bound(redisReader *rd);
/* With redis_sentinels, the primary ("host:port") the connection is on,
 * and in *from the sentinel that named it; "" when not connected or
 * without sentinels. */
const char *redis_primary(const struct redis *r, const char **from);

/* Building: one command at a time.  redis_begin starts a command named
 * name; redis_begin_script one that runs script (EVALSHA with no KEYS: the
 * arguments that follow are its ARGV).  Each redis_arg_* adds one
 * argument.  Arguments past REDIS_CMD_MAX fail the command, which then
 * runs as an error, sending nothing. */
void redis_begin(struct redis *r, const char *name);
void redis_begin_script(struct redis *r, size_t script);
void redis_arg(struct redis *r, const void *p, size_t len);
void redis_arg_str(struct redis *r, const char *s);
void redis_arg_u64(struct redis *r, unsigned long long v);
void redis_arg_i64(struct redis *r, long long v);
void redis_arg_fmt(struct redis *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Running: the reply (freeReplyObject it), or NULL with the error set
 * after a transport error, an error reply, or a command past the cap. */
redisReply *redis_run(struct redis *r);
/* The same for a command that blocks in Redis up to timeout_s (BLPOP):
 * the socket timeout outlasts it. */
redisReply *redis_run_blocking(struct redis *r, unsigned timeout_s);
/* For a command that answers an integer: 0 with *n, or -1. */
int redis_run_int(struct redis *r, long long *n);
/* WAIT n timeout_ms on the connection of the last command (never on a
 * new one, where it would confirm nothing): 0 with the replicas that
 * acknowledged its writes in *acked, or -1. */
int redis_wait_replicas(struct redis *r, unsigned n, unsigned timeout_ms,
    long long *acked);

/* The command as it would be sent (RESP), with its length; NULL if it
 * failed.  For tests. */
const char *redis_cmd_text(struct redis *r, size_t *len);

/* A reply element's integer, or -1 if it is not an integer. */
long long redis_elem_int(const redisReply *e);
/* A decimal of 1 to 20 digits, at most max: 0 with *out, or -1. */
int redis_parse_ull(const char *s, size_t len, unsigned long long max,
    unsigned long long *out);

#endif
