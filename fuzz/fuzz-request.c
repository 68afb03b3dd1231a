/* fuzz-request.c: whole FastCGI requests through thumbq.fcgi's own code:
 * request_init(), routes_dispatch() (path routing, 404/405), the auth gate,
 * the real route handlers (content type, body reading, query parsing, job
 * and batch bodies, id checks) and the response writers.
 *
 * Input: FastCGI parameters as "NAME=value" lines (REQUEST_METHOD,
 * REQUEST_URI, CONTENT_TYPE, CONTENT_LENGTH, HTTP_HOST, HTTP_AUTHORIZATION,
 * ...), an empty line, then the request body as the web server streams it.
 * See fuzz/corpus/fuzz-request/ for examples.  A parameter FUZZ_AUTH (which
 * no web server sends) picks a configuration with auth_required and a rate
 * limit, so that the API-key gate is fuzzed too.
 *
 * The program is all of thumbq.fcgi, main.c included with main renamed (so
 * that libFuzzer's runs): every route file comes in through
 * cgi_bin_thumbq_fcgi_SOURCES, with no list or stub here to keep in step.
 * The store is the real one, pointed at a Unix socket that does not exist,
 * so every Redis call fails at once (a connect to a missing path, no
 * network): what is fuzzed is everything a request goes through before and
 * instead of Redis, which is where untrusted input is parsed and refused.
 *
 * Every answer is checked the way a client would read it: exactly one
 * answer; a status line with a status response.c has a reason phrase for;
 * header lines "Name: printable ASCII" (no response splitting); an exact
 * Content-Length with nothing after the body (none at all for 204); a JSON
 * body that is strict JSON in valid UTF-8 ("whatever the input", DESIGN.md),
 * with errors carrying the HTTP status in "status" and a "message"; any other
 * body valid UTF-8 text. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "conf.h"
#include "request.h"
#include "response.h"
#include "routes.h"
#include "store.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT		(64 * 1024)
#define FUZZ_MAX_PARAMS		32
#define FUZZ_BODY_CHUNK		1000	/* the web server streams the body */
#define FUZZ_OUT_BUF		512	/* small, so responses cross buffer ends */
#define FUZZ_MAX_RESPONSE	(256 * 1024)

/* [0] the defaults, [1] with API keys and a rate limit */
static struct thumbq_conf fuzz_conf[2];
static struct store *fuzz_store[2];
static struct storage *fuzz_storage[2];
static char fuzz_docroot[] = "/tmp/thumbq-fuzz-docroot.XXXXXX";

/* ---- FastCGI streams over memory ---- */

struct fuzz_in {
	const unsigned char *end;	/* of the whole body */
};

struct fuzz_out {
	unsigned char buf[FUZZ_OUT_BUF];
	char *text;			/* everything written so far */
	size_t len;
};

/* Hands out the next chunk of the body, then end of stream. */
static void
fuzz_in_fill(FCGX_Stream *s)
{
	struct fuzz_in *in = s->data;
	size_t left = (size_t)(in->end - s->stop);

	if (left == 0) {
		s->isClosed = 1;
		return;
	}
	s->rdNext = s->stopUnget = s->stop;
	s->stop += left < FUZZ_BODY_CHUNK ? left : FUZZ_BODY_CHUNK;
}

static void
fuzz_out_empty(FCGX_Stream *s, int doClose)
{
	struct fuzz_out *out = s->data;
	size_t n = (size_t)(s->wrNext - out->buf);

	(void)doClose;
	FUZZ_CHECK(out->len + n <= FUZZ_MAX_RESPONSE);
	out->text = realloc(out->text, out->len + n + 1);
	FUZZ_CHECK(out->text != NULL);
	memcpy(out->text + out->len, out->buf, n);
	out->len += n;
	out->text[out->len] = '\0';
	s->wrNext = out->buf;
}

/* ---- checking the answer ---- */

