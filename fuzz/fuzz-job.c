/* fuzz-job.c: POST /v1/thumbnails bodies through job_request_parse().
 *
 * The body is whatever a client sent, up to max_body_bytes, not
 * NUL-terminated: it is copied into a buffer of exactly its length so that
 * AddressSanitizer sees any read past the end.  Besides not crashing:
 *  - a refusal has a message (for the 400/422 body) that fits and is UTF-8;
 *  - an accepted body gives a URL the URL policy accepts and options within
 *    the limits, whose canonical text (store_opts_format, the form kept in
 *    Redis and hashed for dedupe) parses back to the same options;
 *  - the job JSON made from it is valid UTF-8 JSON carrying the same URL. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "job.h"
#include "store.h"
#include "urlpolicy.h"
#include "fuzz.h"

/* max_body_bytes is at most 1 MiB and 16 KiB by default; larger inputs only
 * slow the fuzzer down without reaching new code. */
#define FUZZ_MAX_INPUT	(64 * 1024)

/* Messages go into JSON bodies, and json-c passes bytes >= 0x80 through. */

/* What the client would read back: parse the job JSON strictly and return
 * its "url" member (malloc'd), or abort if the JSON is not valid. */
static char *
fuzz_json_url(const char *json)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *url;
	char *copy;

	FUZZ_CHECK(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, json, (int)strlen(json));
	FUZZ_CHECK(root != NULL && json_tokener_get_error(tok) == json_tokener_success);
	FUZZ_CHECK(json_object_object_get_ex(root, "url", &url));
	FUZZ_CHECK(json_object_is_type(url, json_type_string));
	copy = strdup(json_object_get_string(url));
	FUZZ_CHECK(copy != NULL);
	json_object_put(root);
	json_tokener_free(tok);
	return copy;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct job_parse_limits limits = {
		.max_url_bytes = 2048,
		.default_width = 100,
		.default_height = 100,
		.max_variants = 8,
		.max_size = 1024,
	};
	struct job_request req;
	struct image_request again;
	struct job job;
	const char *message = NULL, *cause;
	enum job_parse_result rc;
	char msgbuf[JOB_MESSAGE_MAX], opts[STORE_OPTS_MAX];
	char *body, *json, *back;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	body = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(body != NULL);
	if (size > 0)
		memcpy(body, data, size);

	memset(msgbuf, 0xa5, sizeof msgbuf);
	rc = job_request_parse(body, size, &limits, &req, &message, msgbuf);
	switch (rc) {
	case JOB_PARSE_OK:
		FUZZ_CHECK(req.url != NULL);
		FUZZ_CHECK(strlen(req.url) <= limits.max_url_bytes);
		FUZZ_CHECK(urlpolicy_check_url(req.url, limits.max_url_bytes, &cause) == 0);
		FUZZ_CHECK(req.opts.width >= 1 && req.opts.width <= limits.max_size);
		FUZZ_CHECK(req.opts.height >= 1 && req.opts.height <= limits.max_size);
		FUZZ_CHECK(req.opts.quality <= 100);
		/* negotiate is resolved before a job is stored, as the
		 * routes do; nothing else may reach the record. */
		job_format_negotiate(NULL, &req.opts.format);
		FUZZ_CHECK(req.opts.mode <= IMAGE_PAD && req.opts.format <= IMAGE_JXL);
		store_opts_format(&req.opts, opts);
		if (store_opts_parse(opts, &again) != 0) {
			fprintf(stderr, "store_opts_parse refuses \"%s\"\n", opts);
			abort();
		}
		FUZZ_CHECK(again.width == req.opts.width && again.height == req.opts.height);
		FUZZ_CHECK(again.mode == req.opts.mode && again.format == req.opts.format);
		FUZZ_CHECK(again.quality == req.opts.quality);
		FUZZ_CHECK(again.has_background == req.opts.has_background);
		FUZZ_CHECK(!again.has_background ||
		    memcmp(again.background, req.opts.background, 4) == 0);

		/* Each variant is an option set as bounded as the body's,
		 * and its options text reads back the same. */
		FUZZ_CHECK(req.nvariants <= limits.max_variants);
		FUZZ_CHECK(req.placeholder == 0 || req.placeholder == 1);
		for (size_t i = 0; i < req.nvariants; i++) {
			const struct image_request *v = &req.variants[i];

			FUZZ_CHECK(v->width >= 1 && v->width <= limits.max_size);
			FUZZ_CHECK(v->height >= 1 && v->height <= limits.max_size);
			FUZZ_CHECK(v->quality <= 100);
			job_format_negotiate(NULL, &req.variants[i].format);
			FUZZ_CHECK(v->mode <= IMAGE_PAD && v->format <= IMAGE_JXL);
			store_opts_format(v, opts);
			FUZZ_CHECK(store_opts_parse(opts, &again) == 0);
			FUZZ_CHECK(again.width == v->width && again.height == v->height);
			FUZZ_CHECK(again.mode == v->mode && again.format == v->format);
			FUZZ_CHECK(again.quality == v->quality);
		}

		/* The URL is echoed in every answer about the job. */
		memset(&job, 0, sizeof job);
		memcpy(job.id, "00000000-0000-4000-8000-000000000000", ID_LEN + 1);
		job.url = req.url;
		job.status = JOB_QUEUED;
		job.opts = req.opts;
		for (size_t i = 0; i < req.nvariants; i++)
			job.variants[i].opts = req.variants[i];
		job.nvariants = req.nvariants;
		json = job_to_json(&job, "http://localhost");
		FUZZ_CHECK(json != NULL);
		back = fuzz_json_url(json);
		FUZZ_CHECK(strcmp(back, req.url) == 0);
		free(back);
		free(json);
		break;
	case JOB_PARSE_MALFORMED:
	case JOB_PARSE_INVALID:
		FUZZ_CHECK(message != NULL && message[0] != '\0');
		FUZZ_CHECK(message != msgbuf || memchr(msgbuf, '\0', sizeof msgbuf) != NULL);
		FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)message, strlen(message)));
		FUZZ_CHECK(req.url == NULL);
		break;
	default:
		FUZZ_CHECK(!"job_request_parse returned an unknown result");
	}
	job_request_free(&req);
	free(body);
	return 0;
}
