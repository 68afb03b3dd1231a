/* fuzz-request.c: whole FastCGI requests through thumbq.fcgi's own code:
 * request_init(), routes_dispatch() (path routing), the real route handlers
 * (content type, body reading, query parsing, job_request_parse(), id
 * checks) and the response writers.
 *
 * Input: FastCGI parameters as "NAME=value" lines (REQUEST_METHOD,
 * REQUEST_URI, CONTENT_TYPE, CONTENT_LENGTH, HTTP_HOST, ...), an empty line,
 * then the request body as the web server would stream it.  See
 * fuzz/corpus/fuzz-request/ for examples.
 *
 * Only Redis is replaced: store_job_create(), store_job_get() and
 * store_error() are defined below, so the linker never pulls store.o out of
 * libthumbq.a.  (If a handler starts calling another store_* function, the
 * link fails with a duplicate definition: add a stub here.)  The parameter
 * FUZZ_STORE, which no web server sends, picks the stub's answer: "error"
 * (Redis down), "missing" (no such job), anything else a job whose status
 * follows the last hex digit of its id.
 *
 * Every answer is checked the way a client would read it: one status line
 * with a status thumbq documents, header lines that cannot split the
 * response, a Content-Length that matches, and a body that is strict JSON in
 * valid UTF-8 ("whatever the input", DESIGN.md), carrying the HTTP status in
 * its "status" member when it is an error. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "conf.h"
#include "job.h"
#include "request.h"
#include "response.h"
#include "routes.h"
#include "store.h"

#define FUZZ_MAX_INPUT		(64 * 1024)
#define FUZZ_MAX_PARAMS		32
#define FUZZ_BODY_CHUNK		1000	/* the web server streams the body */
#define FUZZ_OUT_BUF		512	/* small, so responses cross buffer ends */
#define FUZZ_MAX_RESPONSE	(64 * 1024)

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct thumbq_conf fuzz_conf;
static const char *fuzz_store_mode;	/* FUZZ_STORE of the current input */

/* ---- the store stubs ---- */

enum store_result
store_job_create(struct store *st, const struct job *job, unsigned ttl)
{
	(void)st;
	(void)ttl;
	FUZZ_CHECK(id_valid(job->id));
	FUZZ_CHECK(job->url != NULL);
	if (fuzz_store_mode != NULL && strcmp(fuzz_store_mode, "error") == 0)
		return STORE_ERROR;
	return STORE_OK;
}

enum store_result
store_job_get(struct store *st, const char *id, struct job *job)
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";
	const char *h;

	(void)st;
	/* The handlers promise that nothing unchecked reaches Redis. */
	FUZZ_CHECK(id_valid(id));
	if (fuzz_store_mode != NULL && strcmp(fuzz_store_mode, "error") == 0)
		return STORE_ERROR;
	if (fuzz_store_mode != NULL && strcmp(fuzz_store_mode, "missing") == 0)
		return STORE_NOTFOUND;

	memset(job, 0, sizeof *job);
	memcpy(job->id, id, ID_LEN + 1);
	job->url = strdup("https://example.com/images/photo.jpg?size=large&v=2");
	job->box_width = job->box_height = 100;
	job->attempts = 1;
	h = strchr(hex, id[ID_LEN - 1]);
	switch ((h - hex) % 4) {
	case 0:
		job->status = JOB_QUEUED;
		break;
	case 1:
		job->status = JOB_PROCESSING;
		break;
	case 2:
		job->status = JOB_COMPLETED;
		if (asprintf(&job->path, "thumbnails/%.2s/%.2s/%s.jpg", id, id + 2, id) == -1)
			abort();
		job->width = 100;
		job->height = 67;
		break;
	default:
		job->status = JOB_FAILED;
		job->error_code = strdup("http_error");
		job->error_message = strdup("GET https://example.com/ answered 404 \"Not Found\"");
		break;
	}
	return STORE_OK;
}

const char *
store_error(const struct store *st)
{
	(void)st;
	return "stub store: unavailable";
}

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

static int
fuzz_status_known(int status)
{
	static const int known[] = { 200, 201, 400, 404, 405, 413, 415, 422, 500, 503 };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i] == status)
			return 1;
	return 0;
}

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
fuzz_check_response(const struct fuzz_out *out)
{
	const char *p = out->text, *eol, *body = NULL;
	struct json_tokener *tok;
	struct json_object *root, *v;
	unsigned long clen = 0;
	int status = 0, have_clen = 0, have_allow = 0;
	size_t blen;

	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(sscanf(p, "Status: %3d ", &status) == 1);
	FUZZ_CHECK(fuzz_status_known(status));
	for (;;) {
		eol = strstr(p, "\r\n");
		FUZZ_CHECK(eol != NULL);
		if (eol == p) {
			body = p + 2;
			break;
		}
		fuzz_check_header(p, (size_t)(eol - p));
		if (strncmp(p, "Content-Length: ", 16) == 0) {
			clen = strtoul(p + 16, NULL, 10);
			have_clen = 1;
		}
		if (strncmp(p, "Allow: ", 7) == 0)
			have_allow = 1;
		p = eol + 2;
	}
	FUZZ_CHECK(have_clen);
	FUZZ_CHECK(status != 405 || have_allow);
	blen = out->len - (size_t)(body - out->text);
	FUZZ_CHECK(blen == clen);	/* also: nothing after the one answer */
	FUZZ_CHECK(blen > 0 && body[blen - 1] == '\n');

	tok = json_tokener_new();
	FUZZ_CHECK(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)blen - 1);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != blen - 1) {
		fprintf(stderr, "status %d: body is not valid UTF-8 JSON (%s): %s", status,
		    json_tokener_error_desc(json_tokener_get_error(tok)), body);
		abort();
	}
	FUZZ_CHECK(json_object_is_type(root, json_type_object));
	if (status >= 400) {
		FUZZ_CHECK(json_object_object_get_ex(root, "status", &v));
		FUZZ_CHECK(json_object_is_type(v, json_type_int) &&
		    json_object_get_int(v) == status);
		FUZZ_CHECK(json_object_object_get_ex(root, "message", &v) &&
		    json_object_is_type(v, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(root, "code", &v) &&
		    json_object_is_type(v, json_type_string));
	} else {
		FUZZ_CHECK(json_object_object_get_ex(root, "id", &v) &&
		    id_valid(json_object_get_string(v)));
		FUZZ_CHECK(json_object_object_get_ex(root, "url", &v));
		FUZZ_CHECK(json_object_object_get_ex(root, "status", &v) &&
		    json_object_is_type(v, json_type_string));
	}
	json_object_put(root);
	json_tokener_free(tok);
}

/* ---- the harness ---- */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_defaults(&fuzz_conf);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char store_dummy;
	struct api api = { &fuzz_conf, (struct store *)(void *)&store_dummy };
	FCGX_Stream in, out;
	FCGX_Request fcgi;
	struct fuzz_in fin;
	struct fuzz_out *fout;
	struct request req;
	char *params[FUZZ_MAX_PARAMS + 1];
	const unsigned char *p = data, *end = data + size, *nl;
	size_t nparams = 0;

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
	unsigned char *body = malloc(end - p > 0 ? (size_t)(end - p) : 1);
	FUZZ_CHECK(body != NULL);
	memcpy(body, p, (size_t)(end - p));
	memset(&in, 0, sizeof in);
	fin.end = body + (end - p);
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
	fuzz_store_mode = FCGX_GetParam("FUZZ_STORE", params);

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
