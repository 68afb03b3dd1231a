/* job.c: the job model, POST bodies and the job JSON (see job.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "job.h"
#include "urlpolicy.h"
#include "xmalloc.h"

/* Request bodies are a few hundred bytes; nesting beyond this is an attack on
 * the parser's stack, not a thumbnail request. */
#define JOB_JSON_MAX_DEPTH 8

static const char *const job_status_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_PROCESSING] = "processing",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
};

const char *
job_status_name(enum job_status status)
{
	if ((size_t)status < sizeof job_status_names / sizeof job_status_names[0])
		return job_status_names[status];
	return "unknown";
}

int
job_status_parse(const char *name, enum job_status *status)
{
	for (size_t i = 0; i < sizeof job_status_names / sizeof job_status_names[0]; i++) {
		if (strcmp(name, job_status_names[i]) == 0) {
			*status = (enum job_status)i;
			return 0;
		}
	}
	return -1;
}

enum job_parse_result
job_request_parse(const char *body, size_t len, const struct job_parse_limits *limits,
    struct job_request *req, const char **message)
{
	struct json_tokener *tok;
	struct json_object *root = NULL, *url;
	enum job_parse_result rc = JOB_PARSE_MALFORMED;
	const char *cause;
	enum json_tokener_error jerr;
	size_t end;

	memset(req, 0, sizeof *req);
	if (len == 0) {
		*message = "request body is empty: expected a JSON object";
		return JOB_PARSE_MALFORMED;
	}
	tok = json_tokener_new_ex(JOB_JSON_MAX_DEPTH);
	if (tok == NULL) {
		*message = "out of memory";
		return JOB_PARSE_MALFORMED;
	}
	/* Strict: no trailing commas, no single quotes; invalid UTF-8 is refused
	 * here so that nothing downstream has to think about it. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* A number at the very end ("42") is not known to be complete until
	 * json-c sees what follows it: feed the terminating NUL it waits for. */
	if (root == NULL && jerr == json_tokener_continue) {
		root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	while (jerr == json_tokener_success && end < len && isspace((unsigned char)body[end]))
		end++;
	if (jerr != json_tokener_success || end != len) {
		*message = jerr == json_tokener_error_depth ? "request body is nested too deeply" :
		    "request body is not valid JSON";
		goto out;
	}
	rc = JOB_PARSE_INVALID;
	/* root is NULL for the JSON text "null", which is valid JSON. */
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		*message = "request body must be a JSON object";
		goto out;
	}
	if (!json_object_object_get_ex(root, "url", &url)) {
		*message = "url is required";
		goto out;
	}
	if (!json_object_is_type(url, json_type_string)) {
		*message = "url must be a string";
		goto out;
	}
	if ((size_t)json_object_get_string_len(url) != strlen(json_object_get_string(url))) {
		*message = "url must not contain NUL characters";
		goto out;
	}
	if (urlpolicy_check_url(json_object_get_string(url), limits->max_url_bytes, &cause) == -1) {
		*message = cause;
		goto out;
	}
	req->url = xstrdup(json_object_get_string(url));
	req->width = limits->default_width;
	req->height = limits->default_height;
	rc = JOB_PARSE_OK;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

void
job_request_free(struct job_request *req)
{
	free(req->url);
	req->url = NULL;
}

char *
job_to_json(const struct job *job, const char *base_url)
{
	struct json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "id", json_object_new_string(job->id));
	json_object_object_add(o, "url", json_object_new_string(job->url ? job->url : ""));
	json_object_object_add(o, "status", json_object_new_string(job_status_name(job->status)));
	json_object_object_add(o, "attempts", json_object_new_int((int)job->attempts));
	if (job->status == JOB_COMPLETED && job->path != NULL) {
		char *resized = xasprintf("%s/%s", base_url, job->path);

		json_object_object_add(o, "resized_url", json_object_new_string(resized));
		json_object_object_add(o, "width", json_object_new_int((int)job->width));
		json_object_object_add(o, "height", json_object_new_int((int)job->height));
		free(resized);
	}
	/* A queued job may carry the error of its last attempt, while it waits
	 * for a retry; a failed job always does. */
	if (job->error_code != NULL && job->status != JOB_COMPLETED) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_string(job->error_code));
		json_object_object_add(e, "message",
		    json_object_new_string(job->error_message ? job->error_message : ""));
		json_object_object_add(o, "error", e);
	}
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

void
job_free(struct job *job)
{
	free(job->url);
	free(job->path);
	free(job->error_code);
	free(job->error_message);
	job->url = job->path = job->error_code = job->error_message = NULL;
}
