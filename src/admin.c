/* admin.c: what an operator does (see admin.h), over the store's queries
 * (store-admin.c and the operator side of store.c).  thumbqctl and the
 * /v1/admin/ routes both come through here, so that the console and the
 * command line cannot disagree. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "id.h"
#include "log.h"
#include "storage.h"
#include "store.h"
#include "xmalloc.h"

/* Children's rows kept at most: more than any console shows. */
#define ADMIN_MAX_CHILDREN 4096
/* Failed jobs requeued per round trip. */
#define ADMIN_REQUEUE_BATCH 100

static void
admin_copy(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
admin_child_add(const struct store_child_row *row, void *arg)
{
	struct admin_now *now = arg;
	struct admin_child *c;

	if (now->nchildren >= ADMIN_MAX_CHILDREN)
		return;
	if (now->children == NULL)
		now->children = xcalloc(ADMIN_MAX_CHILDREN,
		    sizeof *now->children);
	c = &now->children[now->nchildren++];
	admin_copy(c->host, sizeof c->host, row->host);
	admin_copy(c->child, sizeof c->child, row->child);
	admin_copy(c->job, sizeof c->job, row->job);
	admin_copy(c->phase, sizeof c->phase, row->phase);
	c->seen_ms = row->seen_ms;
	c->claimed_ms = row->claimed_ms;
}

void
admin_trend_sum(const struct store_trend_minute *m, size_t n,
    unsigned long long *completed, unsigned long long *failed,
    unsigned long long *cancelled)
{
	*completed = *failed = *cancelled = 0;
	for (size_t i = 0; i < n; i++) {
		*completed += m[i].completed;
		*failed += m[i].failed;
		*cancelled += m[i].cancelled;
	}
}

enum store_result
admin_now(struct store *st, struct admin_now *now)
{
	struct admin_trend *t = xmalloc(sizeof *t);
	enum store_result rc = STORE_ERROR;

	memset(now, 0, sizeof *now);
	if (store_stats(st, &now->stats) != STORE_OK)
		goto out;
	if (admin_trend(st, ADMIN_HOUR, t) != STORE_OK)
		goto out;
	admin_trend_sum(t->m, t->minutes, &now->completed_last_hour,
	    &now->failed_last_hour, &now->cancelled_last_hour);
	if (store_hosts(st, &now->now_ms, admin_child_add, now) < 0)
		goto out;
	rc = STORE_OK;
out:
	free(t);
	return rc;
}

void
admin_now_free(struct admin_now *now)
{
	free(now->children);
	now->children = NULL;
	now->nchildren = 0;
}

static struct json_object *
admin_int(long long v)
{
	return json_object_new_int64(v);
}

/* How many jobs ended each way, as members of o. */
static void
admin_outcomes(struct json_object *o, unsigned long long completed,
    unsigned long long failed, unsigned long long cancelled)
{
	json_object_object_add(o, "completed", admin_int((long long)completed));
	json_object_object_add(o, "failed", admin_int((long long)failed));
	json_object_object_add(o, "cancelled", admin_int((long long)cancelled));
}

/* The rows of one host, from *i on, as its "children" array; moves *i past
 * them. */
static struct json_object *
admin_host_children(const struct admin_now *now, size_t *i)
{
	struct json_object *children = json_object_new_array(), *jobs = NULL;
	const char *host = now->children[*i].host, *child = NULL;

	for (; *i < now->nchildren; (*i)++) {
		const struct admin_child *c = &now->children[*i];
		struct json_object *o, *j;

		if (strcmp(c->host, host) != 0)
			break;

		if (child == NULL || strcmp(child, c->child) != 0) {
			o = json_object_new_object();
			jobs = json_object_new_array();
			json_object_object_add(o, "id",
			    json_object_new_string(c->child));
			json_object_object_add(o, "jobs", jobs);
			json_object_array_add(children, o);
			child = c->child;
		}
		if (c->job[0] == '\0')
			continue;	/* idle: a child without jobs */
		j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_string(c->job));
		json_object_object_add(j, "phase",
		    json_object_new_string(c->phase));
		if (c->claimed_ms > 0)
			json_object_object_add(j, "for_ms",
			    admin_int(now->now_ms - c->claimed_ms));
		json_object_array_add(jobs, j);
	}
	return children;
}

