/* storage-webdav.c: thumbnails in a WebDAV collection, storage_url, served
 * by the web host's own server (lighttpd mod_webdav, Apache mod_dav; see
 * lighttpd/thumbq-webdav.conf and apache/thumbq-webdav.conf).
 *
 * A thumbnail is PUT to {name}.tmp beside its final name, then MOVEd into
 * place: whether or not the server writes a PUT atomically, no client ever
 * downloads half a thumbnail.  The temporary name is the same for every
 * attempt of a job, so that a writer killed between PUT and MOVE leaves
 * nothing that the next attempt, or the removal of the thumbnail, does not
 * take away.  Missing collections are made with MKCOL, top down, and
 * remembered, so that the usual write is two requests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage-backend.h"
#include "xmalloc.h"

#define WEBDAV_URL_MAX 2048

/* Collections known to exist: thumbnails/, its 256 thumbnails/ab/ and
 * their 65536 thumbnails/ab/cd/, one bit each (8 KiB in all). */
struct webdav {
	struct storage_http *http;
	unsigned char root;
	unsigned char top[256 / 8];
	unsigned char shard[65536 / 8];
};

static int
webdav_hex(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		v = v * 16 + (c >= 'a' ? c - 'a' + 10 : c - '0');
	}
	return v;
}

/* The bit that says collection depth (1 thumbnails/, 2 thumbnails/ab/, 3
 * thumbnails/ab/cd/) of relpath exists; NULL for a path that is not a
 * thumbnail's below thumbnails/ (the probe's), which is never cached. */
static unsigned char *
webdav_bit(struct webdav *w, const char *relpath, int depth,
    unsigned char *mask)
{
	int i;

	if (depth == 1) {
		*mask = 1;
		return &w->root;
	}
	if (!storage_relpath_valid(relpath))
		return NULL;
	if (depth == 2)
		i = webdav_hex(relpath + 11, 2);
	else
		i = webdav_hex(relpath + 11, 2) * 256 +
		    webdav_hex(relpath + 14, 2);
	*mask = (unsigned char)(1u << (i % 8));
	return depth == 2 ? &w->top[i / 8] : &w->shard[i / 8];
}

/* Makes every collection above relpath that is not known to exist;
 * forget: the server lost one (a 409 Conflict), ask again for all. */
static enum storage_status
webdav_mkcols(struct storage *st, struct webdav *w, const char *relpath,
    int forget)
{
	static const long exists[] = { 405, 0 };
	char url[WEBDAV_URL_MAX], col[STORAGE_RELPATH_MAX + 32];
	const char *p = relpath;
	enum storage_status s;
	unsigned char *bit, mask;
	int depth = 0;
	long code;

	while ((p = strchr(p, '/')) != NULL) {
		depth++;
		bit = webdav_bit(w, relpath, depth, &mask);
		if (bit != NULL && forget)
			*bit &= (unsigned char)~mask;
		if (bit != NULL && (*bit & mask)) {
			p++;
			continue;
		}
		/* A collection's URL ends with a slash. */
		snprintf(col, sizeof col, "%.*s/", (int)(p - relpath), relpath);
		if (storage_http_url(w->http, col, url, sizeof url) == -1) {
			storage_set_error(st, "storage_url too long");
			return STORAGE_FAILED;
		}
		/* 405: it exists (RFC 4918, 9.3.1). */
		code = storage_http_request(st, w->http, "MKCOL", url, NULL, 0,
		    NULL);
		s = storage_http_status(st, w->http, code, "MKCOL", url,
		    exists);
		if (s != STORAGE_OK)
			return s;
		if (bit != NULL)
			*bit |= mask;
		p++;
	}
	return STORAGE_OK;
}

static void
webdav_open(struct storage *st)
{
	struct webdav *w = xcalloc(1, sizeof *w);

	w->http = storage_http_new(st->conf, NULL);
	st->backend = w;
}

/* PUT to the temporary name, making the collections a 409 says are
 * missing. */
