/* route-thumbnails-delete.c: DELETE /v1/thumbnails/{id}
 *
 * Cancels a job that is waiting or in progress, or deletes a finished one
 * and its thumbnail: 204, or 404 for an unknown id.  A worker still busy
 * with a cancelled job finds its lease gone when it finishes and throws its
 * result away.  Only the caller's job goes: identical requests that waited
 * for it go on without it, and a thumbnail that other jobs use (dedupe) is
 * left for them. */
#include "config.h"

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
	char path[STORE_PATH_MAX];

	if (!id_valid(arg)) {
		routes_job_not_found(req, arg);
		return;
	}
	switch (store_job_delete(api->store, arg, req->owner, path)) {
	case STORE_OK:
		break;
	case STORE_NOTFOUND:
		routes_job_not_found(req, arg);
		return;
	default:
		routes_unavailable(api, req, "delete_failed", arg);
		return;
	}
	/* The record is gone first: a failure here leaves an unreferenced file,
	 * never a job pointing at nothing. */
	if (path[0] != '\0' && storage_remove_all(api->storage, path) < 0)
		log_warn("event=delete_file_failed job=%s error=\"%s\"", arg,
		    storage_error(api->storage));
	log_info("event=deleted job=%s", arg);
	response_no_content(req);
}