/* One header line, CRLF excluded: "Name: value", printable ASCII only. */
static void
fuzz_check_header(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == '-' || (line[i] >= 'A' && line[i] <= 'Z') ||
	    (line[i] >= 'a' && line[i] <= 'z')))
		i++;
	FUZZ_CHECK(i > 0 && i + 1 < len && line[i] == ':' && line[i + 1] == ' ');
	for (; i < len; i++)
		FUZZ_CHECK(line[i] >= 0x20 && line[i] < 0x7f);
}

static void
fuzz_check_json(int status, const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *v;

	FUZZ_CHECK(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		fprintf(stderr, "status %d: body is not valid UTF-8 JSON (%s): %.*s\n", status,
		    json_tokener_error_desc(json_tokener_get_error(tok)), (int)len, body);
		abort();
	}
	if (json_object_object_get_ex(root, "code", &v)) {
		/* An error: {"status": N, "message": "...", "code": "..."} */
		FUZZ_CHECK(status >= 400);
		FUZZ_CHECK(json_object_is_type(v, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(root, "status", &v));
		FUZZ_CHECK(json_object_is_type(v, json_type_int) &&
		    json_object_get_int(v) == status);
		FUZZ_CHECK(json_object_object_get_ex(root, "message", &v) &&
		    json_object_is_type(v, json_type_string));
	} else
		FUZZ_CHECK(status < 400 || status == 503);	/* 503: health */
	json_object_put(root);
	json_tokener_free(tok);
}

static void
fuzz_check_response(const struct fuzz_out *out)
{
	const char *p = out->text, *eol, *body = NULL;
	char reason[64];
	unsigned long clen = 0;
	int status = 0, have_clen = 0, have_type = 0, json = 0, have_allow = 0;
	size_t blen;

	FUZZ_CHECK(p != NULL);	/* some answer */
	FUZZ_CHECK(sscanf(p, "Status: %3d %63[^\r]", &status, reason) == 2);
	FUZZ_CHECK(status >= 200 && status <= 599 && strcmp(reason, "Unknown") != 0);
	for (;;) {
		eol = strstr(p, "\r\n");
		FUZZ_CHECK(eol != NULL);
		if (eol == p) {
			body = p + 2;
			break;
		}
		fuzz_check_header(p, (size_t)(eol - p));
		if (strncmp(p, "Content-Length: ", 16) == 0) {
			FUZZ_CHECK(!have_clen);
			clen = strtoul(p + 16, NULL, 10);
			have_clen = 1;
		}
		if (strncmp(p, "Content-Type: ", 14) == 0) {
			FUZZ_CHECK(!have_type);
			have_type = 1;
			json = strncmp(p, "Content-Type: application/json\r\n", 32) == 0;
		}
		if (strncmp(p, "Allow: ", 7) == 0)
			have_allow = 1;
		p = eol + 2;
	}
	blen = out->len - (size_t)(body - out->text);
	if (status == 204) {
		FUZZ_CHECK(!have_type && (!have_clen || clen == 0) && blen == 0);
		return;
	}
	FUZZ_CHECK(have_clen && have_type);
	FUZZ_CHECK(status != 405 || have_allow);
	FUZZ_CHECK(blen == clen);	/* also: nothing after the one answer */
	FUZZ_CHECK(blen > 0 && body[blen - 1] == '\n');
	if (json)
		fuzz_check_json(status, body, blen - 1);
	else if (!fuzz_utf8_valid((const unsigned char *)body, blen)) {
		fprintf(stderr, "status %d: body is not UTF-8: %.*s\n", status, (int)blen, body);
		abort();
	}
}

/* ---- the harness ---- */

static void
fuzz_cleanup(void)
{
	rmdir(fuzz_docroot);
}

/* Settings through conf_parse_text(), one line at a time, so that a key
 * renamed or removed leaves the default rather than breaking the build. */
static void
fuzz_conf_set(struct thumbq_conf *conf, const char *line)
{
	char *cause = NULL;

	if (conf_parse_text(conf, line, "fuzz-request", &cause) != 0) {
		fprintf(stderr, "fuzz-request: ignoring setting: %s\n", cause);
		free(cause);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char line[128];

	(void)argc;
	(void)argv;
	/* DELETE removes thumbnails under the docroot: an empty private one. */
	FUZZ_CHECK(mkdtemp(fuzz_docroot) != NULL);
	atexit(fuzz_cleanup);
	for (int i = 0; i < 2; i++) {
		conf_defaults(&fuzz_conf[i]);
		snprintf(line, sizeof line, "docroot = \"%s\"\n", fuzz_docroot);
		fuzz_conf_set(&fuzz_conf[i], line);
		snprintf(line, sizeof line, "redis = \"unix:%s/no-redis.sock\"\n", fuzz_docroot);
		fuzz_conf_set(&fuzz_conf[i], line);
	}
	fuzz_conf_set(&fuzz_conf[1], "auth_required = yes\n");
	fuzz_conf_set(&fuzz_conf[1], "rate_limit = 10\n");
	for (int i = 0; i < 2; i++) {
		fuzz_store[i] = store_new(&fuzz_conf[i]);
		fuzz_storage[i] = storage_new(&fuzz_conf[i]);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FCGX_Stream in, out;
	FCGX_Request fcgi;
	struct fuzz_in fin;
	struct fuzz_out *fout;
	struct request req;
	struct api api;
	char *params[FUZZ_MAX_PARAMS + 1];
	const unsigned char *p = data, *end = data + size, *nl;
	unsigned char *body;
	size_t nparams = 0, blen;
	int auth;

	if (size > FUZZ_MAX_INPUT)
		return 0;

	/* Parameters up to the first empty line (or the end). */
	while (p < end && *p != '\n') {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nparams < FUZZ_MAX_PARAMS && memchr(p, '=', (size_t)(nl - p)) != NULL)
			params[nparams++] = strndup((const char *)p, (size_t)(nl - p));
		p = nl < end ? nl + 1 : end;
	}
	params[nparams] = NULL;
	if (p < end)
		p++;	/* the empty line */

	/* The body: a copy of exactly its length, streamed in chunks. */
	blen = (size_t)(end - p);
	body = malloc(blen > 0 ? blen : 1);
	FUZZ_CHECK(body != NULL);
	memcpy(body, p, blen);
	memset(&in, 0, sizeof in);
	fin.end = body + blen;
	in.rdNext = in.stopUnget = in.stop = body;
	in.isReader = 1;
	in.fillBuffProc = fuzz_in_fill;
	in.data = &fin;

	fout = calloc(1, sizeof *fout);
	FUZZ_CHECK(fout != NULL);
	memset(&out, 0, sizeof out);
	out.wrNext = out.rdNext = fout->buf;
	out.stop = fout->buf + sizeof fout->buf;
	out.emptyBuffProc = fuzz_out_empty;
	out.data = fout;

	memset(&fcgi, 0, sizeof fcgi);
	fcgi.in = &in;
	fcgi.out = &out;
	fcgi.envp = params;
	auth = FCGX_GetParam("FUZZ_AUTH", params) != NULL;
	api.conf = &fuzz_conf[auth];
	api.store = fuzz_store[auth];
	api.storage = fuzz_storage[auth];

	/* As main.c does for each accepted request. */
	if (request_init(&req, &api, &fcgi) == -1)
		response_error(&req, 400, "bad_request", "unusable request line", NULL);
	else
		routes_dispatch(&api, &req);
	request_free(&req);
	fuzz_out_empty(&out, 1);
	fuzz_check_response(fout);

	free(fout->text);
	free(fout);
	free(body);
	for (size_t i = 0; i < nparams; i++)
		free(params[i]);
	return 0;
}
