/* routes.h: the API's routing table and one handler per route. */
#ifndef THUMBQ_ROUTES_H
#define THUMBQ_ROUTES_H

#include "request.h"

typedef void route_handler(struct api *api, struct request *req, const char *arg);

struct route {
	const char *method;
	const char *path;	/* a trailing "*" matches one non-empty segment */
	route_handler *handle;
	int open;		/* no API key or rate limit: operators' endpoints */
};

/* Finds the route for req and runs it, or answers 404 / 405 with Allow. */
void routes_dispatch(struct api *api, struct request *req);

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
