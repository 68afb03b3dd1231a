/* test-storage.c: with storage = local, thumbnails land at
 * docroot/thumbnails/ab/cd/{name}.ext, readable by the web server, with no
 * temporary file left behind; a failed write leaves nothing and tells the
 * client no server path; and a path read back from Redis touches the file
 * system only if it is exactly what storage_relpath makes.  (The webdav
 * and s3 backends are tested against real servers: storage-webdav.sh,
 * storage-s3.sh.) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "storage.h"
#include "tap.h"

/* A local storage under docroot; its conf lives as long as the test. */
static struct storage *
local_storage(const char *docroot)
{
	static struct thumbq_conf confs[8];
	static int n;
	struct thumbq_conf *conf = &confs[n++ % 8];

	conf_defaults(conf);
	free(conf->docroot);
	conf->docroot = strdup(docroot);
	return storage_new(conf);
}

/* Counts the entries of dir (without . and ..), -1 if it cannot be opened. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

/* Paths a compromised Redis could hand back (a job's path field, or a name
 * that becomes one): each must be refused, and must not remove its target. */
static void
test_forged(const char *root)
{
	static const char *const bad[] = {
		"",
		"../victim.jpg",
		"/etc/passwd",
		"thumbnails/96/b7/../../../../victim.jpg",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg/../../../../victim.jpg",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpgx",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.gif",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06",
		"thumbnails/96/b7/96B725D0-14F5-48B7-B8B1-2182219FBF06.jpg",
		"thumbnails/00/00/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
		"thumbnails/96/b7/96b725d0_14f5-48b7-b8b1-2182219fbf06.jpg",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf0.jpg",
		"thumbnails/96/b7//96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
		"thumbnails//96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
		"Thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
		"./thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg\n",
		"thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg.tmp.abcdef",
	};
	char victim[512], dir[512], path[512];
	struct job_error err;
	struct storage *sto;
	int refused = 0, kept = 1;

	snprintf(victim, sizeof victim, "%s/victim.jpg", root);
	touch(victim);
	snprintf(dir, sizeof dir, "%s/docroot", root);
	mkdir(dir, 0755);
	sto = local_storage(dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int valid = storage_relpath_valid(bad[i]);

		errno = 0;
		if (!valid && storage_remove(sto, bad[i]) == -1 &&
		    errno == EINVAL)
			refused++;
		else
			diag(bad[i]);	/* not refused */
		if (access(victim, F_OK) != 0) {
			diag(bad[i]);	/* removed the victim */
			kept = 0;
			touch(victim);
		}
	}
	is_int(refused, (int)(sizeof bad / sizeof bad[0]),
	    "every forged path is refused by storage_relpath_valid and storage_remove (EINVAL)");
	ok(kept, "no forged path removed the file it names");

	/* The worker's name comes from Redis too: a bad one makes no path, and
	 * the write of that job is refused for good (retrying cannot help). */
	storage_relpath("", "jpg", path);
	is_str(path, "", "no name, no path");
	storage_relpath("../../../../etc/x-14f5-48b7-b8b1-2182219fbf06", "jpg", path);
	ok(!storage_relpath_valid(path), "a name that is not an id's shape makes an invalid path");
	job_error_clear(&err);
	ok(storage_write(sto, path, "x", 1, &err) == -1 && err.transient == 0 &&
	    strcmp(err.code, "storage_failed") == 0, "and storage_write refuses it, not retryably");
	is_int(count_entries(dir), 0, "having written nothing");
	storage_free(sto);
}

