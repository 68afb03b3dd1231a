/* store-admin.c: what the operator reads and does (thumbqctl, /v1/health,
 * /v1/metrics, the console through src/admin.c): the figures, the failed
 * jobs, requeueing, purging old records, the trend of the last minutes,
 * what every host's children are doing, and pages of jobs by status and
 * error code (see store.h; scripts stats.lua, requeue-failed.lua,
 * purge.lua, trend.lua, hosts.lua, admin-list.lua).  The expiry sweep of
 * thumbqd purges too.  Each reply is checked like any input before it is
 * used. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

/* The figures of stats.lua: pending, processing, retrying, live hosts,
 * their children, pending per priority (high, normal, low), then the
 * counters as field/value pairs. */
#define STORE_STATS_FIGURES (9 + JOB_NPRIORITIES)

/* The counters after the figures; a pair that is not a counter (not a
 * name we can hold with a decimal) is skipped, not fatal. */
static void
store_stats_counters(const redisReply *r, struct store_stats *out)
{
	for (size_t i = STORE_STATS_FIGURES; i < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];
		unsigned long long n;

		if (f->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    f->len >= sizeof out->counters[0].name ||
		    redis_parse_ull(v->str, v->len, 1ULL << 62, &n) == -1)
			continue;
		memcpy(out->counters[out->ncounters].name, f->str, f->len + 1);
		out->counters[out->ncounters].value = n;
		out->ncounters++;
	}
}

enum store_result
store_stats(struct store *st, struct store_stats *out)
{
	enum store_result rc = STORE_ERROR;
	redisReply *r;

	memset(out, 0, sizeof *out);
	store_begin_script(st, SCRIPT_STATS);
	redis_arg_u64(st->r, STORE_HOST_STALE_MS);
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY ||
	    r->elements < STORE_STATS_FIGURES ||
	    (r->elements - STORE_STATS_FIGURES) % 2 != 0 ||
	    r->elements > STORE_STATS_FIGURES + 2 * STORE_MAX_COUNTERS) {
		redis_errorf(st->r, "redis: malformed stats reply");
		goto out;
	}
	out->pending = redis_elem_int(r->element[0]);
	out->processing = redis_elem_int(r->element[1]);
	out->retrying = redis_elem_int(r->element[2]);
	out->hosts = redis_elem_int(r->element[3]);
	out->children = redis_elem_int(r->element[4]);
	for (int i = 0; i < JOB_NPRIORITIES; i++)
		out->pending_by_priority[i] = redis_elem_int(r->element[5 + i]);
	out->now_ms = redis_elem_int(r->element[5 + JOB_NPRIORITIES]);
	out->storage_failing_hosts =
	    redis_elem_int(r->element[6 + JOB_NPRIORITIES]);
	out->storage_failing_since_ms =
	    redis_elem_int(r->element[7 + JOB_NPRIORITIES]);
	out->oldest_pending_ms =
	    redis_elem_int(r->element[8 + JOB_NPRIORITIES]);
	store_stats_counters(r, out);
	rc = STORE_OK;
out:
	freeReplyObject(r);
	return rc;
}

int
store_write_probe(struct store *st)
{
	redisReply *r;

	redis_begin(st->r, "SET");
	store_arg_key(st, "health_probe", NULL);
	redis_arg_str(st->r, "1");
	redis_arg_str(st->r, "PX");
	redis_arg_str(st->r, "10000");
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

long
store_list_failed(struct store *st, unsigned limit, store_id_cb *cb,
    void *arg)
{
	redisReply *r;
	long n = 0;

	if (limit == 0)
		return 0;
	redis_begin(st->r, "ZREVRANGE");
	store_arg_key(st, "failed", NULL);
	redis_arg_str(st->r, "0");
	redis_arg_u64(st->r, limit - 1);
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < r->elements; i++) {
			const redisReply *e = r->element[i];

			if (e->type == REDIS_REPLY_STRING && e->len == ID_LEN) {
				cb(e->str, arg);
				n++;
			}
		}
	}
	freeReplyObject(r);
	return n;
}

enum store_result
store_requeue_failed(struct store *st, const char *id)
{
	long long n;

	store_begin_script(st, SCRIPT_REQUEUE_FAILED);
	redis_arg_str(st->r, id);
	n = store_run_int(st);
	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERROR;
}

/* One batch of purge.lua: id, path pairs to cb.  How many, or -1. */
static long
store_purge_batch(struct store *st, long long cutoff_ms, store_purge_cb *cb,
    void *arg)
{
	redisReply *r;
	long n;

	store_begin_script(st, SCRIPT_PURGE);
	redis_arg_i64(st->r, cutoff_ms);
	redis_arg_u64(st->r, STORE_BATCH);
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		redis_errorf(st->r, "redis: malformed purge reply");
		freeReplyObject(r);
		return -1;
	}
	for (size_t i = 0; i < r->elements; i += 2) {
		const redisReply *id = r->element[i], *path = r->element[i + 1];

		if (id->type == REDIS_REPLY_STRING &&
		    path->type == REDIS_REPLY_STRING)
			cb(id->str, path->str, arg);
	}
	n = (long)(r->elements / 2);
	freeReplyObject(r);
	return n;
}

