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

#include "id.h"
#include "storage.h"

/* "thumbnails/" "ab/cd/", then the name: where the name starts in a relpath. */
#define STORAGE_NAME_OFF 17
/* What image.c writes: the only extensions a thumbnail path may have. */
static const char *const storage_exts[] = { "jpg", "png", "webp" };

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
	for (size_t i = 0; i < sizeof storage_exts / sizeof storage_exts[0];
	    i++)
		if (strcmp(name + ID_LEN + 1, storage_exts[i]) == 0)
			return 1;
	return 0;
}

/* Creates each missing directory of path's parent, mode 0755 so the web
 * server can traverse them.  Another worker creating the same directory at
 * the same moment is not an error. */
static int
storage_mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p != NULL;
	    p = strchr(p + 1, '/')) {
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

/* Removes the temporary files of the thumbnail at relpath (valid): those a
 * writer left when it died between mkstemp and rename (SIGKILL, a file-size
 * limit, the OOM killer).  Called when the file is written or removed, and
 * every attempt of a job writes the same name, so nothing of a job's
 * attempts outlives it. */
static void
storage_unlink_temps(const char *docroot, const char *relpath)
{
	const char *name = relpath + STORAGE_NAME_OFF;
	struct dirent *e;
	char dir[PATH_MAX], path[PATH_MAX];
	DIR *d;
	int n;

	n = snprintf(dir, sizeof dir, "%s/%.*s", docroot, STORAGE_NAME_OFF - 1,
	    relpath);
	if (n < 0 || (size_t)n >= sizeof dir || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, name, ID_LEN) != 0 ||
		    e->d_name[ID_LEN] != '.' ||
		    strstr(e->d_name + ID_LEN, ".tmp.") == NULL)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir,
		    e->d_name) < (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

int
storage_write(const char *docroot, const char *relpath, const void *data,
    size_t len, struct job_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd = -1, rc = -1;
	int n;

	/* The name came from Redis by way of the job record. */
	if (!storage_relpath_valid(relpath)) {
		job_error_set(err, "storage_failed", 0,
		    "refusing to write %.80s: not a thumbnail path", relpath);
		return -1;
	}
	n = snprintf(path, sizeof path, "%s/%s", docroot, relpath);
	if (n < 0 || (size_t)n >= sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >=
	    (int)sizeof tmp) {
		job_error_set(err, "storage_failed", 0,
		    "path too long under docroot %s", docroot);
		return -1;
	}
	if (storage_mkdirs(tmp) == -1) {
		job_error_set(err, "storage_failed", 1,
		    "cannot create directories for %s: %s", relpath,
		    strerror(errno));
		return -1;
	}
	/* The temporary file lives beside its final name so that rename(2) is
	 * atomic; mkstemp gives 0600, the web server needs 0644. */
	fd = mkstemp(tmp);
	if (fd == -1) {
		job_error_set(err, "storage_failed", 1, "cannot create %s: %s",
		    tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || storage_write_all(fd, data, len) == -1) {
		job_error_set(err, "storage_failed", 1, "cannot write %s: %s",
		    tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		job_error_set(err, "storage_failed", 1, "cannot write %s: %s",
		    tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		job_error_set(err, "storage_failed", 1,
		    "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
	storage_unlink_temps(docroot, relpath);
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
storage_remove(const char *docroot, const char *relpath)
{
	char path[PATH_MAX];
	int n;

	if (!storage_relpath_valid(relpath)) {
		errno = EINVAL;
		return -1;
	}
	storage_unlink_temps(docroot, relpath);
	n = snprintf(path, sizeof path, "%s/%s", docroot, relpath);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (unlink(path) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}
