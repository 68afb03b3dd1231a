/* route-admin-jobs-list.c: GET /v1/admin/jobs
 *
 *   ?status=failed|completed|retrying  (default failed)
 *   &code=CODE     only jobs whose error.code is CODE
 *   &cursor=C      the next_cursor of the previous page
 *   &limit=N       1 to 100 (default 20)
 *
 * Newest first, as the operator sees them (src/admin.c), with next_cursor
 * to go on (null at the end).  A page may hold fewer than limit jobs and
 * still have a next_cursor: each request walks a bounded part of the list,
 * so that a rare code costs a few more pages, never one long request. */
#include "config.h"

#include "admin.h"
#include "response.h"
#include "routes.h"

#define ROUTE_ADMIN_MAX_LIMIT 100
/* An error.code is at most 64 bytes; a longer one is refused. */
#define ROUTE_ADMIN_CODE 72
/* List walks per request: each looks at up to 1000 entries. */
#define ROUTE_ADMIN_PAGES 10

struct route_admin_list {
	const char *base_url;
	struct json_object *jobs;
};

static void
route_admin_list_add(const struct job *job, void *arg)
{
	struct route_admin_list *l = arg;

	json_object_array_add(l->jobs, admin_job_json(job, l->base_url));
}

/* Reads the query into its parts; answers 400 and returns -1 if one is
 * wrong. */
static int
route_admin_list_query(struct request *req, enum store_list *which,
    char code[ROUTE_ADMIN_CODE], char cursor[STORE_CURSOR_MAX],
    unsigned *limit)
{
	char status[16] = "failed";
	const char *bad = NULL;

	if (request_query(req, "status", status, sizeof status) == -1 ||
	    admin_list_parse(status, which) == -1)
		bad = "status must be failed, completed or retrying";
	else if (request_query(req, "code", code, ROUTE_ADMIN_CODE) == -1 ||
	    (code[0] != '\0' && !admin_code_valid(code)))
		bad = "code must be an error.code (a-z, 0-9 and _)";
	else if (request_query(req, "cursor", cursor, STORE_CURSOR_MAX) == -1 ||
	    !admin_cursor_valid(*which, cursor))
		bad = "cursor must be a next_cursor of this list";
	else if (routes_query_number(req, "limit", 1, ROUTE_ADMIN_MAX_LIMIT,
	    limit) == -1)
		bad = "limit must be 1 to 100";
	if (bad == NULL)
		return 0;
	response_error(req, 400, "bad_request", bad, NULL);
	return -1;
}

void
route_admin_jobs_list(struct api *api, struct request *req, const char *arg)
{
	char code[ROUTE_ADMIN_CODE] = "", cursor[STORE_CURSOR_MAX] = "";
	char next[STORE_CURSOR_MAX];
	struct route_admin_list l = { req->base_url, NULL };
	struct json_object *o;
	enum store_list which;
	unsigned limit = 20;

	(void)arg;
	if (route_admin_list_query(req, &which, code, cursor, &limit) == -1)
		return;
	l.jobs = json_object_new_array();
	if (admin_list(api->store, which, code[0] != '\0' ? code : NULL,
	    cursor, limit, ROUTE_ADMIN_PAGES, next, route_admin_list_add,
	    &l) < 0) {
		json_object_put(l.jobs);
		routes_unavailable(api, req, "admin_list_failed", NULL);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "jobs", l.jobs);
	json_object_object_add(o, "next_cursor", next[0] != '\0' ?
	    json_object_new_string(next) : NULL);
	routes_send_json(req, 200, o);
}