int
main(void)
{
	char root[] = "/tmp/thumbq-test-storage.XXXXXX";
	char rel[STORAGE_RELPATH_MAX], path[512], tmp[512], buf[16], dir[512];
	const char *name = "96b725d0-14f5-48b7-b8b1-2182219fbf06";
	struct job_error err;
	struct storage *sto, *bad;
	struct stat sb;
	char *cause = NULL;
	FILE *f;

	storage_relpath(name, "jpg", rel);
	is_str(rel, "thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
	    "relative path splits on the first four hex digits of the name");
	ok(storage_relpath_valid(rel), "and is a valid thumbnail path");
	storage_relpath(name, "png", rel);
	ok(storage_relpath_valid(rel), "so is its .png");
	storage_relpath(name, "webp", rel);
	ok(storage_relpath_valid(rel), "and its .webp");
	storage_relpath(name, "jpg", rel);

	if (mkdtemp(root) == NULL)
		return 1;
	sto = local_storage(root);
	job_error_clear(&err);
	ok(storage_write(sto, rel, "hello", 5, &err) == 0, "write succeeds");
	snprintf(path, sizeof path, "%s/%s", root, rel);
	ok(stat(path, &sb) == 0 && sb.st_size == 5, "file exists with its 5 bytes");
	ok((sb.st_mode & 0777) == 0644, "file is 0644, readable by the web server");
	f = fopen(path, "r");
	ok(f != NULL && fread(buf, 1, sizeof buf, f) == 5 && memcmp(buf, "hello", 5) == 0,
	    "content is what was written");
	if (f)
		fclose(f);
	snprintf(dir, sizeof dir, "%s/thumbnails/96/b7", root);
	is_int(count_entries(dir), 1, "no temporary file left beside it");

	/* A writer that died between mkstemp and rename left its temporary
	 * file: the next write of the same name removes it, and only it. */
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/%s.jpg.tmp.dead01", root, name);
	touch(tmp);
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/96b7aaaa-14f5-48b7-b8b1-2182219fbf06.jpg.tmp.other1", root);
	touch(tmp);
	ok(storage_write(sto, rel, "again!", 6, &err) == 0, "rewriting the same name succeeds");
	ok(access(tmp, F_OK) == 0, "another file's temporary file is left alone");
	unlink(tmp);
	ok(stat(path, &sb) == 0 && sb.st_size == 6, "rewrite replaced the file");
	is_int(count_entries(dir), 1, "still one file: the dead writer's temporary file is gone");
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/%s.png.tmp.dead02", root, name);
	touch(tmp);
	is_int(storage_remove(sto, rel), 1, "storage_remove removes the thumbnail");
	is_int(count_entries(dir), 0, "and any temporary file of the name");
	is_int(storage_remove(sto, rel), 0, "removing it again: 0, not an error");

	/* A docroot that cannot be written: the attempt fails, retryably. */
	snprintf(path, sizeof path, "%s/readonly", root);
	mkdir(path, 0555);
	if (geteuid() == 0) {
		/* root ignores permissions; a file in the way of a directory fails for all. */
		snprintf(path, sizeof path, "%s/blocked", root);
		touch(path);
		snprintf(dir, sizeof dir, "%s/blocked", root);
	} else {
		snprintf(dir, sizeof dir, "%s/readonly", root);
	}
	job_error_clear(&err);
	bad = local_storage(dir);
	ok(storage_write(bad, rel, "x", 1, &err) == -1, "write under an unusable docroot fails");
	is_str(err.code, "storage_failed", "error code is storage_failed");
	ok(err.transient == 1, "a storage failure may succeed later (transient)");
	ok(strstr(err.message, root) == NULL && strstr(err.message, "thumbnails/") == NULL,
	    "the client's message names no server path: %s", err.message);
	ok(strstr(storage_error(bad), dir) != NULL,
	    "storage_error, for the worker's log, does: %s", storage_error(bad));
	ok(storage_probe(bad, &cause) == -1 && cause != NULL && strstr(cause, dir) != NULL,
	    "the probe fails there too, saying where");
	free(cause);
	storage_free(bad);

	/* thumbqd -t's probe: written and removed, nothing left. */
	snprintf(dir, sizeof dir, "%s/thumbnails", root);
	ok(storage_probe(sto, &cause) == 0, "the probe writes and removes an object");
	is_int(count_entries(dir), 1, "leaving only the shard directory 96/");
	storage_free(sto);

	test_forged(root);

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? tap_done() : (tap_done(), 1);
}
