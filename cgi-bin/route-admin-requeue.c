/* route-admin-requeue.c: POST /v1/admin/requeue
 *
 *   {"id": "ID"}       one failed job back in the queue, with fresh attempts
 *   {"code": "CODE"}   every failed job whose error.code is CODE (at most
 *                      10000 a request: "more" says whether some are left)
 *
 * 200 {"requeued": N, "more": false}; 404 for an id that is not a failed
 * job.  The console's Retry buttons, and thumbqctl retry (src/admin.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "id.h"
#include "response.h"
#include "routes.h"

#define ROUTE_REQUEUE_MAX 10000

/* The string member name of o (an object), or NULL. */
static const char *
route_requeue_member(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
route_requeue_done(struct request *req, long n, int more)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "requeued", json_object_new_int64(n));
	json_object_object_add(o, "more", json_object_new_boolean(more));
	routes_send_json(req, 200, o);
}

void
route_admin_requeue(struct api *api, struct request *req, const char *arg)
{
	struct json_object *o = NULL;
	const char *id, *code;
	char msg[128];
	long n;
	int more = 0;

	(void)arg;
	if (routes_read_json(req, api->conf->max_body_bytes) == -1)
		return;
	if ((o = json_tokener_parse(req->body)) == NULL) {
		response_error(req, 400, "malformed_json",
		    "the body is not JSON", NULL);
		return;
	}
	id = route_requeue_member(o, "id");
	code = route_requeue_member(o, "code");
	if ((id == NULL) == (code == NULL) || (id != NULL && !id_valid(id)) ||
	    (code != NULL && !admin_code_valid(code))) {
		response_error(req, 422, "invalid_request",
		    "give either id (a job id) or code (an error.code)", NULL);
		goto out;
	}
	if (id != NULL) {
		switch (admin_requeue(api->store, id)) {
		case STORE_OK:
			route_requeue_done(req, 1, 0);
			break;
		case STORE_NOTFOUND:
			snprintf(msg, sizeof msg,
			    "job %s is not failed (or does not exist)", id);
			response_error(req, 404, "not_found", msg, NULL);
			break;
		default:
			routes_unavailable(api, req, "admin_requeue_failed",
			    id);
		}
		goto out;
	}
	if ((n = admin_requeue_code(api->store, code, ROUTE_REQUEUE_MAX,
	    &more)) < 0)
		routes_unavailable(api, req, "admin_requeue_failed", NULL);
	else
		route_requeue_done(req, n, more);
out:
	json_object_put(o);
}
