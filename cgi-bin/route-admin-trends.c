/* route-admin-trends.c: GET /v1/admin/trends[?minutes=N]
 *
 * Jobs completed, failed and cancelled per minute, and the submit->completed
 * p50 and p99 of each minute and of the whole window, over the last N
 * minutes (default 60, at most the 120 that Redis keeps). */
#include "config.h"

#include <stdlib.h>

#include "admin.h"
#include "response.h"
#include "routes.h"

void
route_admin_trends(struct api *api, struct request *req, const char *arg)
{
	struct admin_trend *t;
	unsigned minutes = ADMIN_HOUR;

	(void)arg;
	if (routes_query_number(req, "minutes", 1, STORE_TREND_MAX_MINUTES,
	    &minutes) == -1) {
		response_error(req, 400, "bad_request",
		    "minutes must be 1 to 120", NULL);
		return;
	}
	if ((t = malloc(sizeof *t)) == NULL) {
		response_error(req, 500, "internal_error", "out of memory",
		    NULL);
		return;
	}
	if (admin_trend(api->store, minutes, t) != STORE_OK)
		routes_unavailable(api, req, "admin_trends_failed", NULL);
	else
		routes_send_json(req, 200, admin_trend_json(t));
	free(t);
}
