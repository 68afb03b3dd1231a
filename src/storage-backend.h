/* storage-backend.h: what storage.c asks of a backend, one file each
 * (storage-local.c, storage-webdav.c, storage-s3.c), and the libcurl
 * request the two remote ones share (storage-http.c).
 *
 * storage.c checks every path and turns a backend's status into what the
 * client and the log see; a backend only moves bytes, and says what failed
 * in st->err. */
#ifndef THUMBQ_STORAGE_BACKEND_H
#define THUMBQ_STORAGE_BACKEND_H

#include <stddef.h>

#include <curl/curl.h>

#include "conf.h"
#include "storage.h"

enum storage_status {
	STORAGE_OK = 0,
	STORAGE_FAILED = -1,	/* failed or no answer: a retry may work */
	STORAGE_DENIED = -2,	/* our credentials were refused (401, 403) */
};

struct storage_ops {
	const char *name;
	/* Makes the backend's state (NULL: none), when the storage is made:
	 * before the process starts threads, for libcurl's global set-up. */
	void (*open)(struct storage *st);
	/* Stores data as relpath atomically; type is its Content-Type. */
	enum storage_status (*put)(struct storage *st, const char *relpath,
	    const char *type, const void *data, size_t len);
	/* Removes relpath (and what a dead writer left of it); *removed is 1
	 * if it was there, 0 if not. */
	enum storage_status (*remove)(struct storage *st, const char *relpath,
	    int *removed);
	/* One cheap request that shows the storage answers and takes our
	 * credentials. */
	enum storage_status (*check)(struct storage *st);
	void (*free)(struct storage *st);
};

struct storage {
	const struct storage_ops *ops;
	const struct thumbq_conf *conf;
	void *backend;		/* the backend's own state, or NULL */
	char err[512];		/* the last failure, for logs */
};

extern const struct storage_ops storage_local_ops;
extern const struct storage_ops storage_webdav_ops;
extern const struct storage_ops storage_s3_ops;

void storage_set_error(struct storage *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* storage-http.c: one libcurl handle per storage, made at the first
 * request, with the timeouts, protocols and credentials of thumbq.conf;
 * libcurl's global set-up is done when the storage is made. */
struct storage_http;

/* sigv4 is libcurl's CURLOPT_AWS_SIGV4 parameter ("aws:amz:REGION:s3"), or
 * NULL for HTTP Basic authentication (none without storage_user). */
struct storage_http *storage_http_new(const struct thumbq_conf *conf,
    const char *sigv4);
void storage_http_free(struct storage_http *h);
/* Writes storage_url/relpath into out.  -1 if it does not fit. */
int storage_http_url(const struct storage_http *h, const char *relpath,
    char *out, size_t size);
/* One request: method to url with body (NULL: none) and extra headers.
 * Returns the HTTP status, or 0 with st->err set when there was no answer
 * (connection, timeout, credentials unreadable). */
long storage_http_request(struct storage *st, struct storage_http *h,
    const char *method, const char *url, const void *body, size_t len,
    struct curl_slist *headers);
/* Maps the status of a request to what it means for the thumbnail: 2xx
 * (and each code in ok, a 0-terminated list) STORAGE_OK, 401 and 403
 * STORAGE_DENIED, anything else STORAGE_FAILED; says which in st->err. */
enum storage_status storage_http_status(struct storage *st,
    struct storage_http *h, long code, const char *method, const char *url,
    const long *ok);

#endif
