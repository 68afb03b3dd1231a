/* routes.h: the API's routing table and one handler per route. */
#ifndef THUMBQ_ROUTES_H
#define THUMBQ_ROUTES_H

#include <stddef.h>

#include <json-c/json.h>

#include "job.h"
#include "request.h"

typedef void route_handler(struct api *api, struct request *req,
    const char *arg);

/* Who may call a route. */
enum route_access {
	ROUTE_KEY = 0,	/* auth_gate: a key with auth_required; rate limit */
	ROUTE_OPEN,	/* anyone, no rate limit: health, metrics, openapi */
	ROUTE_ADMIN,	/* auth_admin: an admin key, always */
};

struct route {
	const char *method;
	const char *path;	/* a final "*" matches one non-empty segment */
	route_handler *handle;
	enum route_access access;
};

/* Finds the route for req and runs it, or answers 404 / 405 with Allow. */
void routes_dispatch(struct api *api, struct request *req);

/* For handlers of JSON bodies: checks the Content-Type and reads at most max
 * bytes.  Returns 0, or -1 after answering 415, 413 or 400. */
int routes_read_json(struct request *req, size_t max);
/* Answers a failed parse (400 malformed, 422 invalid) and returns -1, or
 * returns 0 for JOB_PARSE_OK. */
int routes_parse_failed(struct request *req, enum job_parse_result r,
    const char *message);
/* Reads query parameter name as a decimal from min to max into *out:
 * 1, or 0 if absent (*out untouched), or -1 if present but not that. */
int routes_query_number(const struct request *req, const char *name,
    unsigned min, unsigned max, unsigned *out);
/* Answers 404 "Thumbnail {id} not found", echoing id safely. */
void routes_job_not_found(struct request *req, const char *id);
/* Answers 503 when Redis failed, logging event with the job id (NULL:
 * none) and the store's error: every route says the same to the client. */
void routes_unavailable(struct api *api, struct request *req,
    const char *event, const char *id);
/* Answers 503 when a new job or batch (id) was written but fewer than
 * redis_min_replicas replicas confirmed it in time: it may exist, or be
 * lost in a failover; retry tells the client what its retry gets. */
void routes_unreplicated(struct api *api, struct request *req,
    const char *event, const char *id, const char *retry);
/* Sends o (and puts it) as the body of a status answer. */
void routes_send_json(struct request *req, int status, struct json_object *o);

/* Handlers: route-*.c */
route_handler route_thumbnails_create;
route_handler route_thumbnails_get;
route_handler route_thumbnails_delete;
route_handler route_batches_create;
route_handler route_batches_get;
route_handler route_health;
route_handler route_metrics;
route_handler route_openapi;
route_handler route_admin_now;
route_handler route_admin_trends;
route_handler route_admin_jobs_list;
route_handler route_admin_jobs_get;
route_handler route_admin_jobs_delete;
route_handler route_admin_requeue;

#endif
