/* route-admin-now.c: GET /v1/admin/now
 *
 * The console's "Now": queue depth per priority, jobs processing and
 * retrying, what ended in the last hour, and every live host with what
 * each of its children is doing (job, phase, for how long).  The same
 * figures as thumbqctl stats (src/admin.c). */
#include "config.h"

#include "admin.h"
#include "response.h"
#include "routes.h"

void
route_admin_now(struct api *api, struct request *req, const char *arg)
{
	struct admin_now now;

	(void)arg;
	if (admin_now(api->store, &now) != STORE_OK)
		routes_unavailable(api, req, "admin_now_failed", NULL);
	else
		routes_send_json(req, 200, admin_now_json(&now));
	admin_now_free(&now);
}
