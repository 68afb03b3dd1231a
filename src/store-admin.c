/* store-admin.c: the operator's queries of the store (see store.h): the
 * trend of the last minutes, what every host's children are doing, and
 * pages of jobs by status and error code.  Each is one script (src/lua/),
 * whose reply is checked like any input before it is used. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "id.h"
#include "store.h"
#include "store-int.h"

/* Entries of a set one page walks at most, whatever it finds. */
#define STORE_LIST_BUDGET "1000"
/* Jobs shown per child: its download threads and the one it thumbnails. */
#define STORE_HOSTS_CLAIMS "64"
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

/* Adds one field of a minute's trend hash to m; fields it does not know
 * are skipped (a newer version may write more). */
static void
store_trend_field(struct store_trend_minute *m, const redisReply *f,
    const redisReply *v)
{
	unsigned long long n, lo, hi;
	const char *dash;
	double le;

	if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
	    store_parse_ull(v->str, v->len, 1ULL << 62, &n) == -1)
		return;
	if (strcmp(f->str, "completed") == 0) {
		m->completed = n;
	} else if (strcmp(f->str, "failed") == 0) {
		m->failed = n;
	} else if (strcmp(f->str, "cancelled") == 0) {
		m->cancelled = n;
	} else if (strncmp(f->str, "ms:", 3) == 0 &&
	    m->nbuckets < STORE_TREND_MAX_BUCKETS &&
	    (dash = strchr(f->str + 3, '-')) != NULL &&
	    store_parse_ull(f->str + 3, (size_t)(dash - f->str - 3),
	    STORE_TREND_MAX_MS, &lo) == 0) {
		size_t i;

		if (strcmp(dash + 1, "+Inf") == 0)
			le = HUGE_VAL;
		else if (store_parse_ull(dash + 1, strlen(dash + 1),
		    STORE_TREND_MAX_MS, &hi) == 0 && hi > lo)
			le = (double)hi;
		else
			return;
		/* Kept in order of le: HGETALL gives them in any order. */
		i = m->nbuckets;
		for (; i > 0 && m->buckets[i - 1].le_ms > le; i--)
			m->buckets[i] = m->buckets[i - 1];
		m->buckets[i].ge_ms = (double)lo;
		m->buckets[i].le_ms = le;
		m->buckets[i].n = n;
		m->nbuckets++;
	}
}

enum store_result
store_trend(struct store *st, unsigned minutes, struct store_trend_minute *out,
    long long *now_ms)
{
	char sminutes[16];
	const char *args[1] = { sminutes };
	enum store_result rc = STORE_ERROR;
	long long first;
	redisReply *r;

	if (minutes == 0 || minutes > STORE_TREND_MAX_MINUTES)
		abort();	/* a programming error, not an input */
	snprintf(sminutes, sizeof sminutes, "%u", minutes);
	r = store_script(st, SCRIPT_TREND, 1, args);
	if (r == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 + (size_t)minutes ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER) {
		snprintf(st->err, sizeof st->err,
		    "redis: malformed trend reply");
		goto out;
	}
	*now_ms = r->element[0]->integer;
	first = r->element[1]->integer;
	for (unsigned i = 0; i < minutes; i++) {
		const redisReply *h = r->element[2 + i];

		memset(&out[i], 0, sizeof out[i]);
		out[i].start_ms = (first + i) * 60000;
		if (h->type != REDIS_REPLY_ARRAY || h->elements % 2 != 0) {
			snprintf(st->err, sizeof st->err,
			    "redis: malformed trend reply");
			goto out;
		}
		for (size_t k = 0; k < h->elements; k += 2)
			store_trend_field(&out[i], h->element[k],
			    h->element[k + 1]);
	}
	rc = STORE_OK;
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
store_hosts(struct store *st, long long *now_ms, store_child_cb *cb, void *arg)
{
	char live[16];
	const char *args[2] = { live, STORE_HOSTS_CLAIMS };
	redisReply *r;
	long n = -1;

	snprintf(live, sizeof live, "%u", STORE_MASTER_STALE_MS);
	r = store_script(st, SCRIPT_HOSTS, 2, args);
	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (r->elements - 1) % 6 != 0 ||
	    r->elements > 1 + 6 * STORE_HOSTS_MAX_ROWS ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		snprintf(st->err, sizeof st->err,
		    "redis: malformed hosts reply");
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
	if (dash == NULL || dash - cursor >= 24 || strlen(dash + 1) != ID_LEN)
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
			if (e->type == REDIS_REPLY_STRING && e->len == ID_LEN &&
			    id_valid(e->str)) {
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
	static const char *const sets[] = { "failed", "finished", "delayed" };
	static const char *const st_of[] = { "failed", "completed", "queued" };
	char score[24], id[ID_LEN + 1], slimit[16];
	const char *args[8] = { sets[which], st_of[which],
	    code != NULL ? code : "", score, id, slimit, STORE_LIST_BUDGET,
	    idcb != NULL ? "1" : "0" };
	const char *nscore, *nid;
	redisReply *r;
	long n = -1;

	next[0] = '\0';
	store_cursor_split(cursor, score, id);
	snprintf(slimit, sizeof slimit, "%u", limit);
	r = store_script(st, SCRIPT_ADMIN_LIST, 8, args);
	if (r == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->elements > 2 + (size_t)limit ||
	    (nscore = store_admin_str(r->element[0])) == NULL ||
	    (nid = store_admin_str(r->element[1])) == NULL ||
	    strlen(nscore) >= 24 || (nid[0] != '\0' && !id_valid(nid))) {
		snprintf(st->err, sizeof st->err, "redis: malformed job list");
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
	const char *args[STORE_MAX_BATCH];

	if (n > STORE_MAX_BATCH)
		abort();	/* a programming error, not an input */
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		args[i] = ids[i];
	return (long)store_script_int(st, SCRIPT_REQUEUE_FAILED, (int)n, args);
}