struct json_object *
admin_now_json(const struct admin_now *now)
{
	const struct store_stats *s = &now->stats;
	struct json_object *o = json_object_new_object(),
	    *q = json_object_new_object();
	struct json_object *p = json_object_new_object(),
	    *h = json_object_new_object();
	struct json_object *hosts = json_object_new_array();

	json_object_object_add(o, "redis", json_object_new_string("ok"));
	json_object_object_add(p, "high",
	    admin_int(s->pending_by_priority[JOB_HIGH]));
	json_object_object_add(p, "normal",
	    admin_int(s->pending_by_priority[JOB_NORMAL]));
	json_object_object_add(p, "low",
	    admin_int(s->pending_by_priority[JOB_LOW]));
	json_object_object_add(q, "pending", admin_int(s->pending));
	json_object_object_add(q, "pending_by_priority", p);
	json_object_object_add(q, "processing", admin_int(s->processing));
	json_object_object_add(q, "retrying", admin_int(s->retrying));
	json_object_object_add(o, "queue", q);
	admin_outcomes(h, now->completed_last_hour, now->failed_last_hour,
	    now->cancelled_last_hour);
	json_object_object_add(o, "last_hour", h);
	for (size_t i = 0; i < now->nchildren;) {
		struct json_object *host = json_object_new_object();

		json_object_object_add(host, "id",
		    json_object_new_string(now->children[i].host));
		json_object_object_add(host, "seen_ms_ago",
		    admin_int(now->now_ms - now->children[i].seen_ms));
		json_object_object_add(host, "children",
		    admin_host_children(now, &i));
		json_object_array_add(hosts, host);
	}
	json_object_object_add(o, "hosts", hosts);
	return o;
}

enum store_result
admin_trend(struct store *st, unsigned minutes, struct admin_trend *t)
{
	if (minutes == 0 || minutes > STORE_TREND_MAX_MINUTES)
		return STORE_ERROR;
	t->minutes = minutes;
	return store_trend(st, minutes, t->m, &t->now_ms);
}

/* One bucket of a histogram merged over minutes. */
struct admin_bucket {
	double ge, le;
	unsigned long long n;
};

static int
admin_cmp_le(const void *a, const void *b)
{
	double x = ((const struct admin_bucket *)a)->le,
	    y = ((const struct admin_bucket *)b)->le;

	return x < y ? -1 : x > y;
}

double
admin_quantile(const struct store_trend_minute *m, size_t n, double q)
{
	struct admin_bucket all[STORE_TREND_MAX_BUCKETS * 2];
	size_t nall = 0;
	unsigned long long total = 0, cum = 0;

	/* The buckets of every minute, merged by their upper end (the same
	 * few, unless the bounds changed with a new version in the window). */
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < m[i].nbuckets; b++) {
			size_t k;

			for (k = 0; k < nall &&
			    all[k].le != m[i].buckets[b].le_ms; k++)
				;
			if (k == nall) {
				if (nall == sizeof all / sizeof all[0])
					continue;
				all[nall].ge = m[i].buckets[b].ge_ms;
				all[nall].le = m[i].buckets[b].le_ms;
				all[nall++].n = 0;
			}
			all[k].n += m[i].buckets[b].n;
			total += m[i].buckets[b].n;
		}
	}
	if (total == 0)
		return -1;
	qsort(all, nall, sizeof all[0], admin_cmp_le);
	for (size_t k = 0; k < nall; k++) {
		double rank = q * (double)total - (double)cum;

		if ((double)(cum + all[k].n) >= q * (double)total &&
		    all[k].n > 0) {
			/* The last bucket has no upper end: its lower
			 * one is all that is known. */
			if (isinf(all[k].le))
				return all[k].ge;
			return all[k].ge +
			    (all[k].le - all[k].ge) * rank / (double)all[k].n;
		}
		cum += all[k].n;
	}
	return nall > 0 ? all[nall - 1].ge : -1;
}

/* A quantile as a JSON number of ms, or null when nothing completed. */
static struct json_object *
admin_ms(const struct store_trend_minute *m, size_t n, double q)
{
	double v = admin_quantile(m, n, q);

	return v < 0 ? NULL : json_object_new_int64((long long)(v + 0.5));
}

struct json_object *
admin_trend_json(const struct admin_trend *t)
{
	struct json_object *o = json_object_new_object(),
	    *list = json_object_new_array();
	struct json_object *total = json_object_new_object();
	unsigned long long c, f, x;

	for (unsigned i = 0; i < t->minutes; i++) {
		const struct store_trend_minute *m = &t->m[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "start_ms", admin_int(m->start_ms));
		admin_outcomes(e, m->completed, m->failed, m->cancelled);
		json_object_object_add(e, "p50_ms", admin_ms(m, 1, 0.5));
		json_object_object_add(e, "p99_ms", admin_ms(m, 1, 0.99));
		json_object_array_add(list, e);
	}
	admin_trend_sum(t->m, t->minutes, &c, &f, &x);
	admin_outcomes(total, c, f, x);
	json_object_object_add(total, "p50_ms", admin_ms(t->m, t->minutes,
	    0.5));
	json_object_object_add(total, "p99_ms", admin_ms(t->m, t->minutes,
	    0.99));
	json_object_object_add(o, "now_ms", admin_int(t->now_ms));
	json_object_object_add(o, "minutes", list);
	json_object_object_add(o, "total", total);
	return o;
}

int
admin_list_parse(const char *status, enum store_list *which)
{
	if (strcmp(status, "failed") == 0)
		*which = STORE_LIST_FAILED;
	else if (strcmp(status, "completed") == 0)
		*which = STORE_LIST_COMPLETED;
	else if (strcmp(status, "retrying") == 0)
		*which = STORE_LIST_RETRYING;
	else
		return -1;
	return 0;
}