long
store_purge(struct store *st, long long cutoff_ms, long max,
    store_purge_cb *cb, void *arg)
{
	long total = 0, n;

	while (total < max) {
		if ((n = store_purge_batch(st, cutoff_ms, cb, arg)) == -1)
			return -1;
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* ------------------------------------------------- the console's queries */

/* Entries of a set one page walks at most, whatever it finds. */
#define STORE_LIST_BUDGET 1000
/* Jobs shown per child: its download threads and the one it thumbnails. */
#define STORE_HOSTS_CLAIMS 64
/* A bucket's bound in ms: more is not ours. */
#define STORE_TREND_MAX_MS (1ULL << 40)
/* Rows of the hosts reply: 64 hosts of 256 children with 64 jobs each
 * would be more; this is what the console can show anyway. */
#define STORE_HOSTS_MAX_ROWS 4096

/* A string or integer reply element as a time in ms; 0 if neither. */
static long long
store_admin_ms(const redisReply *e)
{
	if (e->type == REDIS_REPLY_INTEGER)
		return e->integer > 0 ? e->integer : 0;
	return store_elem_ms(e);
}

/* A bucket's field, "ms:LOW-HIGH" (HIGH "+Inf" for the last), into m in
 * order of its upper end (HGETALL gives them in any order). */
static void
store_trend_bucket(struct store_trend_minute *m, const char *name,
    unsigned long long n)
{
	unsigned long long lo, hi;
	const char *dash;
	double le;
	size_t i;

	if (m->nbuckets >= STORE_TREND_MAX_BUCKETS ||
	    (dash = strchr(name, '-')) == NULL ||
	    redis_parse_ull(name, (size_t)(dash - name), STORE_TREND_MAX_MS,
	    &lo) == -1)
		return;
	if (strcmp(dash + 1, "+Inf") == 0)
		le = HUGE_VAL;
	else if (redis_parse_ull(dash + 1, strlen(dash + 1),
	    STORE_TREND_MAX_MS, &hi) == 0 && hi > lo)
		le = (double)hi;
	else
		return;
	for (i = m->nbuckets; i > 0 && m->buckets[i - 1].le_ms > le; i--)
		m->buckets[i] = m->buckets[i - 1];
	m->buckets[i].ge_ms = (double)lo;
	m->buckets[i].le_ms = le;
	m->buckets[i].n = n;
	m->nbuckets++;
}

/* Adds one field of a minute's trend hash to m; fields it does not know
 * are skipped (a newer version may write more). */
static void
store_trend_field(struct store_trend_minute *m, const redisReply *f,
    const redisReply *v)
{
	unsigned long long n;

	if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
	    redis_parse_ull(v->str, v->len, 1ULL << 62, &n) == -1)
		return;
	if (strcmp(f->str, "completed") == 0)
		m->completed = n;
	else if (strcmp(f->str, "failed") == 0)
		m->failed = n;
	else if (strcmp(f->str, "cancelled") == 0)
		m->cancelled = n;
	else if (strncmp(f->str, "ms:", 3) == 0)
		store_trend_bucket(m, f->str + 3, n);
}

enum store_result
store_trend(struct store *st, unsigned minutes,
    struct store_trend_minute *out, long long *now_ms)
{
	enum store_result rc = STORE_ERROR;
	long long first;
	redisReply *r;

	if (minutes == 0 || minutes > STORE_TREND_MAX_MINUTES)
		abort();	/* a programming error, not an input */
	store_begin_script(st, SCRIPT_TREND);
	redis_arg_u64(st->r, minutes);
	if ((r = redis_run(st->r)) == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 + (size_t)minutes ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER)
		goto bad;
	*now_ms = r->element[0]->integer;
	first = r->element[1]->integer;
	for (unsigned i = 0; i < minutes; i++) {
		const redisReply *h = r->element[2 + i];

		memset(&out[i], 0, sizeof out[i]);
		out[i].start_ms = (first + i) * 60000;
		if (h->type != REDIS_REPLY_ARRAY || h->elements % 2 != 0)
			goto bad;
		for (size_t k = 0; k < h->elements; k += 2)
			store_trend_field(&out[i], h->element[k],
			    h->element[k + 1]);
	}
	rc = STORE_OK;
	goto out;
bad:
	redis_errorf(st->r, "redis: malformed trend reply");
out:
	freeReplyObject(r);
	return rc;
}

/* The text of a string reply element, or NULL. */
static const char *
store_admin_str(const redisReply *e)
{
	return e->type == REDIS_REPLY_STRING && strlen(e->str) == e->len ?
	    e->str : NULL;
}

long
store_hosts(struct store *st, long long *now_ms, store_child_cb *cb,
    void *arg)
{
	redisReply *r;
	long n = -1;

	store_begin_script(st, SCRIPT_HOSTS);
	redis_arg_u64(st->r, STORE_HOST_STALE_MS);
	redis_arg_u64(st->r, STORE_HOSTS_CLAIMS);
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (r->elements - 1) % 6 != 0 ||
	    r->elements > 1 + 6 * STORE_HOSTS_MAX_ROWS ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		redis_errorf(st->r, "redis: malformed hosts reply");
		goto out;
	}
	*now_ms = r->element[0]->integer;
	n = 0;
	for (size_t i = 1; i < r->elements; i += 6) {
		struct store_child_row row;

		row.host = store_admin_str(r->element[i]);
		row.seen_ms = store_admin_ms(r->element[i + 1]);
		row.child = store_admin_str(r->element[i + 2]);
		row.job = store_admin_str(r->element[i + 3]);
		row.phase = store_admin_str(r->element[i + 4]);
		row.claimed_ms = store_admin_ms(r->element[i + 5]);
		if (row.host == NULL || row.child == NULL || row.job == NULL ||
		    row.phase == NULL ||
		    (row.job[0] != '\0' && !id_valid(row.job)))
			continue;	/* not ours: skip, don't fail */
		cb(&row, arg);
		n++;
	}
out:
	freeReplyObject(r);
	return n;
}

