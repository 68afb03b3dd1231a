/* store-job.c: the API's jobs and batches: create, read, delete (see
 * store.h; scripts create.lua, batch-create.lua, batch-get.lua,
 * cancel.lua). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* What a job and a batch of jobs are made with, after the ids and URLs:
 * options, the record's lifetime, dedupe, priority, webhook, owner,
 * variants, placeholder.  The record outlives the expiry sweep's deadline
 * by a day, so that the sweep still finds the thumbnail's path in it. */
struct store_making {
	const struct image_request *opts;
	const struct image_request *variants;
	size_t nvariants;
	int placeholder;
	enum job_priority priority;
	const char *callback_url;
	const char *owner;
};

static void
store_arg_making(struct store *st, const struct store_making *m,
    unsigned ttl, unsigned dedupe_ttl)
{
	store_arg_opts(st, m->opts);
	redis_arg_u64(st->r, ttl ? (unsigned long long)ttl + 86400 : 0);
	redis_arg_u64(st->r, dedupe_ttl);
	redis_arg_str(st->r, job_priority_name(m->priority));
	redis_arg_str(st->r, m->callback_url ? m->callback_url : "");
	redis_arg_str(st->r, m->owner ? m->owner : "");
	store_arg_variants(st, m->variants, m->nvariants);
	redis_arg_str(st->r, m->placeholder ? "1" : "");
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
	    r->element[0]->integer <= 0 ||
	    r->element[0]->integer > (long long)1 << 62)
		return -1;
	job->status = JOB_QUEUED;
	job->attempts = 0;
	job->created_ms = job->updated_ms = r->element[0]->integer;
	return 0;
}

enum store_result
store_job_create(struct store *st, struct job *job, unsigned ttl,
    unsigned dedupe_ttl)
{
	struct image_request variants[JOB_MAX_VARIANTS];
	struct store_making m = { &job->opts, variants, job->nvariants,
	    job->placeholder, job->priority, job->callback_url, job->owner };
	struct job made;
	redisReply *r;
	int rc;

	if (job->nvariants > JOB_MAX_VARIANTS)
		return STORE_ERROR;
	for (size_t i = 0; i < job->nvariants; i++)
		variants[i] = job->variants[i].opts;
	store_begin_script(st, SCRIPT_CREATE);
	redis_arg_str(st->r, job->id);
	redis_arg_str(st->r, job->url);
	store_arg_making(st, &m, ttl, dedupe_ttl);
	redis_arg_str(st->r, st->conf->redis_min_replicas > 0 ? "1" : "");
	if ((r = redis_run(st->r)) == NULL)
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

/* WAIT on the connection that wrote the job, then, once enough replicas
 * hold it, the mark that made it the answer to a retry goes (create.lua):
 * an identical request after this one is dedupe's as usual.  That HDEL
 * is not waited for: lost in a failover, it only leaves the mark. */
enum store_result
store_job_replicated(struct store *st, const char *id)
{
	unsigned n = st->conf->redis_min_replicas;
	unsigned ms = st->conf->redis_min_replicas_timeout_ms;
	long long acked;
	redisReply *r;

	if (n == 0)
		return STORE_OK;
	if (redis_wait_replicas(st->r, n, ms, &acked) == -1)
		return STORE_ERROR;
	if (acked < (long long)n) {
		redis_errorf(st->r, "redis: %lld of redis_min_replicas = %u "
		    "replicas confirmed the write within %u ms", acked, n, ms);
		return STORE_ERROR;
	}
	if (id == NULL)
		return STORE_OK;
	redis_begin(st->r, "HDEL");
	store_arg_key(st, "job", id);
	redis_arg_str(st->r, "unconfirmed");
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	freeReplyObject(r);
	return STORE_OK;
}

enum store_result
store_job_get(struct store *st, const char *id, struct job *job)
{
	enum store_result rc = STORE_ERROR;
	redisReply *r;

	redis_begin(st->r, "HGETALL");
	store_arg_key(st, "job", id);
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 0)
		rc = STORE_NOTFOUND;
	else if (store_parse_job(st, r, job) == 0)
		rc = STORE_OK;
	freeReplyObject(r);
	return rc;
}

enum store_result
store_job_delete(struct store *st, const char *id, const char *owner,
    char path[STORE_PATH_MAX])
{
	enum store_result rc = STORE_ERROR;
	redisReply *r;

	path[0] = '\0';
	store_begin_script(st, SCRIPT_CANCEL);
	redis_arg_str(st->r, id);
	redis_arg_str(st->r, owner ? owner : "");
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
	} else if (r->type == REDIS_REPLY_STRING && r->len < STORE_PATH_MAX) {
		memcpy(path, r->str, r->len + 1);
		rc = STORE_OK;
	} else {
		redis_errorf(st->r, "redis: unexpected reply to cancel");
	}
	freeReplyObject(r);
	return rc;
}

int
store_path_in_use(struct store *st, const char *path)
{
	long long n;

	redis_begin(st->r, "EXISTS");
	store_arg_key(st, "refs", path);
	if (redis_run_int(st->r, &n) == -1)
		return -1;
	return n != 0;
}

enum store_result
store_batch_create(struct store *st, const char *batch_id,
    const struct job_batch_request *req, char (*ids)[ID_LEN + 1],
    unsigned ttl, unsigned dedupe_ttl, const char *owner)
{
	struct store_making m = { &req->opts, req->variants, req->nvariants,
	    req->placeholder, req->priority, req->callback_url, owner };
	redisReply *r;

	if (req->nurls > STORE_MAX_BATCH || req->nvariants > JOB_MAX_VARIANTS)
		return STORE_ERROR;
	store_begin_script(st, SCRIPT_BATCH_CREATE);
	redis_arg_str(st->r, batch_id);
	store_arg_making(st, &m, ttl, dedupe_ttl);
	for (size_t i = 0; i < req->nurls; i++) {
		redis_arg_str(st->r, ids[i]);
		redis_arg_str(st->r, req->urls[i]);
	}
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	freeReplyObject(r);
	return STORE_OK;
}

enum store_result
store_batch_get(struct store *st, const char *batch_id, const char *owner,
    long long *created_ms, store_job_cb *cb, void *arg)
{
	enum store_result rc = STORE_ERROR;
	unsigned long long created;
	const redisReply *e;
	redisReply *r;

	store_begin_script(st, SCRIPT_BATCH_GET);
	redis_arg_str(st->r, batch_id);
	redis_arg_str(st->r, owner ? owner : "");
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		rc = STORE_NOTFOUND;
		goto out;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->elements > STORE_MAX_BATCH + 1 ||
	    (e = r->element[0])->type != REDIS_REPLY_STRING ||
	    redis_parse_ull(e->str, e->len, 1ULL << 62, &created) == -1) {
		redis_errorf(st->r, "redis: malformed batch record");
		goto out;
	}
	*created_ms = (long long)created;
	for (size_t i = 1; i < r->elements; i++) {
		struct job job;

		e = r->element[i];
		if (e->type == REDIS_REPLY_ARRAY && e->elements == 0) {
			cb(NULL, arg);	/* expired or deleted */
		} else if (store_parse_job(st, e, &job) == 0) {
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
