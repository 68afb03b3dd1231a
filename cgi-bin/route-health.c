/* route-health.c: GET /v1/health
 *
 * Healthy means a job submitted now will be done.  200 and "ok" only when
 * Redis answers and takes writes, a thumbqd host has reported live
 * children within the last 15 s, no host's storage is failing (its
 * circuit breaker is open) and the oldest queued job has waited less than
 * health_queue_age_s.  Otherwise 503, so that a load balancer stops
 * sending traffic here: "degraded" with each reason and its figures, or
 * "unhealthy" when Redis cannot be read at all.  Two Redis round trips:
 * the figures (stats.lua, a read) and a write probe (src/health.c). */
#include "config.h"

#include <json-c/json.h>

#include "health.h"
#include "response.h"
#include "routes.h"
#include "store.h"

static struct json_object *
health_queue(const struct health *h)
{
	const struct store_stats *s = h->stats;
	struct json_object *q = json_object_new_object();
	struct json_object *p = json_object_new_object();

	json_object_object_add(q, "pending", json_object_new_int64(s->pending));
	json_object_object_add(p, "high",
	    json_object_new_int64(s->pending_by_priority[JOB_HIGH]));
	json_object_object_add(p, "normal",
	    json_object_new_int64(s->pending_by_priority[JOB_NORMAL]));
	json_object_object_add(p, "low",
	    json_object_new_int64(s->pending_by_priority[JOB_LOW]));
	json_object_object_add(q, "pending_by_priority", p);
	json_object_object_add(q, "processing",
	    json_object_new_int64(s->processing));
	json_object_object_add(q, "retrying",
	    json_object_new_int64(s->retrying));
	if (h->oldest_queued_s >= 0)
		json_object_object_add(q, "oldest_queued_s",
		    json_object_new_int64(h->oldest_queued_s));
	return q;
}

/* The reasons, and the first one's text as the top-level message. */
static void
health_reasons(struct json_object *o, const struct health *h)
{
	struct json_object *a = health_reasons_json(h), *m;

	if (json_object_array_length(a) > 0 && json_object_object_get_ex(
	    json_object_array_get_idx(a, 0), "message", &m))
		json_object_object_add(o, "message", json_object_get(m));
	json_object_object_add(o, "reasons", a);
}

void
route_health(struct api *api, struct request *req, const char *arg)
{
	struct json_object *o = json_object_new_object(), *w, *s;
	struct health h;

	(void)arg;
	health_assess(api->conf, api->store, &h);
	json_object_object_add(o, "status",
	    json_object_new_string(health_status(&h)));
	json_object_object_add(o, "redis", json_object_new_string(
	    !h.redis_up ? "unreachable" :
	    h.redis_refusal[0] != '\0' ? "refusing_writes" : "ok"));
	if (h.redis_up) {
		if (h.redis_refusal[0] != '\0')
			json_object_object_add(o, "redis_refusal",
			    json_object_new_string(h.redis_refusal));
		json_object_object_add(o, "queue", health_queue(&h));
		w = json_object_new_object();
		json_object_object_add(w, "hosts",
		    json_object_new_int64(h.stats->hosts));
		json_object_object_add(w, "children",
		    json_object_new_int64(h.stats->children));
		json_object_object_add(o, "workers", w);
		s = json_object_new_object();
		json_object_object_add(s, "status", json_object_new_string(
		    h.stats->storage_failing_hosts > 0 ? "failing" : "ok"));
		if (h.stats->storage_failing_hosts > 0) {
			json_object_object_add(s, "failing_hosts",
			    json_object_new_int64(
			    h.stats->storage_failing_hosts));
			json_object_object_add(s, "failing_for_s",
			    json_object_new_int64(h.storage_failing_s));
		}
		json_object_object_add(o, "storage", s);
		health_reasons(o, &h);
	} else
		json_object_object_add(o, "message",
		    json_object_new_string("job store unreachable"));
	response_send(req, h.redis_up && h.reasons == 0 ? 200 : 503, NULL,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	health_free(&h);
}
