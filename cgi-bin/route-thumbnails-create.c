/* route-thumbnails-create.c: POST /v1/thumbnails {"url": "..."}
 *
 * Validates the body, creates the job and queues it in one Redis round trip
 * (an atomic script, so a process killed mid-request leaves either the job
 * or nothing), and answers 201 with the job and its Location. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "store.h"
#include "xmalloc.h"

void
route_thumbnails_create(struct api *api, struct request *req, const char *arg)
{
	const struct job_parse_limits limits = {
		.max_url_bytes = api->conf->max_url_bytes,
		.default_width = api->conf->thumbnail_width,
		.default_height = api->conf->thumbnail_height,
		.max_size = api->conf->max_thumbnail_size,
		.default_priority = JOB_NORMAL,
		.max_variants = api->conf->max_variants,
	};
	char msgbuf[JOB_MESSAGE_MAX];
	struct job_request jr;
	struct job job;
	enum job_parse_result parsed;
	const char *why;
	char headers[128];
	char *body;

	(void)arg;
	if (routes_read_json(req, api->conf->max_body_bytes) == -1)
		return;
	parsed = job_request_parse(req->body, req->body_len, &limits, &jr, &why,
	    msgbuf);
	if (routes_parse_failed(req, parsed, why) == -1)
		return;
	job_format_negotiate(request_param(req, "HTTP_ACCEPT"),
	    &jr.opts.format);
	/* format stays per variant: each one's negotiate too. */
	for (size_t i = 0; i < jr.nvariants; i++)
		job_format_negotiate(request_param(req, "HTTP_ACCEPT"),
		    &jr.variants[i].format);

	memset(&job, 0, sizeof job);
	if (id_generate(job.id) == -1) {
		log_err("event=id_failed error=\"getrandom failed\"");
		response_error(req, 500, "internal_error",
		    "cannot make a job id", NULL);
		goto out;
	}
	job.url = xstrdup(jr.url);
	job.opts = jr.opts;
	for (size_t i = 0; i < jr.nvariants; i++)
		job.variants[i].opts = jr.variants[i];
	job.nvariants = jr.nvariants;
	job.placeholder = jr.placeholder;
	job.priority = jr.priority;
	job.callback_url = jr.callback_url ? xstrdup(jr.callback_url) : NULL;
	job.owner = req->owner[0] != '\0' ? xstrdup(req->owner) : NULL;
	if (store_job_create(api->store, &job, api->conf->thumbnail_ttl,
	    api->conf->dedupe_ttl) != STORE_OK) {
		routes_unavailable(api, req, "create_failed", NULL);
		goto out;
	}
	/* redis_min_replicas: no 201 for a job a failover could lose. */
	if (store_job_replicated(api->store, job.id) != STORE_OK) {
		routes_unreplicated(api, req, "create_unreplicated", job.id,
		    "send the same request again: the same job answers it");
		goto out;
	}
	log_debug("event=created job=%s", job.id);
	snprintf(headers, sizeof headers, "Location: /v1/thumbnails/%s\r\n",
	    job.id);
	body = job_to_json(&job, req->base_url);
	if (body == NULL)
		response_error(req, 500, "internal_error",
		    "the job's record is too large to show", NULL);
	else
		response_send(req, 201, headers, body);
	free(body);
out:
	job_free(&job);
	job_request_free(&jr);
}
