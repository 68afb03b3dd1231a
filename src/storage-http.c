/* storage-http.c: the HTTP request under both remote backends (WebDAV and
 * S3), as lighttpd's mod_fastcgi sits on its shared backend layer.
 *
 * One libcurl handle per storage, made at its first request (in the
 * process that uses it, after fork) and kept, so that its connection to
 * the storage is reused from one thumbnail to the next.  Every request is
 * bounded by storage_timeout, goes straight to storage_url (no proxy, no
 * redirect, http and https only) and carries the credentials of
 * storage_user and storage_password_file.  The password file is read for
 * each request, with the rules of redis_password_file (secret.c), so that
 * a changed password needs no restart, and the secret never appears in
 * the process list, the config dump or a log. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "storage-backend.h"
#include "xmalloc.h"

/* What is kept of an answer's body: enough of an S3 error document to say
 * which error it is in the log. */
#define HTTP_BODY_KEEP 200

struct storage_http {
	CURL *curl;
	char *base;		/* storage_url */
	int global_init;
	char *sigv4;		/* CURLOPT_AWS_SIGV4, or NULL: Basic */
	char errbuf[CURL_ERROR_SIZE];
	char body[HTTP_BODY_KEEP + 1];
	size_t body_len;
};

struct storage_http *
storage_http_new(const struct thumbq_conf *conf, const char *sigv4)
{
	struct storage_http *h = xcalloc(1, sizeof *h);

	h->base = xstrdup(conf->storage_url);
	if (sigv4 != NULL)
		h->sigv4 = xstrdup(sigv4);
	/* Refcounted by libcurl; a failure is said at the first request. */
	h->global_init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	return h;
}

void
storage_http_free(struct storage_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->global_init)
		curl_global_cleanup();
	free(h->sigv4);
	free(h->base);
	free(h);
}

int
storage_http_url(const struct storage_http *h, const char *relpath,
    char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", h->base, relpath);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Keeps the start of an answer's body and drops the rest. */
static size_t
http_body(char *data, size_t size, size_t n, void *arg)
{
	struct storage_http *h = arg;
	size_t len = size * n, room = HTTP_BODY_KEEP - h->body_len;

	if (room > len)
		room = len;
	memcpy(h->body + h->body_len, data, room);
	h->body_len += room;
	h->body[h->body_len] = '\0';
	return len;
}

static int
http_init(struct storage *st, struct storage_http *h)
{
	if (!h->global_init) {
		storage_set_error(st, "libcurl initialisation failed");
		return -1;
	}
	if ((h->curl = curl_easy_init()) == NULL) {
		storage_set_error(st, "libcurl handle creation failed");
		return -1;
	}
	return 0;
}

/* The options of every request; a handle keeps its connections across
 * curl_easy_reset. */
static int
http_setopts(struct storage *st, struct storage_http *h, const char *method,
    const char *url)
{
	const struct thumbq_conf *conf = st->conf;
	CURL *c = h->curl;
	int bad = 0;

	curl_easy_reset(c);
	bad += curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != 0;
	bad += curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != 0;
	bad += curl_easy_setopt(c, CURLOPT_PROXY, "") != 0;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad += curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != 0;
#else
	bad += curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != 0;
#endif
	bad += curl_easy_setopt(c, CURLOPT_URL, url) != 0;
	/* A HEAD answer has no body to wait for. */
	if (strcmp(method, "HEAD") == 0)
		bad += curl_easy_setopt(c, CURLOPT_NOBODY, 1L) != 0;
	else
		bad += curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) != 0;
	bad += curl_easy_setopt(c, CURLOPT_TIMEOUT,
	    (long)conf->storage_timeout) != 0;
	bad += curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)conf->storage_timeout) != 0;
	bad += curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body) != 0;
	bad += curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != 0;
	if (bad != 0)
		storage_set_error(st, "libcurl %s lacks an option the storage "
		    "needs", curl_version_info(CURLVERSION_NOW)->version);
	return bad == 0 ? 0 : -1;
}

/* storage_user with the password read now; none without storage_user. */
static int
http_credentials(struct storage *st, struct storage_http *h)
{
	const struct thumbq_conf *conf = st->conf;
	char secret[SECRET_BUFSIZE], *why = NULL;
	int bad = 0;

	if (conf->storage_user[0] == '\0')
		return 0;
	if (secret_read(conf->storage_password_file, secret, &why) == -1) {
		storage_set_error(st, "storage_password_file: %s", why);
		free(why);
		return -1;
	}
	bad += curl_easy_setopt(h->curl, CURLOPT_USERNAME,
	    conf->storage_user) != 0;
	bad += curl_easy_setopt(h->curl, CURLOPT_PASSWORD, secret) != 0;
	secret_clear(secret, sizeof secret);
	if (h->sigv4 != NULL)
		bad += curl_easy_setopt(h->curl, CURLOPT_AWS_SIGV4,
		    h->sigv4) != 0;
	else
		bad += curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH,
		    (long)CURLAUTH_BASIC) != 0;
	if (bad != 0) {
		storage_set_error(st, "libcurl %s cannot sign requests this "
		    "way", curl_version_info(CURLVERSION_NOW)->version);
		return -1;
	}
	return 0;
}

long
storage_http_request(struct storage *st, struct storage_http *h,
    const char *method, const char *url, const void *body, size_t len,
    struct curl_slist *headers)
{
	CURLcode rc;
	long code = 0;

	if (h->curl == NULL && http_init(st, h) == -1)
		return 0;
	h->errbuf[0] = '\0';
	h->body_len = 0;
	h->body[0] = '\0';
	if (http_setopts(st, h, method, url) == -1 ||
	    http_credentials(st, h) == -1)
		return 0;
	/* A body given as POSTFIELDS, whatever the method: libcurl then
	 * signs its hash (SigV4) and sends its length. */
	if (body != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	if (headers != NULL)
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	rc = curl_easy_perform(h->curl);
	/* libcurl keeps a copy of the password: not past the request. */
	curl_easy_setopt(h->curl, CURLOPT_PASSWORD, "");
	if (rc != CURLE_OK) {
		storage_set_error(st, "%s %s: %s", method, url,
		    h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(rc));
		return 0;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* " AccessDenied": the error code of an S3 error document, if the kept
 * start of the answer's body has one, for the log; other bodies (a web
 * server's HTML page) say no more than the status. */
static void
http_body_code(const struct storage_http *h, char *out, size_t size)
{
	const char *p = strstr(h->body, "<Code>");
	size_t n = 1;

	out[0] = '\0';
	if (p == NULL)
		return;
	out[0] = ' ';
	for (p += 6; n + 1 < size && isalnum((unsigned char)*p); p++)
		out[n++] = *p;
	out[n] = '\0';
}

enum storage_status
storage_http_status(struct storage *st, struct storage_http *h, long code,
    const char *method, const char *url, const long *ok)
{
	char body[64];
	int denied = code == 401 || code == 403;

	if (code >= 200 && code < 300)
		return STORAGE_OK;
	for (; ok != NULL && *ok != 0; ok++)
		if (code == *ok)
			return STORAGE_OK;
	if (code == 0)
		return STORAGE_FAILED;	/* st->err says why */
	http_body_code(h, body, sizeof body);
	storage_set_error(st, "%s %s: HTTP %ld%s%s", method, url, code,
	    body, denied ? " (credentials refused)" : "");
	return denied ? STORAGE_DENIED : STORAGE_FAILED;
}
