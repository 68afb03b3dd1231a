/* storage.c: thumbnails in the docroot, written by rename (see storage.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage.h"

void
storage_relpath(const char *id, const char *ext, char out[STORAGE_RELPATH_MAX])
{
	snprintf(out, STORAGE_RELPATH_MAX, "thumbnails/%.2s/%.2s/%s.%s", id, id + 2, id, ext);
}

/* Creates each missing directory of path's parent, mode 0755 so the web
 * server can traverse them.  Another worker creating the same directory at
 * the same moment is not an error. */
static int
storage_mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static int
storage_write_all(int fd, const unsigned char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Removes the temporary files of job id in dir: those a writer left when it
 * died between mkstemp and rename (SIGKILL, a file-size limit, the OOM
 * killer).  Called when the job's file is written or removed, so nothing
 * of a job outlives it. */
static void
storage_unlink_temps(const char *dir, const char *id)
{
	size_t idlen = strlen(id);
	struct dirent *e;
	char path[PATH_MAX];
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, id, idlen) != 0 || e->d_name[idlen] != '.' ||
		    strstr(e->d_name + idlen, ".tmp.") == NULL)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

/* The directory part of docroot/relpath, for storage_unlink_temps. */
static int
storage_dir_of(const char *docroot, const char *relpath, char *out, size_t size)
{
	const char *slash = strrchr(relpath, '/');
	int n;

	if (slash == NULL)
		return -1;
	n = snprintf(out, size, "%s/%.*s", docroot, (int)(slash - relpath), relpath);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
storage_write(const char *docroot, const char *relpath, const void *data, size_t len,
    struct job_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd = -1, rc = -1;
	int n;

	n = snprintf(path, sizeof path, "%s/%s", docroot, relpath);
	if (n < 0 || (size_t)n >= sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		job_error_set(err, "storage_failed", 0, "path too long under docroot %s", docroot);
		return -1;
	}
	if (storage_mkdirs(tmp) == -1) {
		job_error_set(err, "storage_failed", 1, "cannot create directories for %s: %s",
		    relpath, strerror(errno));
		return -1;
	}
	/* The temporary file lives beside its final name so that rename(2) is
	 * atomic; mkstemp gives 0600, the web server needs 0644. */
	fd = mkstemp(tmp);
	if (fd == -1) {
		job_error_set(err, "storage_failed", 1, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || storage_write_all(fd, data, len) == -1) {
		job_error_set(err, "storage_failed", 1, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		job_error_set(err, "storage_failed", 1, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		job_error_set(err, "storage_failed", 1, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
	{
		char dir[PATH_MAX];
		const char *base = strrchr(relpath, '/');

		/* base + 1 is "{id}.{ext}": the id is everything before the dot. */
		if (base != NULL && storage_dir_of(docroot, relpath, dir, sizeof dir) == 0) {
			char id[80];
			const char *dot = strchr(base + 1, '.');

			if (dot != NULL && (size_t)(dot - base - 1) < sizeof id) {
				memcpy(id, base + 1, (size_t)(dot - base - 1));
				id[dot - base - 1] = '\0';
				storage_unlink_temps(dir, id);
			}
		}
	}
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
storage_remove(const char *docroot, const char *id, const char *relpath)
{
	static const char *const exts[] = { "jpg", "png", "webp" };
	char want[STORAGE_RELPATH_MAX], path[PATH_MAX];
	int removed = 0;

	storage_relpath(id, exts[0], want);
	if (storage_dir_of(docroot, want, path, sizeof path) == 0)
		storage_unlink_temps(path, id);
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		storage_relpath(id, exts[i], want);
		if (relpath[0] != '\0' && strcmp(relpath, want) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", docroot, want);
		if (unlink(path) == 0)
			removed++;
		else if (errno != ENOENT)
			return -1;
	}
	return removed;
}
