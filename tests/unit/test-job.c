/* test-job.c: POST bodies are parsed strictly into 400 (not JSON) or 422 (not
 * a usable request), and job JSON carries what a client of the seed service
 * reads. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "job.h"
#include "tap.h"

static const struct job_parse_limits limits = {
	.max_url_bytes = 2048, .default_width = 100, .default_height = 100,
};

static enum job_parse_result
parse(const char *body, const char **msg)
{
	struct job_request req;
	enum job_parse_result r = job_request_parse(body, strlen(body), &limits, &req, msg);

	job_request_free(&req);
	return r;
}

#define PARSES_AS(body, want, what) do {					\
	const char *msg_ = NULL;						\
	enum job_parse_result got_ = parse(body, &msg_);			\
	if (!ok(got_ == (want), "%s", what))					\
		printf("#   got %d (%s), want %d\n", got_, msg_ ? msg_ : "", want); \
} while (0)

int
main(void)
{
	struct job_request req;
	const char *msg = NULL;
	char longurl[2100];

	const char *seed = "{\"url\": \"https://example.org/photo.jpg\"}";

	ok(job_request_parse(seed, strlen(seed), &limits, &req, &msg) == JOB_PARSE_OK,
	    "the seed body parses");
	is_str(req.url, "https://example.org/photo.jpg", "url taken");
	is_int(req.width, 100, "default width");
	is_int(req.height, 100, "default height");
	job_request_free(&req);

	PARSES_AS("{\"url\":\"http://example.org/a.png\",\"extra\":1}", JOB_PARSE_OK,
	    "unknown fields are ignored");
	PARSES_AS("", JOB_PARSE_MALFORMED, "empty body: 400");
	PARSES_AS("{\"url\": ", JOB_PARSE_MALFORMED, "truncated JSON: 400");
	PARSES_AS("{'url': 'http://x/'}", JOB_PARSE_MALFORMED, "single quotes: 400");
	PARSES_AS("{\"url\":\"http://x.org/\"} trailing", JOB_PARSE_MALFORMED, "trailing junk: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xff\"}", JOB_PARSE_MALFORMED, "invalid UTF-8: 400");
	PARSES_AS("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", JOB_PARSE_MALFORMED,
	    "deep nesting: 400");
	PARSES_AS("[\"http://x.org/\"]", JOB_PARSE_INVALID, "array body: 422");
	PARSES_AS("42", JOB_PARSE_INVALID, "number body: 422");
	PARSES_AS("null", JOB_PARSE_INVALID, "null body: 422");
	PARSES_AS("true", JOB_PARSE_INVALID, "boolean body: 422");
	PARSES_AS("   ", JOB_PARSE_MALFORMED, "blank body: 400");
	PARSES_AS("{\"url\":\"http://x.org/\"}\n  ", JOB_PARSE_OK, "trailing white space is fine");
	PARSES_AS("{\"url\":\"http://x.org/\"}{}", JOB_PARSE_MALFORMED, "two objects: 400");
	PARSES_AS("42 43", JOB_PARSE_MALFORMED, "two numbers: 400");
	PARSES_AS("\"http://x.org/\"", JOB_PARSE_INVALID, "string body: 422");
	PARSES_AS("{}", JOB_PARSE_INVALID, "missing url: 422");
	PARSES_AS("{\"url\": 42}", JOB_PARSE_INVALID, "url not a string: 422");
	PARSES_AS("{\"url\": null}", JOB_PARSE_INVALID, "url null: 422");
	PARSES_AS("{\"url\": \"ftp://x.org/a.jpg\"}", JOB_PARSE_INVALID, "ftp url: 422");
	PARSES_AS("{\"url\": \"file:///etc/passwd\"}", JOB_PARSE_INVALID, "file url: 422");
	PARSES_AS("{\"url\": \"not a url\"}", JOB_PARSE_INVALID, "not a url: 422");
	PARSES_AS("{\"url\": \"http://user:pw@x.org/a.jpg\"}", JOB_PARSE_INVALID, "userinfo: 422");
	PARSES_AS("{\"url\": \"http://x.org/\\u0000.jpg\"}", JOB_PARSE_INVALID, "NUL in url: 422");
	strcpy(longurl, "{\"url\": \"http://x.org/");
	memset(longurl + strlen(longurl), 'a', 2060);
	strcpy(longurl + 2080, "\"}");
	PARSES_AS(longurl, JOB_PARSE_INVALID, "url over 2048 bytes: 422");
	ok(parse("{}", &msg) == JOB_PARSE_INVALID && strcmp(msg, "url is required") == 0,
	    "missing url says so");

	/* Job JSON, as the seed's clients read it. */
	struct job job;
	struct json_object *o, *v, *e;
	char *s;

	memset(&job, 0, sizeof job);
	strcpy(job.id, "96b725d0-14f5-48b7-b8b1-2182219fbf06");
	job.url = strdup("https://example.org/photo.jpg");
	job.status = JOB_QUEUED;
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(o != NULL, "queued job renders valid JSON: %s", s);
	ok(json_object_object_get_ex(o, "id", &v) &&
	    strcmp(json_object_get_string(v), job.id) == 0, "has id");
	ok(json_object_object_get_ex(o, "status", &v) &&
	    strcmp(json_object_get_string(v), "queued") == 0, "status queued");
	ok(!json_object_object_get_ex(o, "resized_url", &v), "no resized_url while queued");
	json_object_put(o);
	free(s);

	job.status = JOB_COMPLETED;
	job.path = strdup("thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg");
	job.width = 100;
	job.height = 67;
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(json_object_object_get_ex(o, "resized_url", &v) && strcmp(json_object_get_string(v),
	    "http://localhost:8080/thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg") == 0,
	    "completed job has absolute resized_url");
	ok(json_object_object_get_ex(o, "width", &v) && json_object_get_int(v) == 100, "width");
	ok(json_object_object_get_ex(o, "height", &v) && json_object_get_int(v) == 67, "height");
	ok(!json_object_object_get_ex(o, "error", &v), "no error when completed");
	json_object_put(o);
	free(s);

	job.status = JOB_FAILED;
	job.error_code = strdup("http_error");
	job.error_message = strdup("origin answered HTTP 404 \"quoted\" \x01");
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(o != NULL, "failed job with odd characters renders valid JSON");
	ok(json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "code", &v) &&
	    strcmp(json_object_get_string(v), "http_error") == 0, "error.code");
	ok(json_object_object_get_ex(e, "message", &v) &&
	    strstr(json_object_get_string(v), "HTTP 404") != NULL, "error.message");
	ok(!json_object_object_get_ex(o, "resized_url", &v), "no resized_url when failed");
	json_object_put(o);
	free(s);
	job_free(&job);

	enum job_status st;
	ok(job_status_parse("processing", &st) == 0 && st == JOB_PROCESSING, "status parses");
	ok(job_status_parse("bogus", &st) == -1, "unknown status refused");
	return tap_done();
}