static enum storage_status
webdav_put_tmp(struct storage *st, struct webdav *w, const char *relpath,
    const char *tmp, const char *type, const void *data, size_t len)
{
	struct curl_slist *hdrs = NULL;
	char ctype[64];
	enum storage_status s;
	long code;

	snprintf(ctype, sizeof ctype, "Content-Type: %s", type);
	hdrs = curl_slist_append(hdrs, ctype);
	/* No "100 Continue" round trip before every thumbnail. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	s = webdav_mkcols(st, w, relpath, 0);
	if (s != STORAGE_OK)
		goto out;
	code = storage_http_request(st, w->http, "PUT", tmp, data, len, hdrs);
	if (code == 409) {
		s = webdav_mkcols(st, w, relpath, 1);
		if (s != STORAGE_OK)
			goto out;
		code = storage_http_request(st, w->http, "PUT", tmp, data, len,
		    hdrs);
	}
	s = storage_http_status(st, w->http, code, "PUT", tmp, NULL);
out:
	curl_slist_free_all(hdrs);
	return s;
}

static enum storage_status
webdav_put(struct storage *st, const char *relpath, const char *type,
    const void *data, size_t len)
{
	struct webdav *w = st->backend;
	struct curl_slist *hdrs = NULL;
	char url[WEBDAV_URL_MAX], tmp[WEBDAV_URL_MAX + 8];
	char dest[WEBDAV_URL_MAX + 16];
	enum storage_status s;
	long code;

	if (storage_http_url(w->http, relpath, url, sizeof url) == -1) {
		storage_set_error(st, "storage_url too long");
		return STORAGE_FAILED;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", url);
	s = webdav_put_tmp(st, w, relpath, tmp, type, data, len);
	if (s != STORAGE_OK)
		return s;
	snprintf(dest, sizeof dest, "Destination: %s", url);
	hdrs = curl_slist_append(hdrs, dest);
	hdrs = curl_slist_append(hdrs, "Overwrite: T");
	code = storage_http_request(st, w->http, "MOVE", tmp, NULL, 0, hdrs);
	curl_slist_free_all(hdrs);
	s = storage_http_status(st, w->http, code, "MOVE", tmp, NULL);
	if (s != STORAGE_OK) {
		/* Best effort; the next attempt overwrites it anyway. */
		char why[sizeof st->err];

		memcpy(why, st->err, sizeof why);
		storage_http_request(st, w->http, "DELETE", tmp, NULL, 0, NULL);
		memcpy(st->err, why, sizeof why);
	}
	return s;
}

static enum storage_status
webdav_remove(struct storage *st, const char *relpath, int *removed)
{
	static const long gone[] = { 404, 0 };
	struct webdav *w = st->backend;
	char url[WEBDAV_URL_MAX], tmp[WEBDAV_URL_MAX + 8];
	enum storage_status s;
	long code;

	if (storage_http_url(w->http, relpath, url, sizeof url) == -1) {
		storage_set_error(st, "storage_url too long");
		return STORAGE_FAILED;
	}
	code = storage_http_request(st, w->http, "DELETE", url, NULL, 0, NULL);
	s = storage_http_status(st, w->http, code, "DELETE", url, gone);
	if (s != STORAGE_OK)
		return s;
	*removed = code != 404;
	/* What a writer killed between PUT and MOVE left. */
	snprintf(tmp, sizeof tmp, "%s.tmp", url);
	code = storage_http_request(st, w->http, "DELETE", tmp, NULL, 0, NULL);
	return storage_http_status(st, w->http, code, "DELETE", tmp, gone);
}

/* PROPFIND of the thumbnails collection itself (Depth: 0): 207, or 404
 * before the first thumbnail made it. */
static enum storage_status
webdav_check(struct storage *st)
{
	static const long fresh[] = { 404, 0 };
	struct webdav *w = st->backend;
	struct curl_slist *hdrs = NULL;
	char url[WEBDAV_URL_MAX];
	long code;

	if (storage_http_url(w->http, "thumbnails/", url, sizeof url) == -1) {
		storage_set_error(st, "storage_url too long");
		return STORAGE_FAILED;
	}
	hdrs = curl_slist_append(hdrs, "Depth: 0");
	code = storage_http_request(st, w->http, "PROPFIND", url, NULL, 0,
	    hdrs);
	curl_slist_free_all(hdrs);
	return storage_http_status(st, w->http, code, "PROPFIND", url, fresh);
}

static void
webdav_free(struct storage *st)
{
	struct webdav *w = st->backend;

	if (w == NULL)
		return;
	storage_http_free(w->http);
	free(w);
}

const struct storage_ops storage_webdav_ops = {
	"webdav", webdav_open, webdav_put, webdav_remove, webdav_check,
	webdav_free,
};
