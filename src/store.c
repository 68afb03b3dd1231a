/* store.c: jobs and queues in Redis; what every store-*.c shares.
 *
 * Every change that touches more than one key is a Lua script, so that it
 * is atomic: a job is created and queued in one step, claimed (taken from
 * pending into a claim list, with a lease) in one step, and finished,
 * retried, requeued or reaped in one step.  The scripts take the time from
 * Redis (TIME), so hosts with skewed clocks agree on lease deadlines, and
 * each is safe to run twice, which the connection does after a Redis
 * restart (redis.h): a job created twice is one job, and the claim script
 * drops ids that are not queued.  doc/redis-layout.md lists every key and
 * every field of a job's hash, and which scripts touch them.
 *
 * The operations are split by who calls them: store-job.c (the API's jobs
 * and batches), store-worker.c (a worker child's claim and result),
 * store-host.c (a thumbqd master's duties), store-admin.c (stats, the
 * operator's verbs and the console's queries), store-webhook.c
 * (couriers), store-auth.c (keys and rate limits); store-parse.c reads and
 * writes the job hash. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "xmalloc.h"

/* The scripts live in src/lua/, one file each, with lib.lua in front. */
#include "store-scripts.h"

static const char *const store_scripts[SCRIPT_COUNT] = {
	[SCRIPT_CREATE] = lua_create,
	[SCRIPT_CLAIM] = lua_claim,
	[SCRIPT_FINISH] = lua_finish,
	[SCRIPT_RETRY] = lua_retry,
	[SCRIPT_RENEW] = lua_renew,
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
	[SCRIPT_TREND] = lua_trend,
	[SCRIPT_HOSTS] = lua_hosts,
	[SCRIPT_ADMIN_LIST] = lua_admin_list,
};

struct store *
store_new(const struct thumbq_conf *conf)
{
	struct store *st = xcalloc(1, sizeof *st);

	st->conf = conf;
	st->r = redis_new(conf, store_scripts, SCRIPT_COUNT);
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	redis_free(st->r);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return redis_error(st->r);
}

const char *
store_primary(const struct store *st, const char **from)
{
	return redis_primary(st->r, from);
}

int
store_ping(struct store *st)
{
	redisReply *reply;

	redis_begin(st->r, "PING");
	if ((reply = redis_run(st->r)) == NULL)
		return -1;
	freeReplyObject(reply);
	return 0;
}

void
store_begin_script(struct store *st, enum store_script which)
{
	redis_begin_script(st->r, which);
	redis_arg_str(st->r, st->conf->redis_prefix);
}

/* A job's key holds its id in braces: a hash tag, so that on a Redis
 * Cluster a job's keys would share a slot. */
void
store_arg_key(struct store *st, const char *family, const char *name)
{
	const char *p = st->conf->redis_prefix;

	if (name == NULL)
		redis_arg_fmt(st->r, "%s%s", p, family);
	else if (strcmp(family, "job") == 0)
		redis_arg_fmt(st->r, "%sjob:{%s}", p, name);
	else
		redis_arg_fmt(st->r, "%s%s:%s", p, family, name);
}

long long
store_run_int(struct store *st)
{
	long long n;

	return redis_run_int(st->r, &n) == 0 ? n : -1;
}

enum store_result
store_verdict(long long n)
{
	return n == 1 ? STORE_OK : n == 0 ? STORE_STALE : STORE_ERROR;
}

int
store_block_on(struct store *st, const char *family, const char *name,
    unsigned timeout_s)
{
	redisReply *r;
	int woken;

	redis_begin(st->r, "BLPOP");
	store_arg_key(st, family, name);
	redis_arg_u64(st->r, timeout_s);
	if ((r = redis_run_blocking(st->r, timeout_s)) == NULL)
		return -1;
	woken = r->type != REDIS_REPLY_NIL;
	freeReplyObject(r);
	return woken;
}
