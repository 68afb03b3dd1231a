/* routes.h: the API's routing table and one handler per route. */
#ifndef THUMBQ_ROUTES_H
#define THUMBQ_ROUTES_H

#include <stddef.h>

#include "job.h"
#include "request.h"

typedef void route_handler(struct api *api, struct request *req,
    const char *arg);

struct route {
	const char *method;
	const char *path;	/* a final "*" matches one non-empty segment */
	route_handler *handle;
	int open;		/* operators': no API key nor rate limit */
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

/* Handlers: route-*.c */
route_handler route_thumbnails_create;
route_handler route_thumbnails_get;
route_handler route_thumbnails_delete;
route_handler route_batches_create;
route_handler route_batches_get;
route_handler route_health;
route_handler route_metrics;
route_handler route_openapi;

#endif
