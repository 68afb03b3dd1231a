/* route-admin-jobs-delete.c: DELETE /v1/admin/jobs/{id}
 *
 * What DELETE /v1/thumbnails/{id} does for a job's owner, for any job:
 * cancels it if it waits or runs, deletes it and its thumbnail (unless
 * other jobs share the file) if it is finished.  204, or 404. */
#include "config.h"

#include "admin.h"
#include "log.h"
#include "response.h"
#include "routes.h"

void
route_admin_jobs_delete(struct api *api, struct request *req, const char *arg)
{

	switch (admin_delete(api->store, api->storage, arg)) {
	case STORE_OK:
		log_info("event=deleted job=%s by=admin", arg);
		response_no_content(req);
		return;
	case STORE_NOTFOUND:
		routes_job_not_found(req, arg);
		return;
	default:
		routes_unavailable(api, req, "admin_delete_failed", NULL);
	}
}
