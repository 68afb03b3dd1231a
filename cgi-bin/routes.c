/* routes.c: the routing table (one row per method and path) and dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "response.h"
#include "routes.h"

static const struct route routes_table[] = {
	{ "POST", "/v1/thumbnails", route_thumbnails_create, 0 },
	{ "GET", "/v1/thumbnails", route_thumbnails_get, 0 },
	{ "GET", "/v1/thumbnails/*", route_thumbnails_get, 0 },
	{ "DELETE", "/v1/thumbnails/*", route_thumbnails_delete, 0 },
	{ "POST", "/v1/batches", route_batches_create, 0 },
	{ "GET", "/v1/batches/*", route_batches_get, 0 },
	{ "GET", "/v1/health", route_health, 1 },
	{ "GET", "/v1/metrics", route_metrics, 1 },
	{ "GET", "/v1/openapi.yaml", route_openapi, 1 },
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
			if (r->open || auth_gate(api, req) == 0)
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
