/* route-admin-jobs-get.c: GET /v1/admin/jobs/{id}
 *
 * Any job, whoever owns it, as the operator sees it: the API's job JSON
 * with source_job and owner (what thumbqctl job prints). */
#include "config.h"

#include "admin.h"
#include "id.h"
#include "response.h"
#include "routes.h"

void
route_admin_jobs_get(struct api *api, struct request *req, const char *arg)
{
	struct job job;
	enum store_result rc = STORE_NOTFOUND;

	if (id_valid(arg))
		rc = store_job_get(api->store, arg, &job);
	switch (rc) {
	case STORE_OK:
		routes_send_json(req, 200, admin_job_json(&job, req->base_url));
		job_free(&job);
		return;
	case STORE_NOTFOUND:
		routes_job_not_found(req, arg);
		return;
	default:
		routes_unavailable(api, req, "admin_get_failed", NULL);
	}
}
