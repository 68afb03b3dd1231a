/* health.h: whether a job submitted now will be done, and if not why: the
 * verdict /v1/health, /v1/metrics and thumbqctl health share. */
#ifndef THUMBQ_HEALTH_H
#define THUMBQ_HEALTH_H

#include <stddef.h>

#include <json-c/json.h>

#include "conf.h"
#include "store.h"

/* Each reason the service is degraded (a bit in health.reasons). */
enum health_reason {
	HEALTH_STORAGE_FAILING = 0,	/* a host's storage breaker is open */
	HEALTH_REDIS_REFUSING,		/* Redis refuses writes */
	HEALTH_NO_WORKERS,		/* no live worker child */
	HEALTH_QUEUE_STALE,		/* the oldest queued job is too old */
	HEALTH_NREASONS
};

struct health {
	int redis_up;		/* Redis answered the read */
	unsigned reasons;	/* 1 << enum health_reason */
	/* Why Redis refuses writes: "out_of_memory", "misconf", "read_only",
	 * "unreachable" or "error"; "" when it takes them. */
	const char *redis_refusal;
	long long storage_failing_s;	/* how long (0: not failing) */
	long long oldest_queued_s;	/* -1: nothing queued */
	struct store_stats *stats;	/* NULL unless redis_up */
};

/* Fills h from one read of Redis (stats.lua) and one write (the probe):
 * 0, or -1 if Redis cannot be read at all (h->redis_up 0).  Free with
 * health_free even then. */
int health_assess(const struct thumbq_conf *conf, struct store *st,
    struct health *h);
void health_free(struct health *h);
/* "ok", "degraded" (any reason) or "unhealthy" (Redis cannot be read). */
const char *health_status(const struct health *h);
/* A reason's name ("storage_failing", ...), and what it means for an
 * operator, with the figures, into buf. */
const char *health_reason_name(enum health_reason r);
void health_reason_text(const struct health *h, enum health_reason r,
    char *buf, size_t size);
/* The reasons as a JSON array of {"reason": NAME, "message": TEXT}. */
struct json_object *health_reasons_json(const struct health *h);

#endif