int
admin_code_valid(const char *code)
{
	size_t len = strlen(code);

	return len > 0 && len <= 64 && strspn(code,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

int
admin_cursor_valid(enum store_list which, const char *cursor)
{
	size_t digits;

	if (cursor[0] == '\0')
		return 1;
	/* A place in the lists of each minute of ends (admin-list.lua), which
	 * only completed jobs have: the other lists are sorted sets, whose
	 * scores are numbers. */
	if (cursor[0] == 'm' && which == STORE_LIST_COMPLETED)
		cursor++;
	digits = strspn(cursor, "0123456789");
	return digits > 0 && digits <= 20 && cursor[digits] == '-' &&
	    id_valid(cursor + digits + 1);
}

long
admin_list(struct store *st, enum store_list which, const char *code,
    const char *cursor, unsigned long limit, unsigned max_pages,
    char next[STORE_CURSOR_MAX], store_job_cb *cb, void *arg)
{
	char at[STORE_CURSOR_MAX];
	unsigned long total = 0;
	unsigned pages = 0;

	next[0] = '\0';
	if (!admin_cursor_valid(which, cursor) ||
	    (code != NULL && !admin_code_valid(code)))
		return -1;
	admin_copy(at, sizeof at, cursor);
	while (total < limit && (max_pages == 0 || pages < max_pages)) {
		unsigned want = limit - total > 100 ? 100 :
		    (unsigned)(limit - total);
		long n = store_list_jobs(st, which, code, at, want, next, cb,
		    NULL, arg);

		if (n < 0)
			return -1;
		total += (unsigned long)n;
		pages++;
		if (next[0] == '\0')
			break;
		memcpy(at, next, sizeof at);
	}
	return (long)total;
}

enum store_result
admin_requeue(struct store *st, const char *id)
{
	if (!id_valid(id))
		return STORE_NOTFOUND;
	return store_requeue_failed(st, id);
}

struct admin_ids {
	char (*ids)[ID_LEN + 1];
	size_t n;
};

static void
admin_collect(const char *id, void *arg)
{
	struct admin_ids *l = arg;

	if (l->n < ADMIN_REQUEUE_BATCH)
		memcpy(l->ids[l->n++], id, ID_LEN + 1);
}

long
admin_requeue_code(struct store *st, const char *code, long max, int *more)
{
	char ids[ADMIN_REQUEUE_BATCH][ID_LEN + 1], at[STORE_CURSOR_MAX] = "";
	char next[STORE_CURSOR_MAX];
	long total = 0;

	*more = 0;
	if (code != NULL && !admin_code_valid(code))
		return -1;
	/* A page of ids, then those of them still failed back in the queue;
	 * the next page starts below the last one looked at, whether it left
	 * the list (requeued) or not. */
	for (;;) {
		struct admin_ids l = { ids, 0 };
		long want = max - total < ADMIN_REQUEUE_BATCH ? max - total :
		    ADMIN_REQUEUE_BATCH;
		long n;

		if (want <= 0) {
			*more = at[0] != '\0';
			break;
		}
		if (store_list_jobs(st, STORE_LIST_FAILED, code, at,
		    (unsigned)want, next, NULL, admin_collect, &l) < 0)
			return -1;
		if ((n = store_requeue_ids(st, ids, l.n)) < 0)
			return -1;
		total += n;
		if (next[0] == '\0')
			break;
		memcpy(at, next, sizeof at);
	}
	return total;
}

enum store_result
admin_delete(struct store *st, struct storage *sto, const char *id)
{
	char path[STORE_PATH_MAX];
	enum store_result rc;

	if (!id_valid(id))
		return STORE_NOTFOUND;
	if ((rc = store_job_delete(st, id, NULL, path)) != STORE_OK)
		return rc;
	/* The record is gone first: a failure here leaves an unreferenced file,
	 * never a job pointing at nothing. */
	if (path[0] != '\0' && storage_remove_all(sto, path) < 0)
		log_warn("event=delete_file_failed job=%s error=\"%s\"", id,
		    storage_error(sto));
	return STORE_OK;
}

struct json_object *
admin_job_json(const struct job *job, const char *base_url)
{
	char *s = job_to_json(job, base_url);
	struct json_object *o;

	/* NULL for a record whose JSON would pass JOB_JSON_MAX. */
	if (s == NULL)
		return NULL;
	o = json_tokener_parse(s);
	free(s);
	if (o == NULL)
		return NULL;	/* job_to_json writes valid JSON: not reached */
	/* Never shown through the public API, where a job id is its client's
	 * capability; the operator may want to know. */
	if (job->source_job != NULL)
		json_object_object_add(o, "source_job",
		    json_object_new_string(job->source_job));
	if (job->owner != NULL)
		json_object_object_add(o, "owner",
		    json_object_new_string(job->owner));
	return o;
}
