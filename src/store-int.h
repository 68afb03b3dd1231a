/* store-int.h: what the store-*.c files share, and nothing else includes.
 *
 * The store's operations are split by who calls them (store.h); each file
 * builds its commands with redis.h and reads replies with the helpers
 * here.  store-parse.c is the one place that knows the job hash's field
 * names and the options text (doc/redis-layout.md). */
#ifndef THUMBQ_STORE_INT_H
#define THUMBQ_STORE_INT_H

#include <hiredis/hiredis.h>

#include "redis.h"
#include "store.h"

/* The scripts, one per file in src/lua/ with lib.lua in front
 * (store-scripts.h, made from them by the Makefile). */
enum store_script {
	SCRIPT_CREATE,
	SCRIPT_CLAIM,
	SCRIPT_FINISH,
	SCRIPT_RETRY,
	SCRIPT_RENEW,
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
	SCRIPT_TREND,
	SCRIPT_HOSTS,
	SCRIPT_ADMIN_LIST,
	SCRIPT_COUNT
};

struct store {
	const struct thumbq_conf *conf;
	struct redis *r;
};

/* Jobs handled per script call, so that one pass never blocks Redis
 * long. */
#define STORE_BATCH 100

/* store.c */
/* Begins a call of script which; its ARGV[1] is the key prefix (the
 * scripts build their keys from it: see lib.lua). */
void store_begin_script(struct store *st, enum store_script which);
/* Adds the key of family (and name) as an argument: P family, P
 * family:name, or P job:{ID} for a job (doc/redis-layout.md). */
void store_arg_key(struct store *st, const char *family, const char *name);
/* Runs a script or command that answers an integer: it, or -1. */
long long store_run_int(struct store *st);
/* Blocks until a token is pushed on the wake list family[:name] or
 * timeout_s passes, taking the token: 1 woken, 0 timed out, -1 error. */
int store_block_on(struct store *st, const char *family, const char *name,
    unsigned timeout_s);
/* A finish, retry or renew script's verdict: 1 ok, 0 the claim is not
 * the caller's any more. */
enum store_result store_verdict(long long n);

/* store-parse.c */
/* Fills job from an HGETALL-style flat array of field/value strings:
 * 0, or -1 with the store's error set. */
int store_parse_job(struct store *st, const redisReply *r, struct job *job);
/* Adds the options of a job as one argument, in the form the job hash
 * keeps (store_opts_format). */
void store_arg_opts(struct store *st, const struct image_request *opts);
/* Adds the variants field's text: the variants' options texts, separated
 * by spaces ("" for none). */
#define STORE_VARIANTS_MAX (JOB_MAX_VARIANTS * STORE_OPTS_MAX)
void store_arg_variants(struct store *st, const struct image_request *v,
    size_t n);
/* Adds the field/value pairs a worker's result writes into the job hash:
 * path, width and height when status is completed, error_code and
 * error_message when it is failed. */
void store_arg_result(struct store *st, const struct job *job,
    enum job_status status);
/* A time in ms from a reply element; 0 if absent or malformed. */
long long store_elem_ms(const redisReply *e);

#endif
