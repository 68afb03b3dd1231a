/* route-metrics.c: GET /v1/metrics, Prometheus text exposition.
 *
 * The counters live in Redis (the scripts in src/lua/ bump them as jobs
 * move), so every thumbq.fcgi process, on every host, reports the same
 * totals.  Histogram buckets are stored one counter per bucket and made
 * cumulative here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "health.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "store.h"

/* Must match BOUNDS in src/lua/lib.lua. */
static const unsigned metrics_bounds[] = {
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
};
#define METRICS_NBOUNDS (sizeof metrics_bounds / sizeof metrics_bounds[0])

/* The exposition is a few kilobytes: 128 counters at most (store.h) of
 * at most 63 bytes, each one line, and the fixed series.  Past this cap
 * the answer is an error, never an exposition cut short. */
#define METRICS_MAX (64 * 1024)

static unsigned long long
metrics_counter(const struct store_stats *s, const char *name)
{
	for (size_t i = 0; i < s->ncounters; i++)
		if (strcmp(s->counters[i].name, name) == 0)
			return s->counters[i].value;
	return 0;
}

/* Counters named prefix:LABEL become one labelled series each. */
static void
metrics_labelled(struct buf *b, const struct store_stats *s,
    const char *prefix, const char *metric, const char *label)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < s->ncounters; i++)
		if (strncmp(s->counters[i].name, prefix, plen) == 0)
			buf_addf(b, "%s{%s=\"%s\"} %llu\n", metric,
			    label, s->counters[i].name + plen,
			    s->counters[i].value);
}

static void
metrics_histogram(struct buf *b, const struct store_stats *s,
    const char *name, const char *metric, const char *help)
{
	unsigned long long cum = 0;
	char key[64];

	buf_addf(b, "# HELP %s %s\n# TYPE %s histogram\n", metric, help,
	    metric);
	for (size_t i = 0; i < METRICS_NBOUNDS; i++) {
		snprintf(key, sizeof key, "%s_bucket:%u", name,
		    metrics_bounds[i]);
		cum += metrics_counter(s, key);
		buf_addf(b, "%s_bucket{le=\"%g\"} %llu\n", metric,
		    metrics_bounds[i] / 1000.0, cum);
	}
	snprintf(key, sizeof key, "%s_bucket:+Inf", name);
	cum += metrics_counter(s, key);
	buf_addf(b, "%s_bucket{le=\"+Inf\"} %llu\n", metric, cum);
	snprintf(key, sizeof key, "%s_sum_ms", name);
	buf_addf(b, "%s_sum %.3f\n%s_count %llu\n", metric,
	    metrics_counter(s, key) / 1000.0, metric, cum);
}

/* The last hour from the per-minute trend (src/admin.c), as the console
 * shows it: what ended, and the submit->completed p50 and p99.  Nothing
 * if Redis failed in between: the rest of the exposition stands. */
static void
metrics_last_hour(struct buf *b, struct store *st)
{
	struct admin_trend *t = malloc(sizeof *t);
	unsigned long long c, f, x;
	double q, v;

	if (t == NULL || admin_trend(st, ADMIN_HOUR, t) != STORE_OK)
		goto out;
	admin_trend_sum(t->m, t->minutes, &c, &f, &x);
	buf_addf(b,
	    "# HELP thumbq_jobs_last_hour Jobs that ended in the last 60 "
	    "minutes, by outcome.\n"
	    "# TYPE thumbq_jobs_last_hour gauge\n"
	    "thumbq_jobs_last_hour{outcome=\"completed\"} %llu\n"
	    "thumbq_jobs_last_hour{outcome=\"failed\"} %llu\n"
	    "thumbq_jobs_last_hour{outcome=\"cancelled\"} %llu\n"
	    "# HELP thumbq_end_to_end_last_hour_seconds Submission to "
	    "completion of the jobs completed in the last 60 minutes (NaN: "
	    "none).\n"
	    "# TYPE thumbq_end_to_end_last_hour_seconds gauge\n", c, f, x);
	for (int i = 0; i < 2; i++) {
		q = i == 0 ? 0.5 : 0.99;
		v = admin_quantile(t->m, t->minutes, q);
		if (v < 0)
			buf_addf(b, "thumbq_end_to_end_last_hour_seconds"
			    "{quantile=\"%g\"} NaN\n", q);
		else
			buf_addf(b, "thumbq_end_to_end_last_hour_seconds"
			    "{quantile=\"%g\"} %.3f\n", q, v / 1000);
	}
out:
	free(t);
}

/* The job counters: accepted, completed, failed by code, retries,
 * requeued by reason, bytes fetched. */
static void
metrics_jobs(struct buf *b, const struct store_stats *s)
{
	buf_addf(b,
	    "# HELP thumbq_jobs_accepted_total Jobs accepted by the API.\n"
	    "# TYPE thumbq_jobs_accepted_total counter\n"
	    "thumbq_jobs_accepted_total %llu\n"
	    "# HELP thumbq_jobs_completed_total Jobs that ended with a "
	    "thumbnail.\n"
	    "# TYPE thumbq_jobs_completed_total counter\n"
	    "thumbq_jobs_completed_total %llu\n"
	    "# HELP thumbq_jobs_failed_total Jobs that ended failed, by error "
	    "code.\n"
	    "# TYPE thumbq_jobs_failed_total counter\n",
	    metrics_counter(s, "accepted"), metrics_counter(s, "completed"));
	metrics_labelled(b, s, "failed:", "thumbq_jobs_failed_total", "code");
	buf_addf(b,
	    "# HELP thumbq_job_retries_total Transient failures scheduled for "
	    "a retry.\n"
	    "# TYPE thumbq_job_retries_total counter\n"
	    "thumbq_job_retries_total %llu\n"
	    "# HELP thumbq_jobs_requeued_total Jobs put back after a worker "
	    "died or a lease expired.\n"
	    "# TYPE thumbq_jobs_requeued_total counter\n",
	    metrics_counter(s, "retries"));
	metrics_labelled(b, s, "requeued:", "thumbq_jobs_requeued_total",
	    "reason");
	buf_addf(b,
	    "# HELP thumbq_fetched_bytes_total Bytes downloaded from image "
	    "origins.\n"
	    "# TYPE thumbq_fetched_bytes_total counter\n"
	    "thumbq_fetched_bytes_total %llu\n",
	    metrics_counter(s, "bytes_fetched"));
}

