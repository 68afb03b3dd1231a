/* storage-local.c: thumbnails in the docroot of this host, written by
 * rename (storage.h).  The web server serves them as static files. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "id.h"
#include "storage-backend.h"

/* Where the name starts in a thumbnail's relpath (as in storage.c). */
#define LOCAL_NAME_OFF 17

/* Creates each missing directory of path's parent, mode 0755 so the web
 * server can traverse them.  Another worker creating the same directory at
 * the same moment is not an error. */
static int
local_mkdirs(char *path)
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
local_write_all(int fd, const unsigned char *data, size_t len)
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

/* Removes the temporary files of the thumbnail at relpath: those a writer
 * left when it died between mkstemp and rename (SIGKILL, a file-size
 * limit, the OOM killer).  Called when the file is written or removed, and
 * every attempt of a job writes the same name, so nothing of a job's
 * attempts outlives it.  Only for thumbnail paths: the probe's has no
 * shard directory of its own to look through. */
static void
local_unlink_temps(const char *docroot, const char *relpath)
{
	const char *name = relpath + LOCAL_NAME_OFF;
	struct dirent *e;
	char dir[PATH_MAX], path[PATH_MAX];
	DIR *d;
	int n;

	if (!storage_relpath_valid(relpath))
		return;
	n = snprintf(dir, sizeof dir, "%s/%.*s", docroot, LOCAL_NAME_OFF - 1,
	    relpath);
	if (n < 0 || (size_t)n >= sizeof dir || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, name, ID_LEN) != 0 ||
		    e->d_name[ID_LEN] != '.' ||
		    strstr(e->d_name + ID_LEN, ".tmp.") == NULL)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
		    (int)sizeof path)
			unlink(path);
	}
	closedir(d);
}

static enum storage_status
local_put(struct storage *st, const char *relpath, const char *type,
    const void *data, size_t len)
{
	const char *docroot = st->conf->docroot;
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd = -1, rc = STORAGE_FAILED;
	int n;

	(void)type;
	n = snprintf(path, sizeof path, "%s/%s", docroot, relpath);
	if (n < 0 || (size_t)n >= sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >=
	    (int)sizeof tmp) {
		storage_set_error(st, "path too long under docroot %s",
		    docroot);
		return STORAGE_FAILED;
	}
	if (local_mkdirs(tmp) == -1) {
		storage_set_error(st, "cannot create directories for %s: %s",
		    path, strerror(errno));
		return STORAGE_FAILED;
	}
	/* The temporary file lives beside its final name so that rename(2)
	 * is atomic; mkstemp gives 0600, the web server needs 0644. */
	fd = mkstemp(tmp);
	if (fd == -1) {
		storage_set_error(st, "cannot create %s: %s", tmp,
		    strerror(errno));
		return STORAGE_FAILED;
	}
	if (fchmod(fd, 0644) == -1 || local_write_all(fd, data, len) == -1) {
		storage_set_error(st, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		storage_set_error(st, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (rename(tmp, path) == -1) {
		storage_set_error(st, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	rc = STORAGE_OK;
	local_unlink_temps(docroot, relpath);
out:
	if (fd != -1)
		close(fd);
	if (rc != STORAGE_OK)
		unlink(tmp);
	return rc;
}

static enum storage_status
local_remove(struct storage *st, const char *relpath, int *removed)
{
	char path[PATH_MAX];
	int n;

	local_unlink_temps(st->conf->docroot, relpath);
	n = snprintf(path, sizeof path, "%s/%s", st->conf->docroot, relpath);
	if (n < 0 || (size_t)n >= sizeof path) {
		storage_set_error(st, "path too long under docroot %s",
		    st->conf->docroot);
		errno = ENAMETOOLONG;
		return STORAGE_FAILED;
	}
	*removed = unlink(path) == 0;
	if (*removed || errno == ENOENT)
		return STORAGE_OK;
	n = errno;
	storage_set_error(st, "cannot remove %s: %s", path, strerror(n));
	errno = n;
	return STORAGE_FAILED;
}

/* The docroot is this host's own disk: nothing to ask. */
static enum storage_status
local_check(struct storage *st)
{
	(void)st;
	return STORAGE_OK;
}

static void
local_free(struct storage *st)
{
	(void)st;
}

const struct storage_ops storage_local_ops = {
	"local", NULL, local_put, local_remove, local_check, local_free,
};
