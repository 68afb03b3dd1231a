/* response.c: JSON responses (see response.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#include <json-c/json.h>

#include "response.h"

static const char *
response_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 429: return "Too Many Requests";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
response_send(struct request *req, int status, const char *extra_headers,
    const char *body)
{
	response_send_type(req, status, "application/json", extra_headers,
	    body);
}

/* Formats the head of an answer into out (size bytes); returns its length,
 * as snprintf does. */
static int
response_head(char *out, size_t size, const struct request *req, int status,
    const char *content_type, size_t length, const char *extra_headers)
{
	/* Formatted here, not with FCGX_FPrintF: libfcgi has its own printf,
	 * which does not know %zu.  Job JSON changes as the job moves on, so no
	 * cache may keep it. */
	return snprintf(out, size,
	    "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s"
	    "\r\n",
	    status, response_reason(status), content_type, length,
	    req->rate_headers, extra_headers != NULL ? extra_headers : "");
}

void
response_send_type(struct request *req, int status, const char *content_type,
    const char *extra_headers, const char *body)
{
	size_t len = strlen(body);
	/* Bodies end in a newline, for people reading them with curl. */
	int newline = len == 0 || body[len - 1] != '\n';
	/* The head fits on the stack but for unusually long extra headers. */
	char buf[512], *head = buf;
	int n = response_head(buf, sizeof buf, req, status, content_type,
	    len + (size_t)newline, extra_headers);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf) {
		head = xmalloc((size_t)n + 1);
		response_head(head, (size_t)n + 1, req, status, content_type,
		    len + (size_t)newline, extra_headers);
	}
	FCGX_PutStr(head, n, req->out);
	if (head != buf)
		free(head);
	FCGX_PutStr(body, (int)len, req->out);
	if (newline)
		FCGX_PutChar('\n', req->out);
}

void
response_error(struct request *req, int status, const char *code,
    const char *message, const char *extra_headers)
{
	struct json_object *o = json_object_new_object();

	/* json-c escapes control characters and quotes; whatever part of the
	 * request a message echoes, the body stays valid JSON. */
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "code", json_object_new_string(code));
	response_send(req, status, extra_headers,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void
response_echo(const char *text, char *out, size_t size)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i + 1 < size; i++)
		out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	out[i] = '\0';
}

void
response_no_content(struct request *req)
{
	char head[256];
	int n = snprintf(head, sizeof head,
	    "Status: 204 No Content\r\nCache-Control: no-store\r\n%s\r\n",
	    req->rate_headers);

	FCGX_PutStr(head, n, req->out);
}
