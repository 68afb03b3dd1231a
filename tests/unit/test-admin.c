/* test-admin.c: what src/admin.c decides without Redis: the p50/p99 read
 * from the per-minute histograms (as Prometheus' histogram_quantile reads
 * one), and the checks on a list's status, code and cursor, which come
 * from the query string of /v1/admin/jobs. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "admin.h"
#include "tap.h"

/* Adds n jobs of more than ge and at most le ms to minute m. */
static void
bucket(struct store_trend_minute *m, double ge, double le, unsigned long long n)
{
	m->buckets[m->nbuckets].ge_ms = ge;
	m->buckets[m->nbuckets].le_ms = le;
	m->buckets[m->nbuckets].n = n;
	m->nbuckets++;
	m->completed += n;
}

static int
near(double got, double want)
{
	return fabs(got - want) < 1e-9;
}

int
main(void)
{
	struct store_trend_minute m[3];
	enum store_list which;
	unsigned long long c, f, x;
	double v;

	memset(m, 0, sizeof m);
	ok(admin_quantile(m, 3, 0.5) == -1, "no completed job: no quantile");

	/* 100 jobs: 50 of at most 100 ms, 40 of 100-200, 10 of 200-500. */
	bucket(&m[0], 0, 100, 50);
	bucket(&m[0], 100, 200, 40);
	bucket(&m[0], 200, 500, 10);
	v = admin_quantile(m, 1, 0.5);
	ok(near(v, 100), "p50 at the end of the first bucket (got %g)", v);
	v = admin_quantile(m, 1, 0.25);
	ok(near(v, 50), "p25 half-way into the first bucket, from 0 (got %g)",
	    v);
	v = admin_quantile(m, 1, 0.7);
	ok(near(v, 150), "p70 half-way into the second bucket (got %g)", v);
	v = admin_quantile(m, 1, 0.99);
	ok(near(v, 200 + 300 * 0.9),
	    "p99 nine tenths into the third bucket (got %g)", v);

	/* Minutes merge: the same bounds in another order, and a bound only one
	 * minute has. */
	bucket(&m[2], 200, 500, 10);
	bucket(&m[2], 100, 200, 40);
	bucket(&m[2], 0, 100, 50);
	v = admin_quantile(m, 3, 0.5);
	ok(near(v, 100),
	    "two equal minutes (buckets in any order): the p50 of one "
	    "(got %g)", v);
	bucket(&m[1], 25, 50, 200);
	v = admin_quantile(m, 3, 0.5);
	ok(near(v, 50),
	    "a bound only one minute has is merged in order (got %g)", v);

	/* Only the buckets that were hit are stored: each knows its lower end,
	 * so one job between 25 and 50 ms has its p50 half-way, not at 25. */
	memset(m, 0, sizeof m);
	bucket(&m[0], 25, 50, 1);
	v = admin_quantile(m, 1, 0.5);
	ok(near(v, 37.5),
	    "a lone bucket interpolates from its own lower end (got %g)", v);

	/* The +Inf bucket has no upper end: its lower one is all there is. */
	memset(m, 0, sizeof m);
	bucket(&m[0], 750, 1000, 1);
	bucket(&m[0], 300000, HUGE_VAL, 99);
	v = admin_quantile(m, 1, 0.99);
	ok(near(v, 300000),
	    "a quantile in +Inf is its lower end, the largest finite "
	    "bound (got %g)", v);

	m[0].failed = 7;
	m[1].failed = 2;
	m[1].cancelled = 1;
	admin_trend_sum(m, 3, &c, &f, &x);
	ok(c == 100 && f == 9 && x == 1, "the sum of the minutes");

	ok(admin_list_parse("failed", &which) == 0 &&
	    which == STORE_LIST_FAILED, "status failed");
	ok(admin_list_parse("completed", &which) == 0 &&
	    which == STORE_LIST_COMPLETED,
	    "status completed");
	ok(admin_list_parse("retrying", &which) == 0 &&
	    which == STORE_LIST_RETRYING,
	    "status retrying");
	ok(admin_list_parse("queued", &which) == -1,
	    "status queued is not a list");
	ok(admin_list_parse("", &which) == -1, "empty status refused");

	ok(admin_code_valid("http_error"), "code http_error");
	ok(!admin_code_valid(""), "empty code refused");
	ok(!admin_code_valid("HTTP"), "upper-case code refused");
	ok(!admin_code_valid("a b"), "space refused");
	ok(!admin_code_valid("x'); redis.call('FLUSHALL"), "quote refused");
	ok(!admin_code_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "65 characters refused");

	ok(admin_cursor_valid(STORE_LIST_FAILED, ""),
	    "empty cursor: the first page");
	ok(admin_cursor_valid(STORE_LIST_FAILED,
	    "1796614213017-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "score-id cursor");
	ok(!admin_cursor_valid(STORE_LIST_FAILED,
	    "-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "no score refused");
	ok(admin_cursor_valid(STORE_LIST_COMPLETED,
	    "m29943570-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "completed: a minute of ends and an id, a place in the lists");
	ok(admin_cursor_valid(STORE_LIST_COMPLETED,
	    "1796614213017-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "completed: score-id, a place in the sorted set of before");
	ok(!admin_cursor_valid(STORE_LIST_FAILED,
	    "m29943570-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "failed: a cursor into the lists refused (its scores are numbers)");
	ok(!admin_cursor_valid(STORE_LIST_COMPLETED,
	    "m-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "m without a minute refused");
	ok(!admin_cursor_valid(STORE_LIST_COMPLETED,
	    "mm29943570-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "mm refused");
	ok(!admin_cursor_valid(STORE_LIST_FAILED, "1796614213017"),
	    "no id refused");
	ok(!admin_cursor_valid(STORE_LIST_FAILED, "1796614213017-040bca6a"),
	    "short id refused");
	ok(!admin_cursor_valid(STORE_LIST_FAILED,
	    "inf-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "a score Redis would read as infinity refused");
	ok(!admin_cursor_valid(STORE_LIST_FAILED,
	    "123456789012345678901-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "21-digit score refused");
	ok(!admin_cursor_valid(STORE_LIST_FAILED,
	    "1.5-040bca6a-209b-4b70-9e22-74a534cc3203"),
	    "fraction refused");
	return tap_done();
}
