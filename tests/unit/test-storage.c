/* test-storage.c: thumbnails land at docroot/thumbnails/ab/cd/{id}.ext,
 * readable by the web server, with no temporary file left behind; a failed
 * write leaves nothing. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage.h"
#include "tap.h"

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

int
main(void)
{
	char root[] = "/tmp/thumbq-test-storage.XXXXXX";
	char rel[STORAGE_RELPATH_MAX], path[512], tmp[512], buf[16], dir[512];
	const char *id = "96b725d0-14f5-48b7-b8b1-2182219fbf06";
	struct job_error err;
	struct stat sb;
	FILE *f;

	storage_relpath(id, "jpg", rel);
	is_str(rel, "thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg",
	    "relative path splits on the first four hex digits");

	if (mkdtemp(root) == NULL)
		return 1;
	job_error_clear(&err);
	ok(storage_write(root, rel, "hello", 5, &err) == 0, "write succeeds");
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
	 * file: the next write of the job removes it, and only it. */
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/%s.jpg.tmp.dead01", root, id);
	f = fopen(tmp, "w");
	if (f)
		fclose(f);
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/96b7aaaa-14f5-48b7-b8b1-2182219fbf06.jpg.tmp.other1", root);
	f = fopen(tmp, "w");
	if (f)
		fclose(f);
	ok(storage_write(root, rel, "again!", 6, &err) == 0, "rewriting the same job succeeds");
	ok(access(tmp, F_OK) == 0, "another job's temporary file is left alone");
	unlink(tmp);
	ok(stat(path, &sb) == 0 && sb.st_size == 6, "rewrite replaced the file");
	is_int(count_entries(dir), 1, "still one file: the dead writer's temporary file is gone");
	snprintf(tmp, sizeof tmp, "%s/thumbnails/96/b7/%s.png.tmp.dead02", root, id);
	f = fopen(tmp, "w");
	if (f)
		fclose(f);
	is_int(storage_remove(root, id, rel), 1, "storage_remove removes the thumbnail");
	is_int(count_entries(dir), 0, "and any temporary file of the job");

	/* A docroot that cannot be written: the attempt fails, retryably. */
	snprintf(path, sizeof path, "%s/readonly", root);
	mkdir(path, 0555);
	if (geteuid() == 0) {
		/* root ignores permissions; a file in the way of a directory fails for all. */
		snprintf(path, sizeof path, "%s/blocked", root);
		f = fopen(path, "w");
		if (f)
			fclose(f);
		snprintf(dir, sizeof dir, "%s/blocked", root);
	} else {
		snprintf(dir, sizeof dir, "%s/readonly", root);
	}
	job_error_clear(&err);
	ok(storage_write(dir, rel, "x", 1, &err) == -1, "write under an unusable docroot fails");
	is_str(err.code, "storage_failed", "error code is storage_failed");
	ok(err.transient == 1, "a storage failure may succeed later (transient)");
	ok(strstr(err.message, "thumbnails") != NULL, "message names the path: %s", err.message);

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? tap_done() : (tap_done(), 1);
}
