/* admin.h: what an operator does, in one place for thumbqctl and the
 * /v1/admin/ routes of the console alike: the figures of the moment, the
 * trend of the last hour, jobs listed by status and error code a page at a
 * time, requeue one failed job or every one of a code, delete a job, and
 * a job as the operator sees it.
 *
 * Everything that comes from outside (a cursor, a code, a count) is
 * checked here, before it reaches Redis. */
#ifndef THUMBQ_ADMIN_H
#define THUMBQ_ADMIN_H

#include <stddef.h>

#include <json-c/json.h>

#include "job.h"
#include "storage.h"
#include "store.h"

/* The window of the "last hour" figures, in minutes. */
#define ADMIN_HOUR 60

/* What one child of a live host is doing with one job (see store_hosts). */
struct admin_child {
	char host[96];
	long long seen_ms;
	char child[96];
	char job[ID_LEN + 1];	/* "" when idle */
	char phase[16];		/* thumbnailing, downloading, webhook, idle */
	long long claimed_ms;
};

/* The figures of the moment. */
struct admin_now {
	long long now_ms;		/* Redis' clock */
	struct store_stats stats;	/* queues, hosts, counters */
	unsigned long long completed_last_hour, failed_last_hour,
	    cancelled_last_hour;
	size_t nchildren;
	struct admin_child *children;	/* by host, then child */
};
/* Fills now; free it with admin_now_free (also after a failure). */
enum store_result admin_now(struct store *st, struct admin_now *now);
void admin_now_free(struct admin_now *now);
/* {"redis", "queue", "last_hour", "hosts": [{"id", "seen_ms_ago",
 * "children": [{"id", "jobs": [{"id", "phase", "for_ms"}]}]}]}, as
 * /v1/admin/now answers and thumbqctl --json stats prints. */
struct json_object *admin_now_json(const struct admin_now *now);

/* The trend of the last minutes: completed, failed and cancelled jobs per
 * minute and the submit->completed p50 and p99. */
struct admin_trend {
	unsigned minutes;
	long long now_ms;
	struct store_trend_minute m[STORE_TREND_MAX_MINUTES];
};
/* minutes: 1 to STORE_TREND_MAX_MINUTES (else -1 without asking Redis). */
enum store_result admin_trend(struct store *st, unsigned minutes,
    struct admin_trend *t);
/* The q-quantile (0 < q < 1) of the submit->completed time in ms over the
 * n minutes at m, interpolated inside the histogram's buckets as
 * Prometheus' histogram_quantile does; -1 if no job completed in them. */
double admin_quantile(const struct store_trend_minute *m, size_t n, double q);
/* Sums the n minutes at m. */
void admin_trend_sum(const struct store_trend_minute *m, size_t n,
    unsigned long long *completed, unsigned long long *failed,
    unsigned long long *cancelled);
/* {"minutes": [{"start", "completed", "failed", "cancelled", "p50_ms",
 * "p99_ms"}, ...], "total": {...}} for /v1/admin/trends. */
struct json_object *admin_trend_json(const struct admin_trend *t);

/* Lists: a status name as the API spells it (failed, completed,
 * retrying): 0 and *which, or -1. */
int admin_list_parse(const char *status, enum store_list *which);
/* 1 if code may be an error.code (1-64 of a-z 0-9 _), else 0. */
int admin_code_valid(const char *code);
/* 1 if cursor is "" or a next that admin_list gives for list which, else
 * 0. */
int admin_cursor_valid(enum store_list which, const char *cursor);
/* Calls cb with up to limit jobs of the list, newest first, whose
 * error.code is code (NULL: any), starting after cursor (""), and sets
 * next ("" at the end).  Pages are walked until limit jobs are found, the
 * list ends, or max_pages pages were walked (0: no bound), each a bounded
 * walk of the list.  Returns how many, or -1 (store_error says why). */
long admin_list(struct store *st, enum store_list which, const char *code,
    const char *cursor, unsigned long limit, unsigned max_pages,
    char next[STORE_CURSOR_MAX], store_job_cb *cb, void *arg);

/* Requeue: one failed job (STORE_NOTFOUND if it is not failed or does not
 * exist), or every failed job of code (NULL: all), at most max; *more is
 * set when some were left for lack of max.  Returns how many, or -1. */
enum store_result admin_requeue(struct store *st, const char *id);
long admin_requeue_code(struct store *st, const char *code, long max,
    int *more);

/* Deletes a job whoever owns it, as DELETE /v1/thumbnails/{id} does for its
 * owner, and its thumbnail from sto when no other job uses it. */
enum store_result admin_delete(struct store *st, struct storage *sto,
    const char *id);

/* A job as the API shows it, plus what only an operator sees: the job it
 * was answered from or follows (source_job), and the id of the API key
 * that owns it (owner).  NULL for a record too large to show (its JSON
 * would pass JOB_JSON_MAX). */
struct json_object *admin_job_json(const struct job *job, const char *base_url);

#endif
