/* response.h: every answer has a status line, headers and a length, and a
 * JSON body unless it says otherwise. */
#ifndef THUMBQ_RESPONSE_H
#define THUMBQ_RESPONSE_H

#include <stddef.h>

#include "request.h"

/* Sends body (a JSON text) with status.  extra_headers, if not NULL, is one or
 * more complete "Name: value\r\n" lines. */
void response_send(struct request *req, int status, const char *extra_headers,
    const char *body);
/* The same with another Content-Type (e.g. Prometheus text). */
void response_send_type(struct request *req, int status,
    const char *content_type, const char *extra_headers, const char *body);
/* 204 No Content. */
void response_no_content(struct request *req);
/* Sends {"status": N, "message": "...", "code": "..."}. */
void response_error(struct request *req, int status, const char *code,
    const char *message, const char *extra_headers);

/* Copies text into out for echoing in a message: printable ASCII only (other
 * bytes become '?', so invalid UTF-8 never reaches a body), cut to size - 1. */
void response_echo(const char *text, char *out, size_t size);

#endif
