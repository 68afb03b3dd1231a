/* store-auth.c: API keys and rate limits: the gate before each API request,
 * a batch's further tokens, and the keys thumbqctl makes, lists and
 * revokes (see store.h; scripts auth.lua, apikey.lua). */
#include "config.h"

#include <string.h>

#include "store-int.h"

/* Fills out from the auth script's answer (see auth.lua). */
static enum store_result
store_auth_reply(struct store *st, redisReply *r,
    struct store_auth_result *out)
{
	enum store_result rc = STORE_ERROR;

	if (r == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 7 ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[1]->len >= sizeof out->key_id) {
		redis_errorf(st->r, "redis: malformed auth reply");
		goto out;
	}
	out->known = redis_elem_int(r->element[0]) == 1;
	memcpy(out->key_id, r->element[1]->str, r->element[1]->len + 1);
	out->allowed = redis_elem_int(r->element[2]) == 1;
	out->remaining = redis_elem_int(r->element[3]);
	out->retry_after_ms = redis_elem_int(r->element[4]);
	out->reset_s = redis_elem_int(r->element[5]);
	out->admin = redis_elem_int(r->element[6]) == 1;
	rc = STORE_OK;
out:
	freeReplyObject(r);
	return rc;
}

/* One call of auth.lua: see its ARGV. */
static enum store_result
store_auth_call(struct store *st, const char *key_hash, const char *subject,
    unsigned rate, unsigned burst, unsigned cost, unsigned paid,
    struct store_auth_result *out)
{
	memset(out, 0, sizeof *out);
	store_begin_script(st, SCRIPT_AUTH);
	redis_arg_str(st->r, key_hash);
	redis_arg_str(st->r, subject);
	redis_arg_u64(st->r, rate);
	redis_arg_u64(st->r, burst);
	redis_arg_u64(st->r, cost);
	redis_arg_u64(st->r, paid);
	return store_auth_reply(st, redis_run(st->r), out);
}

enum store_result
store_auth(struct store *st, const char *key_hash, const char *client,
    unsigned rate, unsigned burst, struct store_auth_result *out)
{
	return store_auth_call(st, key_hash ? key_hash : "", client, rate,
	    burst, 1, 0, out);
}

enum store_result
store_ratelimit_charge(struct store *st, const char *subject, unsigned rate,
    unsigned burst, unsigned cost, unsigned paid,
    struct store_auth_result *out)
{
	return store_auth_call(st, "", subject, rate, burst, cost, paid, out);
}

enum store_result
store_apikey_create(struct store *st, const char *key_hash, const char *name,
    const char *id, const char *secret, int admin)
{
	long long n;

	store_begin_script(st, SCRIPT_APIKEY);
	redis_arg_str(st->r, "create");
	redis_arg_str(st->r, key_hash);
	redis_arg_str(st->r, name);
	redis_arg_str(st->r, id);
	redis_arg_str(st->r, secret);
	redis_arg_str(st->r, admin ? "1" : "0");
	n = store_run_int(st);
	if (n == 2)
		redis_errorf(st->r,
		    "key id %s was given out before: try again", id);
	return n == 1 ? STORE_OK : n == 0 ? STORE_STALE : STORE_ERROR;
}

enum store_result
store_apikey_revoke(struct store *st, const char *name)
{
	long long n;

	store_begin_script(st, SCRIPT_APIKEY);
	redis_arg_str(st->r, "revoke");
	redis_arg_str(st->r, name);
	n = store_run_int(st);
	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERROR;
}

long
store_apikey_list(struct store *st, store_apikey_cb *cb, void *arg)
{
	redisReply *r;
	long n = 0;

	store_begin_script(st, SCRIPT_APIKEY);
	redis_arg_str(st->r, "list");
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 5 != 0) {
		redis_errorf(st->r, "redis: malformed key list");
		freeReplyObject(r);
		return -1;
	}
	/* name, id, created, last_used, admin ('1' or '0') */
	for (size_t i = 0; i < r->elements; i += 5) {
		redisReply **e = r->element + i;

		if (e[0]->type != REDIS_REPLY_STRING ||
		    e[1]->type != REDIS_REPLY_STRING)
			continue;
		cb(e[0]->str, e[1]->str, store_elem_ms(e[2]),
		    store_elem_ms(e[3]), e[4]->type == REDIS_REPLY_STRING &&
		    strcmp(e[4]->str, "1") == 0, arg);
		n++;
	}
	freeReplyObject(r);
	return n;
}

enum store_result
store_apikey_secret(struct store *st, const char *id, char *out, size_t size)
{
	enum store_result rc = STORE_ERROR;
	redisReply *r;

	out[0] = '\0';
	redis_begin(st->r, "HGET");
	store_arg_key(st, "apikey_id", id);
	redis_arg_str(st->r, "secret");
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
	} else if (r->type == REDIS_REPLY_STRING && r->len > 0 &&
	    r->len < size && strlen(r->str) == r->len) {
		memcpy(out, r->str, r->len + 1);
		rc = STORE_OK;
	} else {
		redis_errorf(st->r,
		    "redis: malformed webhook secret of key %.64s", id);
	}
	freeReplyObject(r);
	return rc;
}
