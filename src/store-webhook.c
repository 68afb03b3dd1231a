/* store-webhook.c: the couriers' side: take deliveries from the lanes,
 * wait for some, record each attempt, put back what a dead courier held
 * (see store.h; scripts webhook-claim.lua, webhook-done.lua,
 * courier-recover.lua, and lib.lua for the lanes). */
#include "config.h"

#include <string.h>

#include "store-int.h"

/* One delivery of a claim reply: {owner, host, job fields}.  The owner is
 * a SHA1 in hex, the host at most 255 bytes (lib.lua makes longer ones a
 * SHA1): anything else is not ours. */
static int
store_parse_delivery(struct store *st, const redisReply *e, struct job *job,
    char *owner, char *host)
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

/* The claim's arguments: see webhook-claim.lua. */
static void
store_arg_take(struct store *st, const char *courier_id,
    const struct store_webhook_take *t)
{
	store_begin_script(st, SCRIPT_WEBHOOK_CLAIM);
	redis_arg_str(st->r, courier_id);
	redis_arg_str(st->r, t->family);
	redis_arg_u64(st->r, t->max);
	redis_arg_u64(st->r, t->owner_max);
	redis_arg_u64(st->r, t->host_max);
	redis_arg_u64(st->r, t->nhosts);
	for (size_t i = 0; i < t->nhosts; i++) {
		redis_arg_str(st->r, t->hosts[i]);
		redis_arg_u64(st->r, t->host_n[i]);
	}
	for (size_t i = 0; i < t->nowners; i++) {
		redis_arg_str(st->r, t->owners[i]);
		redis_arg_u64(st->r, t->owner_n[i]);
	}
}

long
store_webhook_claim(struct store *st, const char *courier_id,
    const struct store_webhook_take *t, store_webhook_cb *cb, void *arg)
{
	char owner[STORE_OWNER_LEN + 1], host[STORE_HOST_MAX];
	redisReply *r;
	long taken = -1;

	store_arg_take(st, courier_id, t);
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements > t->max) {
		redis_errorf(st->r, "redis: malformed webhook claim reply");
		goto out;
	}
	for (taken = 0; (size_t)taken < r->elements; taken++) {
		struct job job;

		if (store_parse_delivery(st, r->element[taken], &job, owner,
		    host) == -1) {
			redis_errorf(st->r,
			    "redis: malformed delivery in a claim");
			/* The rest stay in our list: recovered. */
			taken = -1;
			goto out;
		}
		cb(&job, owner, host, arg);
	}
out:
	freeReplyObject(r);
	return taken;
}

int
store_webhook_wait(struct store *st, unsigned timeout_s)
{
	return store_block_on(st, "webhooks", "wake", timeout_s);
}

long
store_webhook_done(struct store *st, const char *courier_id, const char *id,
    int delivered, unsigned delay_ms, unsigned max_attempts, long http_status)
{
	store_begin_script(st, SCRIPT_WEBHOOK_DONE);
	redis_arg_str(st->r, courier_id);
	redis_arg_str(st->r, id);
	redis_arg_str(st->r, delivered ? "1" : "0");
	redis_arg_u64(st->r, delay_ms);
	redis_arg_u64(st->r, max_attempts);
	redis_arg_i64(st->r, http_status);
	return (long)store_run_int(st);
}

long
store_courier_recover(struct store *st, const char *courier_id)
{
	store_begin_script(st, SCRIPT_COURIER_RECOVER);
	redis_arg_str(st->r, courier_id);
	return (long)store_run_int(st);
}
