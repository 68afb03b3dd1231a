/* route-thumbnails-delete.c: DELETE /v1/thumbnails/{id}
 *
 * Cancels a job that is waiting or in progress, or deletes a finished one
 * and its thumbnail: 204, or 404 for an unknown id.  A worker still busy
 * with a cancelled job finds its lease gone when it finishes and throws its
 * result away.  Only the caller's job goes: identical requests that waited
 * for it go on without it, and a thumbnail that other jobs use (dedupe) is
 * left for them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "id.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "storage.h"
#include "store.h"

void
route_thumbnails_delete(struct api *api, struct request *req, const char *arg)
{
	char path[STORE_PATH_MAX], echo[80], msg[128];

	if (!id_valid(arg)) {
		response_echo(arg, echo, sizeof echo);
		snprintf(msg, sizeof msg, "Thumbnail %s not found", echo);
		response_error(req, 404, "not_found", msg, NULL);
		return;
	}
	switch (store_job_delete(api->store, arg, req->owner, path)) {
	case STORE_OK:
		break;
	case STORE_NOTFOUND:
		snprintf(msg, sizeof msg, "Thumbnail %s not found", arg);
		response_error(req, 404, "not_found", msg, NULL);
		return;
	default:
		log_warn("event=delete_failed job=%s error=\"%s\"", arg,
		    store_error(api->store));
		response_error(req, 503, "unavailable",
		    "job store unavailable, try again later",
		    "Retry-After: 1\r\n");
		return;
	}
	/* The record is gone first: a failure here leaves an unreferenced file,
	 * never a job pointing at nothing. */
	if (path[0] != '\0' && storage_remove(api->conf->docroot, path) < 0)
		log_warn("event=delete_file_failed job=%s error=\"%s\"", arg,
		    errno == EINVAL ? "not a thumbnail path" : strerror(errno));
	log_info("event=deleted job=%s", arg);
	response_no_content(req);
}
