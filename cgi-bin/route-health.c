/* route-health.c: GET /v1/health
 *
 * Healthy means a job submitted now will be done: Redis answers and at least
 * one thumbqd host has reported live children in its heartbeat within the
 * last 15 s.  200 or
 * 503, with the figures behind the verdict, in one Redis round trip. */
#include "config.h"

#include <json-c/json.h>

#include "response.h"
#include "routes.h"
#include "store.h"

void
route_health(struct api *api, struct request *req, const char *arg)
{
	struct store_stats stats;
	struct json_object *o = json_object_new_object(), *q, *w;
	int redis_ok, healthy;

	(void)arg;
	redis_ok = store_stats(api->store, &stats) == STORE_OK;
	healthy = redis_ok && stats.children > 0;
	json_object_object_add(o, "status",
	    json_object_new_string(healthy ? "ok" : "unhealthy"));
	json_object_object_add(o, "redis",
	    json_object_new_string(redis_ok ? "ok" : "unreachable"));
	if (redis_ok) {
		q = json_object_new_object();
		struct json_object *p = json_object_new_object();

		json_object_object_add(q, "pending",
		    json_object_new_int64(stats.pending));
		json_object_object_add(p, "high",
		    json_object_new_int64(stats.pending_by_priority[JOB_HIGH]));
		json_object_object_add(p, "normal",
		    json_object_new_int64(
		    stats.pending_by_priority[JOB_NORMAL]));
		json_object_object_add(p, "low",
		    json_object_new_int64(stats.pending_by_priority[JOB_LOW]));
		json_object_object_add(q, "pending_by_priority", p);
		json_object_object_add(q, "processing",
		    json_object_new_int64(stats.processing));
		json_object_object_add(q, "retrying",
		    json_object_new_int64(stats.retrying));
		json_object_object_add(o, "queue", q);
		w = json_object_new_object();
		json_object_object_add(w, "hosts",
		    json_object_new_int64(stats.hosts));
		json_object_object_add(w, "children",
		    json_object_new_int64(stats.children));
		json_object_object_add(o, "workers", w);
	}
	if (!healthy)
		json_object_object_add(o, "message",
		    json_object_new_string(!redis_ok ? "job store unreachable" :
		    "no thumbqd worker has reported in the last 15 s"));
	response_send(req, healthy ? 200 : 503, NULL,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
