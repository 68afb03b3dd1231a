/* health.c: the service's verdict on itself (see health.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "xmalloc.h"

static const char *health_names[HEALTH_NREASONS] = {
	"storage_failing", "redis_refusing_writes", "no_workers",
	"queue_stale",
};

/* What a Redis error says of why it refused a write. */
static const char *
health_refusal(const char *err)
{
	if (strstr(err, "OOM") != NULL)
		return "out_of_memory";
	if (strstr(err, "MISCONF") != NULL)
		return "misconf";
	if (strstr(err, "READONLY") != NULL)
		return "read_only";
	return "error";
}

int
health_assess(const struct thumbq_conf *conf, struct store *st,
    struct health *h)
{
	struct store_stats *s;

	memset(h, 0, sizeof *h);
	h->redis_refusal = "unreachable";
	h->oldest_queued_s = -1;
	s = xmalloc(sizeof *s);
	if (store_stats(st, s) != STORE_OK) {
		free(s);
		return -1;
	}
	h->stats = s;
	h->redis_up = 1;
	/* Reads work; a Redis at maxmemory or that cannot save (MISCONF)
	 * still answers them, and refuses every job. */
	if (store_write_probe(st) == 0)
		h->redis_refusal = "";
	else {
		h->redis_refusal = health_refusal(store_error(st));
		h->reasons |= 1u << HEALTH_REDIS_REFUSING;
	}
	if (s->children <= 0)
		h->reasons |= 1u << HEALTH_NO_WORKERS;
	if (s->storage_failing_hosts > 0) {
		h->reasons |= 1u << HEALTH_STORAGE_FAILING;
		h->storage_failing_s = s->storage_failing_since_ms > 0 &&
		    s->now_ms > s->storage_failing_since_ms ?
		    (s->now_ms - s->storage_failing_since_ms) / 1000 : 0;
	}
	if (s->oldest_pending_ms > 0) {
		h->oldest_queued_s = s->now_ms > s->oldest_pending_ms ?
		    (s->now_ms - s->oldest_pending_ms) / 1000 : 0;
		if (h->oldest_queued_s > (long long)conf->health_queue_age_s)
			h->reasons |= 1u << HEALTH_QUEUE_STALE;
	}
	return 0;
}

void
health_free(struct health *h)
{
	free(h->stats);
	h->stats = NULL;
}

const char *
health_status(const struct health *h)
{
	if (!h->redis_up)
		return "unhealthy";
	return h->reasons != 0 ? "degraded" : "ok";
}

const char *
health_reason_name(enum health_reason r)
{
	return r < HEALTH_NREASONS ? health_names[r] : "unknown";
}

void
health_reason_text(const struct health *h, enum health_reason r, char *buf,
    size_t size)
{
	const struct store_stats *s = h->stats;

	switch (r) {
	case HEALTH_STORAGE_FAILING:
		snprintf(buf, size, "the thumbnail storage has been failing "
		    "for %lld s on %lld of %lld worker host(s): claims paused, "
		    "jobs wait", h->storage_failing_s,
		    s->storage_failing_hosts, s->hosts);
		break;
	case HEALTH_REDIS_REFUSING:
		snprintf(buf, size, "Redis refuses writes (%s): new jobs are "
		    "refused and none is finished",
		    strcmp(h->redis_refusal, "out_of_memory") == 0 ?
		    "out of memory at maxmemory" :
		    strcmp(h->redis_refusal, "misconf") == 0 ?
		    "MISCONF: it cannot save to disk" :
		    strcmp(h->redis_refusal, "read_only") == 0 ?
		    "a read-only replica" : "an error");
		break;
	case HEALTH_NO_WORKERS:
		snprintf(buf, size, "no thumbqd worker has reported in the "
		    "last %d s", STORE_HOST_STALE_MS / 1000);
		break;
	case HEALTH_QUEUE_STALE:
		snprintf(buf, size, "the oldest queued job has waited %lld s "
		    "(health_queue_age_s)", h->oldest_queued_s);
		break;
	default:
		snprintf(buf, size, "unknown");
		break;
	}
}

struct json_object *
health_reasons_json(const struct health *h)
{
	struct json_object *a = json_object_new_array(), *e;
	char text[256];

	for (int r = 0; r < HEALTH_NREASONS; r++) {
		if ((h->reasons & (1u << r)) == 0)
			continue;
		health_reason_text(h, r, text, sizeof text);
		e = json_object_new_object();
		json_object_object_add(e, "reason",
		    json_object_new_string(health_reason_name(r)));
		json_object_object_add(e, "message",
		    json_object_new_string(text));
		json_object_array_add(a, e);
	}
	return a;
}
