/* request.h: one request, over FastCGI or CGI, as the handlers see it.
 *
 * Everything here comes from the client (through the web server) and is
 * untrusted: the body is read only up to the bound its route gives
 * (max_body_bytes, or a batch's), and each string is bounded by the web
 * server's own limits before it gets here. */
#ifndef THUMBQ_REQUEST_H
#define THUMBQ_REQUEST_H

#include <stddef.h>

#include <fcgiapp.h>

#include "conf.h"
#include "storage.h"
#include "store.h"

/* What every handler needs and lives as long as the process. */
struct api {
	const struct thumbq_conf *conf;
	struct store *store;
	struct storage *storage;	/* where DELETE removes thumbnails */
};

struct request {
	FCGX_Stream *in;
	FCGX_Stream *out;
	FCGX_ParamArray envp;
	const char *method;
	char path[1024];		/* REQUEST_URI up to '?', no decoding */
	const char *query;		/* after '?', or "" */
	char *body;			/* request_read_body's, NUL-ended */
	size_t body_len;
	char base_url[320];		/* docroot's URL, no trailing slash */
	char owner[64];			/* the API key's id, or "" */
	char rate_headers[160];		/* RateLimit-* lines for every answer */
};

/* Fills req from the FastCGI parameters.  Returns 0, or -1 if the request
 * line is unusable (the caller answers 400). */
int request_init(struct request *req, const struct api *api,
    FCGX_Request *fcgi);
void request_free(struct request *req);
const char *request_param(const struct request *req, const char *name);
/* 1 if the Content-Type is application/json (parameters such as charset
 * allowed), else 0. */
int request_is_json(const struct request *req);
/* Reads the body.  Returns 0, or the HTTP status to answer: 413 if it is
 * larger than max, 400 if it ends early. */
int request_read_body(struct request *req, size_t max);
/* 1 if the web server can send nothing more for this request: its body,
 * if any, has been read, and so has the end of the FastCGI input stream
 * (read here).  0 if part of the input was left unread. */
int request_input_done(struct request *req);
/* Copies the value of query parameter name into out (at most size - 1 bytes).
 * Returns 1 if present, 0 if absent, -1 if present but too long. */
int request_query(const struct request *req, const char *name, char *out,
    size_t size);

#endif
