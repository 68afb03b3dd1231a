/* routes.c: the routing table (one row per method and path) and dispatch. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "response.h"
#include "routes.h"

static const struct route routes_table[] = {
	{ "POST", "/v1/thumbnails", route_thumbnails_create, ROUTE_KEY },
	{ "GET", "/v1/thumbnails", route_thumbnails_get, ROUTE_KEY },
	{ "GET", "/v1/thumbnails/*", route_thumbnails_get, ROUTE_KEY },
	{ "DELETE", "/v1/thumbnails/*", route_thumbnails_delete, ROUTE_KEY },
	{ "POST", "/v1/batches", route_batches_create, ROUTE_KEY },
	{ "GET", "/v1/batches/*", route_batches_get, ROUTE_KEY },
	{ "GET", "/v1/health", route_health, ROUTE_OPEN },
	{ "GET", "/v1/metrics", route_metrics, ROUTE_OPEN },
	{ "GET", "/v1/openapi.yaml", route_openapi, ROUTE_OPEN },
	{ "GET", "/v1/admin/now", route_admin_now, ROUTE_ADMIN },
	{ "GET", "/v1/admin/trends", route_admin_trends, ROUTE_ADMIN },
	{ "GET", "/v1/admin/jobs", route_admin_jobs_list, ROUTE_ADMIN },
	{ "GET", "/v1/admin/jobs/*", route_admin_jobs_get, ROUTE_ADMIN },
	{ "DELETE", "/v1/admin/jobs/*", route_admin_jobs_delete, ROUTE_ADMIN },
	{ "POST", "/v1/admin/requeue", route_admin_requeue, ROUTE_ADMIN },
};
#define ROUTES_COUNT (sizeof routes_table / sizeof routes_table[0])

/* Matches path against pattern; for a trailing "*" sets *arg to the segment. */
static int
routes_match(const char *pattern, const char *path, const char **arg)
{
	size_t n = strlen(pattern);

	*arg = NULL;
	if (n > 0 && pattern[n - 1] == '*') {
		if (strncmp(pattern, path, n - 1) != 0)
			return 0;
		path += n - 1;
		if (*path == '\0' || strchr(path, '/') != NULL)
			return 0;
		*arg = path;
		return 1;
	}
	return strcmp(pattern, path) == 0;
}

void
routes_dispatch(struct api *api, struct request *req)
{
	char allow[128] = "", headers[160], echo[80], msg[128];
	const char *arg;

	for (size_t i = 0; i < ROUTES_COUNT; i++) {
		const struct route *r = &routes_table[i];

		if (!routes_match(r->path, req->path, &arg))
			continue;
		if (strcmp(r->method, req->method) == 0) {
			if (r->access == ROUTE_OPEN ||
			    (r->access == ROUTE_ADMIN ? auth_admin(api, req) :
			    auth_gate(api, req)) == 0)
				r->handle(api, req, arg);
			return;
		}
		if (strstr(allow, r->method) == NULL) {
			size_t len = strlen(allow);

			snprintf(allow + len, sizeof allow - len, "%s%s",
			    len ? ", " : "", r->method);
		}
	}
	if (allow[0] != '\0') {
		snprintf(headers, sizeof headers, "Allow: %s\r\n", allow);
		response_echo(req->method, echo, 17);
		snprintf(msg, sizeof msg, "method %s not allowed; allowed: %s",
		    echo, allow);
		response_error(req, 405, "method_not_allowed", msg, headers);
		return;
	}
	response_echo(req->path, echo, sizeof echo);
	snprintf(msg, sizeof msg, "No route for %s", echo);
	response_error(req, 404, "not_found", msg, NULL);
}

int
routes_read_json(struct request *req, size_t max)
{
	char msg[80];
	int status;

	if (!request_is_json(req)) {
		response_error(req, 415, "unsupported_media_type",
		    "Content-Type must be application/json", NULL);
		return -1;
	}
	status = request_read_body(req, max);
	if (status == 413) {
		snprintf(msg, sizeof msg,
		    "request body is larger than %zu bytes", max);
		response_error(req, 413, "body_too_large", msg, NULL);
		return -1;
	}
	if (status != 0) {
		response_error(req, 400, "bad_request",
		    "request body is incomplete", NULL);
		return -1;
	}
	return 0;
}

int
routes_parse_failed(struct request *req, enum job_parse_result r,
    const char *message)
{
	if (r == JOB_PARSE_OK)
		return 0;
	if (r == JOB_PARSE_MALFORMED)
		response_error(req, 400, "malformed_json", message, NULL);
	else
		response_error(req, 422, "invalid_request", message, NULL);
	return -1;
}

void
routes_unavailable(struct api *api, struct request *req, const char *event,
    const char *id)
{
	if (id != NULL)
		log_warn("event=%s job=%s error=\"%s\"", event, id,
		    store_error(api->store));
	else
		log_warn("event=%s error=\"%s\"", event,
		    store_error(api->store));
	response_error(req, 503, "unavailable",
	    "job store unavailable, try again later", "Retry-After: 1\r\n");
}

void
routes_unreplicated(struct api *api, struct request *req, const char *event,
    const char *id, const char *retry)
{
	char msg[256];

	log_warn("event=%s id=%s error=\"%s\"", event, id,
	    store_error(api->store));
	snprintf(msg, sizeof msg, "too few replicas of the job store confirmed "
	    "the request in time: it may have been accepted; %s", retry);
	response_error(req, 503, "not_replicated", msg, "Retry-After: 1\r\n");
}

void
routes_send_json(struct request *req, int status, struct json_object *o)
{
	response_send(req, status, NULL, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int
routes_query_number(const struct request *req, const char *name, unsigned min,
    unsigned max, unsigned *out)
{
	char s[12];
	unsigned long v;

	switch (request_query(req, name, s, sizeof s)) {
	case 0:
		return 0;
	case 1:
		if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s))
			return -1;
		v = strtoul(s, NULL, 10);
		if (v < min || v > max)
			return -1;
		*out = (unsigned)v;
		return 1;
	default:
		return -1;
	}
}

void
routes_job_not_found(struct request *req, const char *id)
{
	char echo[80], msg[128];

	response_echo(id, echo, sizeof echo);
	snprintf(msg, sizeof msg, "Thumbnail %s not found", echo);
	response_error(req, 404, "not_found", msg, NULL);
}
