/* request.c: FastCGI parameters and body, bounded (see request.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request.h"
#include "xmalloc.h"

const char *
request_param(const struct request *req, const char *name)
{
	return FCGX_GetParam(name, req->envp);
}

/* A Host header goes into every resized_url we hand out, so only a plain
 * host[:port] is taken from it; anything else falls back to the server's
 * own name. */
static int
request_host_ok(const char *host)
{
	size_t len = strlen(host);

	if (len == 0 || len > 255)
		return 0;
	for (const char *p = host; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-:[]", *p) == NULL)
			return 0;
	return 1;
}

static void
request_base_url(struct request *req, const struct api *api)
{
	const char *https = request_param(req, "HTTPS");
	const char *scheme = https != NULL &&
	    strcasecmp(https, "on") == 0 ? "https" : "http";
	const char *host = request_param(req, "HTTP_HOST");

	if (api->conf->base_url[0] != '\0') {
		snprintf(req->base_url, sizeof req->base_url, "%s",
		    api->conf->base_url);
		return;
	}
	if (host != NULL && request_host_ok(host)) {
		snprintf(req->base_url, sizeof req->base_url, "%s://%s", scheme,
		    host);
		return;
	}
	host = request_param(req, "SERVER_NAME");
	const char *port = request_param(req, "SERVER_PORT");
	if (host == NULL || !request_host_ok(host))
		host = "localhost";
	if (port == NULL || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5)
		port = "80";
	snprintf(req->base_url, sizeof req->base_url, "%s://%s:%s", scheme,
	    host, port);
}

int
request_init(struct request *req, const struct api *api, FCGX_Request *fcgi)
{
	const char *uri, *q;
	size_t len;

	memset(req, 0, sizeof *req);
	req->in = fcgi->in;
	req->out = fcgi->out;
	req->envp = fcgi->envp;
	req->method = request_param(req, "REQUEST_METHOD");
	uri = request_param(req, "REQUEST_URI");
	if (req->method == NULL || uri == NULL)
		return -1;
	q = strchr(uri, '?');
	len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (len >= sizeof req->path)
		return -1;
	memcpy(req->path, uri, len);
	req->path[len] = '\0';
	req->query = q != NULL ? q + 1 : "";
	request_base_url(req, api);
	return 0;
}

void
request_free(struct request *req)
{
	free(req->body);
	req->body = NULL;
}

int
request_is_json(const struct request *req)
{
	const char *ct = request_param(req, "CONTENT_TYPE");
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
request_read_body(struct request *req, size_t max)
{
	const char *cl = request_param(req, "CONTENT_LENGTH");
	unsigned long long want = 0;
	size_t got = 0;

	if (cl != NULL && cl[0] != '\0') {
		char *end;

		if (!isdigit((unsigned char)cl[0]))
			return 400;
		want = strtoull(cl, &end, 10);
		if (*end != '\0')
			return 400;
	}
	if (want > max)
		return 413;
	req->body = xmalloc((size_t)want + 1);
	while (got < want) {
		int n = FCGX_GetStr(req->body + got, (int)(want - got),
		    req->in);

		if (n <= 0)
			return 400;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return 0;
}

int
request_input_done(struct request *req)
{
	const char *cl = request_param(req, "CONTENT_LENGTH");

	/* A body nobody read (an answer such as 413 or 415 came first). */
	if (req->body == NULL && cl != NULL && cl[0] != '\0' &&
	    strcmp(cl, "0") != 0)
		return 0;
	/* The end-of-stream record follows the body at once (or the
	 * parameters, without a body): this does not wait for the client. */
	return FCGX_GetChar(req->in) == EOF && FCGX_HasSeenEOF(req->in) == EOF;
}

int
request_query(const struct request *req, const char *name, char *out,
    size_t size)
{
	size_t namelen = strlen(name);

	for (const char *p = req->query; *p != '\0'; ) {
		const char *end = strchr(p, '&');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len > namelen && strncmp(p, name, namelen) == 0 &&
		    p[namelen] == '=') {
			size_t vlen = len - namelen - 1;

			if (vlen >= size)
				return -1;
			memcpy(out, p + namelen + 1, vlen);
			out[vlen] = '\0';
			return 1;
		}
		if (len == namelen && strncmp(p, name, namelen) == 0) {
			out[0] = '\0';
			return 1;
		}
		p += len + (end != NULL ? 1 : 0);
	}
	return 0;
}
