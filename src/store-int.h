/* store-int.h: what the files of the store (store.c, store-admin.c) share
 * and nobody else sees: the connection, the table of scripts, and the
 * helpers that run a command or a script and check its reply. */
#ifndef THUMBQ_STORE_INT_H
#define THUMBQ_STORE_INT_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "job.h"

/* Arguments a script call takes at most (a heartbeat lists every child). */
#define STORE_MAX_ARGS (8 + 2 * STORE_MAX_BATCH)

/* One per file in src/lua/; store.c maps each to its text. */
enum store_script {
	SCRIPT_CREATE,
	SCRIPT_CLAIM,
	SCRIPT_FINISH,
	SCRIPT_RETRY,
	SCRIPT_RECOVER,
	SCRIPT_REAP,
	SCRIPT_PROMOTE,
	SCRIPT_HEARTBEAT,
	SCRIPT_GOODBYE,
	SCRIPT_STATS,
	SCRIPT_REQUEUE_FAILED,
	SCRIPT_PURGE,
	SCRIPT_CANCEL,
	SCRIPT_BATCH_CREATE,
	SCRIPT_BATCH_GET,
	SCRIPT_WEBHOOK_CLAIM,
	SCRIPT_WEBHOOK_DONE,
	SCRIPT_COURIER_RECOVER,
	SCRIPT_AUTH,
	SCRIPT_APIKEY,
	SCRIPT_RENEW,
	SCRIPT_TREND,
	SCRIPT_HOSTS,
	SCRIPT_ADMIN_LIST,
	SCRIPT_COUNT
};

struct store {
	const struct thumbq_conf *conf;
	redisContext *c;
	char err[256];
	/* SHA1 of each script, from SCRIPT LOAD on first use.  Per store, not
	 * per process: a worker child's download threads each have a store,
	 * and share nothing else. */
	char sha[SCRIPT_COUNT][41];
};

/* Runs a command; NULL on a transport error (st->err set).  Error replies
 * are returned: check them with store_reply_ok. */
redisReply *store_command(struct store *st, int argc, const char **argv,
    const size_t *argvlen);
/* 1 if r is a reply and not an error reply, else 0 with st->err set. */
int store_reply_ok(struct store *st, redisReply *r);
/* The key of kind ("job", "failed", "claim", ...) and name (or NULL). */
void store_key(char *out, size_t size, const struct store *st, const char *kind,
    const char *name);
/* Runs script which with ARGV = prefix, then args; the reply, or NULL with
 * st->err set (a transport error or an error reply). */
redisReply *store_script(struct store *st, enum store_script which, int nargs,
    const char **args);
/* The same for a script that answers an integer: it, or -1. */
long long store_script_int(struct store *st, enum store_script which, int nargs,
    const char **args);
/* A reply's decimal text of len bytes, at most max: 0, or -1. */
int store_parse_ull(const char *s, size_t len, unsigned long long max,
    unsigned long long *out);
/* Fills job from an HGETALL reply: 0, or -1 with st->err set. */
int store_parse_job(struct store *st, const redisReply *r, struct job *job);
/* An integer reply element, or -1. */
long long store_elem_int(const redisReply *e);
/* A time in ms from a string reply element; 0 if absent or malformed. */
long long store_elem_ms(const redisReply *e);

#endif
