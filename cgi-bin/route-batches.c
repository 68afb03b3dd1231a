/* route-batches.c: POST /v1/batches and GET /v1/batches/{id}
 *
 * A batch is many URLs with shared options, created in one Redis step (all
 * or nothing).  Its jobs default to low priority, so that single requests
 * stay fast while a batch works through.  With a rate limit, a batch costs
 * one token per URL, as that many single requests would.  GET gives counts
 * per status and each job, in one round trip. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "id.h"
#include "job.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "store.h"
#include "xmalloc.h"

void
route_batches_create(struct api *api, struct request *req, const char *arg)
{
	const struct thumbq_conf *conf = api->conf;
	const struct job_parse_limits limits = {
		.max_url_bytes = conf->max_url_bytes,
		.default_width = conf->thumbnail_width,
		.default_height = conf->thumbnail_height,
		.max_size = conf->max_thumbnail_size,
		.default_priority = JOB_LOW,
		.max_batch = conf->max_batch,
		.max_variants = conf->max_variants,
	};
	/* A batch body is a list of URLs: its bound follows from theirs. */
	size_t max_body = conf->max_batch * (conf->max_url_bytes + 64) +
	    conf->max_body_bytes;
	struct job_batch_request br;
	char bid[ID_LEN + 1], msgbuf[JOB_MESSAGE_MAX], headers[128];
	char (*ids)[ID_LEN + 1] = NULL;
	enum job_parse_result parsed;
	const char *why;

	(void)arg;
	if (routes_read_json(req, max_body) == -1)
		return;
	parsed = job_batch_parse(req->body, req->body_len, &limits, &br, &why,
	    msgbuf);
	if (routes_parse_failed(req, parsed, why) == -1)
		return;
	job_format_negotiate(request_param(req, "HTTP_ACCEPT"),
	    &br.opts.format);
	for (size_t i = 0; i < br.nvariants; i++)
		job_format_negotiate(request_param(req, "HTTP_ACCEPT"),
		    &br.variants[i].format);
	if (auth_charge_batch(api, req, br.nurls) != 0)
		goto out;
	ids = xcalloc(br.nurls, sizeof *ids);
	if (id_generate(bid) == -1)
		goto no_id;
	for (size_t i = 0; i < br.nurls; i++)
		if (id_generate(ids[i]) == -1)
			goto no_id;
	if (store_batch_create(api->store, bid, &br, ids, conf->thumbnail_ttl,
	    conf->dedupe_ttl, req->owner) != STORE_OK) {
		routes_unavailable(api, req, "batch_failed", NULL);
		goto out;
	}
	if (store_job_replicated(api->store, NULL) != STORE_OK) {
		routes_unreplicated(api, req, "batch_unreplicated", bid,
		    "send the same request again: its jobs follow those "
		    "accepted (dedupe), none is made twice");
		goto out;
	}
	{
		struct json_object *o = json_object_new_object(),
		    *jobs = json_object_new_array();

		json_object_object_add(o, "id", json_object_new_string(bid));
		json_object_object_add(o, "count",
		    json_object_new_int((int)br.nurls));
		for (size_t i = 0; i < br.nurls; i++) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "id",
			    json_object_new_string(ids[i]));
			json_object_object_add(j, "url",
			    json_object_new_string(br.urls[i]));
			json_object_array_add(jobs, j);
		}
		json_object_object_add(o, "jobs", jobs);
		snprintf(headers, sizeof headers,
		    "Location: /v1/batches/%s\r\n", bid);
		response_send(req, 201, headers,
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	log_info("event=batch_created batch=%s jobs=%zu", bid, br.nurls);
	goto out;
no_id:
	response_error(req, 500, "internal_error", "cannot make a job id",
	    NULL);
out:
	free(ids);
	job_batch_request_free(&br);
}

struct route_batch_view {
	struct json_object *jobs;
	long counts[4];
	long missing;
	const char *base_url;
};

static void
route_batch_add(const struct job *job, void *arg)
{
	struct route_batch_view *v = arg;
	char *s;

	if (job == NULL) {
		v->missing++;
		return;
	}
	if ((size_t)job->status < 4)
		v->counts[job->status]++;
	s = job_to_json(job, v->base_url);
	/* null for a record too large to show, as for one that is gone */
	json_object_array_add(v->jobs,
	    s != NULL ? json_tokener_parse(s) : NULL);
	free(s);
}

void
route_batches_get(struct api *api, struct request *req, const char *arg)
{
	struct route_batch_view v = { json_object_new_array(), { 0 }, 0,
	    req->base_url };
	struct json_object *o, *c;
	char echo[80], msg[128];
	long long created;
	enum store_result r = STORE_NOTFOUND;

	if (id_valid(arg))
		r = store_batch_get(api->store, arg, req->owner, &created,
		    route_batch_add, &v);
	if (r == STORE_NOTFOUND) {
		response_echo(arg, echo, sizeof echo);
		snprintf(msg, sizeof msg, "Batch %s not found", echo);
		response_error(req, 404, "not_found", msg, NULL);
		json_object_put(v.jobs);
		return;
	}
	if (r != STORE_OK) {
		routes_unavailable(api, req, "batch_failed", NULL);
		json_object_put(v.jobs);
		return;
	}
	o = json_object_new_object();
	c = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(arg));
	json_object_object_add(o, "count",
	    json_object_new_int((int)json_object_array_length(v.jobs) +
	    (int)v.missing));
	for (int i = 0; i < 4; i++)
		json_object_object_add(c, job_status_name((enum job_status)i),
		    json_object_new_int64(v.counts[i]));
	json_object_object_add(c, "expired", json_object_new_int64(v.missing));
	json_object_object_add(o, "counts", c);
	json_object_object_add(o, "done",
	    json_object_new_boolean(v.counts[JOB_QUEUED] == 0 &&
	    v.counts[JOB_PROCESSING] == 0));
	json_object_object_add(o, "jobs", v.jobs);
	response_send(req, 200, NULL, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
