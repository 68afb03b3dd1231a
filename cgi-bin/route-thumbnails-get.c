/* route-thumbnails-get.c: GET /v1/thumbnails?id=ID and GET /v1/thumbnails/ID
 *
 * One HGETALL.  An id that is not a well-formed UUID cannot name a job, so it
 * gets the same 404 as an unknown one without touching Redis. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "job.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "store.h"

void
route_thumbnails_get(struct api *api, struct request *req, const char *arg)
{
	char qid[ID_LEN + 2];
	const char *id = arg;
	struct job job;
	char *body;

	if (id == NULL) {
		switch (request_query(req, "id", qid, sizeof qid)) {
		case 0:
			response_error(req, 400, "bad_request",
			    "id query parameter is required", NULL);
			return;
		case -1:
			routes_job_not_found(req, "(too long)");
			return;
		}
		id = qid;
	}
	if (!id_valid(id)) {
		routes_job_not_found(req, id);
		return;
	}
	switch (store_job_get(api->store, id, &job)) {
	case STORE_OK:
		/* With auth on, another key's job is as good as unknown. */
		if (req->owner[0] != '\0' && (job.owner == NULL ||
		    strcmp(job.owner, req->owner) != 0)) {
			job_free(&job);
			routes_job_not_found(req, id);
			return;
		}
		break;
	case STORE_NOTFOUND:
		routes_job_not_found(req, id);
		return;
	default:
		routes_unavailable(api, req, "get_failed", id);
		return;
	}
	body = job_to_json(&job, req->base_url);
	if (body == NULL)
		response_error(req, 500, "internal_error",
		    "the job's record is too large to show", NULL);
	else
		response_send(req, 200, NULL, body);
	free(body);
	job_free(&job);
}