/* The gauges: the queues, the jobs in flight, the hosts and children. */
static void
metrics_gauges(struct buf *b, const struct store_stats *s)
{
	buf_addf(b,
	    "# HELP thumbq_queue_depth Jobs waiting, by queue.\n"
	    "# TYPE thumbq_queue_depth gauge\n"
	    "thumbq_queue_depth{queue=\"pending\",priority=\"high\"} %lld\n"
	    "thumbq_queue_depth{queue=\"pending\",priority=\"normal\"} %lld\n"
	    "thumbq_queue_depth{queue=\"pending\",priority=\"low\"} %lld\n"
	    "thumbq_queue_depth{queue=\"retrying\"} %lld\n"
	    "# HELP thumbq_jobs_in_flight Jobs being processed now.\n"
	    "# TYPE thumbq_jobs_in_flight gauge\n"
	    "thumbq_jobs_in_flight %lld\n"
	    "# HELP thumbq_worker_hosts Hosts running thumbqd heard from in "
	    "the last 15 s.\n"
	    "# TYPE thumbq_worker_hosts gauge\n"
	    "thumbq_worker_hosts %lld\n"
	    "# HELP thumbq_workers Worker children of those hosts.\n"
	    "# TYPE thumbq_workers gauge\n"
	    "thumbq_workers %lld\n",
	    s->pending_by_priority[JOB_HIGH],
	    s->pending_by_priority[JOB_NORMAL],
	    s->pending_by_priority[JOB_LOW], s->retrying, s->processing,
	    s->hosts, s->children);
}

/* What /v1/health judges (src/health.c): one gauge per reason the service
 * may be degraded, the figures behind them, and the counters of outages
 * that cost clients nothing: retries after a storage failure, and each
 * time a host's storage circuit breaker opened. */
static void
metrics_health(struct buf *b, const struct health *h)
{
	const struct store_stats *s = h->stats;

	buf_addf(b,
	    "# HELP thumbq_degraded 1 while /v1/health reports this reason "
	    "for being degraded.\n"
	    "# TYPE thumbq_degraded gauge\n");
	for (int r = 0; r < HEALTH_NREASONS; r++)
		buf_addf(b, "thumbq_degraded{reason=\"%s\"} %d\n",
		    health_reason_name(r), (h->reasons & (1u << r)) != 0);
	buf_addf(b,
	    "# HELP thumbq_storage_failing_hosts Worker hosts whose storage "
	    "circuit breaker is open.\n"
	    "# TYPE thumbq_storage_failing_hosts gauge\n"
	    "thumbq_storage_failing_hosts %lld\n"
	    "# HELP thumbq_oldest_queued_seconds How long the next pending "
	    "job has waited (0: none).\n"
	    "# TYPE thumbq_oldest_queued_seconds gauge\n"
	    "thumbq_oldest_queued_seconds %lld\n"
	    "# HELP thumbq_job_outage_retries_total Jobs put back to wait "
	    "after a storage failure, using up no attempt.\n"
	    "# TYPE thumbq_job_outage_retries_total counter\n"
	    "thumbq_job_outage_retries_total %llu\n"
	    "# HELP thumbq_storage_outages_total Times a host's storage "
	    "circuit breaker opened.\n"
	    "# TYPE thumbq_storage_outages_total counter\n"
	    "thumbq_storage_outages_total %llu\n",
	    s->storage_failing_hosts,
	    h->oldest_queued_s > 0 ? h->oldest_queued_s : 0,
	    metrics_counter(s, "outage_retries"),
	    metrics_counter(s, "storage_outages"));
}

void
route_metrics(struct api *api, struct request *req, const char *arg)
{
	const struct store_stats *s;
	struct buf text, *b = &text;
	struct health h;

	(void)arg;
	buf_init(b, METRICS_MAX);
	if (health_assess(api->conf, api->store, &h) == -1) {
		routes_unavailable(api, req, "metrics_failed", NULL);
		goto out;
	}
	s = h.stats;
	metrics_jobs(b, s);
	metrics_gauges(b, s);
	metrics_health(b, &h);
	metrics_histogram(b, s, "processing",
	    "thumbq_processing_duration_seconds",
	    "Time from claim to result, per attempt that finished the job.");
	metrics_histogram(b, s, "e2e", "thumbq_end_to_end_duration_seconds",
	    "Time from submission to the job's end.");
	metrics_last_hour(b, api->store);
	if (buf_failed(b)) {
		log_warn("event=metrics_failed error=\"exposition over %u "
		    "bytes\"", METRICS_MAX);
		response_error(req, 500, "internal_error",
		    "the metrics exposition is too large", NULL);
		goto out;
	}
	response_send_type(req, 200,
	    "text/plain; version=0.0.4; charset=utf-8", NULL, buf_str(b));
out:
	health_free(&h);
	buf_free(b);
}
