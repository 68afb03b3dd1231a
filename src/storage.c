/* storage.c: the one way thumbnails are written and removed (storage.h);
 * the backends are storage-local.c, storage-webdav.c and storage-s3.c. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "storage-backend.h"
#include "xmalloc.h"

/* "thumbnails/" "ab/cd/", then the name: where the name starts in a
 * relpath. */
#define STORAGE_NAME_OFF 17

/* What image.c writes: the only extensions a thumbnail path may have, and
 * the Content-Type a remote storage keeps with each. */
static const struct {
	const char *ext;
	const char *type;
} storage_exts[] = {
	{ "jpg", "image/jpeg" },
	{ "png", "image/png" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "jxl", "image/jxl" },
};
#define STORAGE_NEXTS (sizeof storage_exts / sizeof storage_exts[0])

void
storage_relpath(const char *name, const char *ext,
    char out[STORAGE_RELPATH_MAX])
{
	/* A name cut short (none given) makes "", which no one writes or
	 * removes. */
	if (strnlen(name, ID_LEN) < ID_LEN)
		out[0] = '\0';
	else
		snprintf(out, STORAGE_RELPATH_MAX, "thumbnails/%.2s/%.2s/%s.%s",
		    name, name + 2, name, ext);
}

/* The Content-Type of a valid relpath's extension, or NULL. */
static const char *
storage_type(const char *relpath)
{
	const char *ext = relpath + STORAGE_NAME_OFF + ID_LEN + 1;

	for (size_t i = 0; i < STORAGE_NEXTS; i++)
		if (strcmp(ext, storage_exts[i].ext) == 0)
			return storage_exts[i].type;
	return NULL;
}

int
storage_relpath_valid(const char *relpath)
{
	const char *name = relpath + STORAGE_NAME_OFF;
	size_t len = strnlen(relpath, STORAGE_RELPATH_MAX);
	char id[ID_LEN + 1];

	if (len >= STORAGE_RELPATH_MAX || len < STORAGE_NAME_OFF + ID_LEN + 1 ||
	    strncmp(relpath, "thumbnails/", 11) != 0 || relpath[13] != '/' ||
	    relpath[16] != '/' || memcmp(relpath + 11, name, 2) != 0 ||
	    memcmp(relpath + 14, name + 2, 2) != 0 || name[ID_LEN] != '.')
		return 0;
	/* Lower case only, as id_generate writes it: exactly what
	 * storage_relpath made. */
	memcpy(id, name, ID_LEN);
	id[ID_LEN] = '\0';
	if (!id_valid(id) || strspn(id, "0123456789abcdef-") != ID_LEN)
		return 0;
	return storage_type(relpath) != NULL;
}

struct storage *
storage_new(const struct thumbq_conf *conf)
{
	struct storage *st = xcalloc(1, sizeof *st);

	st->conf = conf;
	/* conf_load accepts no other name. */
	if (strcmp(conf->storage, "webdav") == 0)
		st->ops = &storage_webdav_ops;
	else if (strcmp(conf->storage, "s3") == 0)
		st->ops = &storage_s3_ops;
	else
		st->ops = &storage_local_ops;
	if (st->ops->open != NULL)
		st->ops->open(st);
	return st;
}

void
storage_free(struct storage *st)
{
	if (st == NULL)
		return;
	st->ops->free(st);
	free(st);
}

const char *
storage_error(const struct storage *st)
{
	return st->err;
}

void
storage_set_error(struct storage *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
}

int
storage_write(struct storage *st, const char *relpath, const void *data,
    size_t len, struct job_error *err)
{
	/* The name came from Redis by way of the job record. */
	if (!storage_relpath_valid(relpath)) {
		storage_set_error(st, "refusing to write %.80s: not a "
		    "thumbnail path", relpath);
		job_error_set(err, "storage_failed", 0, "the thumbnail's name "
		    "is not valid: not stored");
		return -1;
	}
	st->err[0] = '\0';
	switch (st->ops->put(st, relpath, storage_type(relpath), data, len)) {
	case STORAGE_OK:
		return 0;
	case STORAGE_DENIED:
		job_error_set(err, "storage_denied", 0, "the thumbnail storage "
		    "refused the worker's credentials: not retried");
		return -1;
	default:
		job_error_set(err, "storage_failed", 1, "the thumbnail could "
		    "not be stored");
		err->outage = 1;
		return -1;
	}
}

int
storage_remove(struct storage *st, const char *relpath)
{
	int removed = 0;

	if (!storage_relpath_valid(relpath)) {
		storage_set_error(st, "not a thumbnail path");
		errno = EINVAL;
		return -1;
	}
	st->err[0] = '\0';
	switch (st->ops->remove(st, relpath, &removed)) {
	case STORAGE_OK:
		return removed;
	case STORAGE_DENIED:
		errno = EACCES;
		return -1;
	default:
		/* The local backend leaves unlink's errno. */
		if (st->ops != &storage_local_ops)
			errno = EIO;
		return -1;
	}
}

int
storage_remove_all(struct storage *st, const char *relpaths)
{
	char one[STORAGE_RELPATH_MAX];
	const char *p = relpaths, *end;
	int n, total = 0, failed = 0, saved = 0;
	size_t len;

	while (*p != '\0') {
		end = strchr(p, ' ');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		/* Too long for a path: what storage_remove refuses. */
		if (len >= sizeof one)
			len = sizeof one - 1;
		memcpy(one, p, len);
		one[len] = '\0';
		if ((n = storage_remove(st, one)) >= 0)
			total += n;
		else {
			failed = 1;
			saved = errno;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (failed) {
		errno = saved;
		return -1;
	}
	return total;
}

int
storage_check(struct storage *st)
{
	st->err[0] = '\0';
	return st->ops->check(st) == STORAGE_OK ? 0 : -1;
}

int
storage_probe(struct storage *st, char **cause)
{
	char id[ID_LEN + 1], relpath[80];
	enum storage_status s;
	int removed = 0;

	if (id_generate(id) == -1) {
		*cause = xasprintf("no random name for the probe: %s",
		    strerror(errno));
		return -1;
	}
	/* Never a thumbnail's path (those are thumbnails/ab/cd/...), and a
	 * random name, so that probes of several hosts do not meet. */
	snprintf(relpath, sizeof relpath, "thumbnails/thumbq-probe-%s.txt",
	    id);
	st->err[0] = '\0';
	s = st->ops->put(st, relpath, "text/plain", "thumbq probe\n", 13);
	if (s == STORAGE_OK)
		s = st->ops->remove(st, relpath, &removed);
	if (s == STORAGE_OK)
		return 0;
	*cause = xasprintf("storage = %s: %s%s", st->conf->storage, st->err,
	    s == STORAGE_DENIED ? " (check storage_user and "
	    "storage_password_file)" : "");
	return -1;
}
