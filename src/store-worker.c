/* store-worker.c: a worker child's side: claim a job, wait for one, renew
 * its lease, record its result or its retry (see store.h; scripts
 * claim.lua, renew.lua, finish.lua, retry.lua).  wid names one child
 * uniquely across all hosts. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "store-int.h"

enum store_result
store_claim(struct store *st, const char *wid, unsigned lease_ms, int busy,
    struct job *job)
{
	enum store_result rc = STORE_ERROR;
	char file[ID_LEN + 1];
	redisReply *r;

	/* The name of the thumbnail file, if this is the job's first claim:
	 * random, so that it tells nothing of the job (see storage.h). */
	if (id_generate(file) == -1) {
		redis_errorf(st->r, "getrandom: %s", strerror(errno));
		return STORE_ERROR;
	}
	store_begin_script(st, SCRIPT_CLAIM);
	redis_arg_str(st->r, wid);
	redis_arg_u64(st->r, lease_ms);
	redis_arg_str(st->r, file);
	redis_arg_str(st->r, busy ? "1" : "0");
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL)
		rc = STORE_NOTFOUND;
	else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
		rc = STORE_LEFT;
	else if (store_parse_job(st, r, job) == 0)
		rc = STORE_OK;
	freeReplyObject(r);
	return rc;
}

int
store_wait(struct store *st, unsigned timeout_s)
{
	return store_block_on(st, "wake", NULL, timeout_s);
}

void
store_rewake(struct store *st)
{
	redisReply *r;

	redis_begin(st->r, "LPUSH");
	store_arg_key(st, "wake", NULL);
	redis_arg_str(st->r, "1");
	if ((r = redis_run(st->r)) != NULL)
		freeReplyObject(r);
}

int
store_interactive_pending(struct store *st)
{
	long long n;

	/* An empty list does not exist in Redis: one EXISTS answers for
	 * both, in one round trip. */
	redis_begin(st->r, "EXISTS");
	store_arg_key(st, "pending", "high");
	store_arg_key(st, "pending", "normal");
	n = store_run_int(st);
	return n < 0 ? -1 : n > 0;
}

/* The job ends, completed or failed, if wid still holds its lease. */
static enum store_result
store_finish(struct store *st, const char *wid, const struct job *job,
    enum job_status status)
{
	store_begin_script(st, SCRIPT_FINISH);
	redis_arg_str(st->r, job->id);
	redis_arg_str(st->r, wid);
	redis_arg_str(st->r, job_status_name(status));
	redis_arg_u64(st->r, job->fetched_bytes);
	/* The failure's code, for the counter of failures by code. */
	if (status == JOB_COMPLETED)
		redis_arg_str(st->r, "");
	else
		redis_arg_str(st->r, job->error_code ? job->error_code :
		    "unknown");
	store_arg_result(st, job, status);
	return store_verdict(store_run_int(st));
}

enum store_result
store_complete(struct store *st, const char *wid, const struct job *job)
{
	return store_finish(st, wid, job, JOB_COMPLETED);
}

enum store_result
store_fail(struct store *st, const char *wid, const struct job *job)
{
	return store_finish(st, wid, job, JOB_FAILED);
}

enum store_result
store_retry(struct store *st, const char *wid, const struct job *job,
    unsigned delay_ms)
{
	store_begin_script(st, SCRIPT_RETRY);
	redis_arg_str(st->r, job->id);
	redis_arg_str(st->r, wid);
	redis_arg_u64(st->r, delay_ms);
	redis_arg_str(st->r, job->error_code ? job->error_code : "unknown");
	redis_arg_str(st->r, job->error_message ? job->error_message : "");
	redis_arg_u64(st->r, job->fetched_bytes);
	return store_verdict(store_run_int(st));
}

enum store_result
store_retry_outage(struct store *st, const char *wid, const struct job *job,
    unsigned base_ms, unsigned max_ms, unsigned long long limit_ms,
    unsigned *delay_ms)
{
	long long n;

	*delay_ms = 0;
	store_begin_script(st, SCRIPT_RETRY);
	redis_arg_str(st->r, job->id);
	redis_arg_str(st->r, wid);
	redis_arg_u64(st->r, base_ms > 0 ? base_ms : 1);
	redis_arg_str(st->r, job->error_code ? job->error_code : "unknown");
	redis_arg_str(st->r, job->error_message ? job->error_message : "");
	redis_arg_u64(st->r, job->fetched_bytes);
	redis_arg_u64(st->r, limit_ms > 0 ? limit_ms : 1);
	redis_arg_u64(st->r, max_ms > 0 ? max_ms : 1);
	/* The delay (>= 1), 0 for a lost lease, -2 past the limit. */
	n = store_run_int(st);
	if (n == -2)
		return STORE_OK;
	if (n == 0)
		return STORE_STALE;
	if (n < 0)
		return STORE_ERROR;
	*delay_ms = n > UINT_MAX ? UINT_MAX : (unsigned)n;
	return STORE_OK;
}

enum store_result
store_renew_lease(struct store *st, const char *id, const char *wid,
    unsigned attempts, unsigned lease_ms)
{
	store_begin_script(st, SCRIPT_RENEW);
	redis_arg_str(st->r, id);
	redis_arg_str(st->r, wid);
	redis_arg_u64(st->r, attempts);
	redis_arg_u64(st->r, lease_ms);
	return store_verdict(store_run_int(st));
}