/* Splits a cursor "SCORE-ID" into the script's two arguments. */
static void
store_cursor_split(const char *cursor, char score[24], char id[ID_LEN + 1])
{
	const char *dash = strchr(cursor, '-');

	score[0] = id[0] = '\0';
	if (dash == NULL || dash - cursor >= 24 ||
	    strlen(dash + 1) != ID_LEN)
		return;
	memcpy(score, cursor, (size_t)(dash - cursor));
	score[dash - cursor] = '\0';
	memcpy(id, dash + 1, ID_LEN + 1);
}

/* Calls the page's callback with each job of a list reply, from element 2
 * on; returns how many, or -1 for a malformed record. */
static long
store_list_each(struct store *st, const redisReply *r, store_job_cb *cb,
    store_id_cb *idcb, void *arg)
{
	long n = 0;

	for (size_t i = 2; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		struct job job;

		if (idcb != NULL) {
			if (e->type == REDIS_REPLY_STRING &&
			    e->len == ID_LEN && id_valid(e->str)) {
				idcb(e->str, arg);
				n++;
			}
			continue;
		}
		/* Expired between two commands of the script. */
		if (e->type == REDIS_REPLY_ARRAY && e->elements == 0)
			continue;
		if (store_parse_job(st, e, &job) == -1)
			return -1;
		cb(&job, arg);
		job_free(&job);
		n++;
	}
	return n;
}

long
store_list_jobs(struct store *st, enum store_list which, const char *code,
    const char *cursor, unsigned limit, char next[STORE_CURSOR_MAX],
    store_job_cb *cb, store_id_cb *idcb, void *arg)
{
	/* The sorted set of each list, and the status its jobs have. */
	static const char *const sets[] = { "failed", "finished", "retrying" };
	static const char *const st_of[] = { "failed", "completed", "queued" };
	char score[24], id[ID_LEN + 1];
	const char *nscore, *nid;
	redisReply *r;
	long n = -1;

	next[0] = '\0';
	store_cursor_split(cursor, score, id);
	store_begin_script(st, SCRIPT_ADMIN_LIST);
	redis_arg_str(st->r, sets[which]);
	redis_arg_str(st->r, st_of[which]);
	redis_arg_str(st->r, code != NULL ? code : "");
	redis_arg_str(st->r, score);
	redis_arg_str(st->r, id);
	redis_arg_u64(st->r, limit);
	redis_arg_u64(st->r, STORE_LIST_BUDGET);
	redis_arg_str(st->r, idcb != NULL ? "1" : "0");
	if ((r = redis_run(st->r)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->elements > 2 + (size_t)limit ||
	    (nscore = store_admin_str(r->element[0])) == NULL ||
	    (nid = store_admin_str(r->element[1])) == NULL ||
	    strlen(nscore) >= 24 || (nid[0] != '\0' && !id_valid(nid))) {
		redis_errorf(st->r, "redis: malformed job list");
		goto out;
	}
	if (nid[0] != '\0')
		snprintf(next, STORE_CURSOR_MAX, "%s-%s", nscore, nid);
	n = store_list_each(st, r, cb, idcb, arg);
out:
	freeReplyObject(r);
	return n;
}

long
store_requeue_ids(struct store *st, char (*ids)[ID_LEN + 1], size_t n)
{
	if (n > STORE_MAX_BATCH)
		abort();	/* a programming error, not an input */
	if (n == 0)
		return 0;
	store_begin_script(st, SCRIPT_REQUEUE_FAILED);
	for (size_t i = 0; i < n; i++)
		redis_arg_str(st->r, ids[i]);
	return (long)store_run_int(st);
}
