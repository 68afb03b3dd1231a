/* test-joberror.c: a job's error message, which its client reads, never
 * names a server path: job_error_set replaces any absolute path with
 * "(path)", whatever the caller or a library put in it, and the operator's
 * detail goes apart (job_error_detail); URLs and ratios are left alone. */
#include "config.h"

#include <string.h>

#include "joberror.h"
#include "storage.h"
#include "tap.h"

/* The pattern tests/integration/lib.sh refuses in every stored message. */
static int
has_path(const char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (s[i] == '/' && (i == 0 || strchr(" \t'\"(=:,[<", s[i - 1])) &&
		    s[i + 1] != '\0' && s[i + 1] != '/' && s[i + 1] != ' ')
			return 1;
	return 0;
}

int
main(void)
{
	struct job_error err;
	struct thumbq_conf conf;
	struct storage *sto;
	char buf[32], relpath[STORAGE_RELPATH_MAX];

	job_error_clear(&err);
	job_error_set(&err, "storage_failed", 1, "cannot write %s: %s",
	    "/srv/www/docroot/thumbnails/eb/45/x.png.tmp.GH2U1L",
	    "No space left on device");
	is_str(err.message, "cannot write (path): No space left on device",
	    "a path in a message becomes (path)");
	ok(!has_path(err.message), "and the pattern finds none");
	job_error_set(&err, "image_failed", 1, "unable to open '/tmp/gm1Ab' "
	    "(file=/var/tmp/x) [/a]");
	is_str(err.message, "unable to open '(path)' (file=(path)) [(path)]",
	    "paths in quotes, after = and in brackets too");
	job_error_set(&err, "http_error", 1, "origin answered HTTP 503 for "
	    "http://img.example/a/b.jpg, ratio 3/4, and/or image/jpeg");
	is_str(err.message, "origin answered HTTP 503 for "
	    "http://img.example/a/b.jpg, ratio 3/4, and/or image/jpeg",
	    "URLs, ratios and media types are not paths");
	ok(has_path("cannot write /srv/x"), "the pattern finds a path");
	ok(!has_path(err.message), "and none in a URL");

	/* Cut short rather than let part of a path through. */
	strcpy(buf, "at /tmp");
	job_error_scrub(buf, 9);
	is_str(buf, "at (path", "no room: cut short, never a path");
	strcpy(buf, "/");
	job_error_scrub(buf, sizeof buf);
	is_str(buf, "/", "a lone slash is not a path");

	job_error_set(&err, "image_failed", 0, "decoding the JPEG image "
	    "failed");
	ok(err.detail[0] == '\0' && err.outage == 0,
	    "job_error_set clears detail and outage");
	job_error_detail(&err, "severity %d: %s", 450, "/tmp/magick-123");
	is_str(err.detail, "severity 450: /tmp/magick-123",
	    "the detail for the log keeps what it was given");

	/* A local storage that cannot write: an outage, transient, with
	 * the docroot only in storage_error (for the log). */
	memset(&conf, 0, sizeof conf);
	conf.storage = (char *)"local";
	conf.docroot = (char *)"/dev/null/thumbq-test/docroot";
	sto = storage_new(&conf);
	storage_relpath("96b725d0-14f5-48b7-b8b1-2182219fbf06", "jpg",
	    relpath);
	job_error_clear(&err);
	is_int(storage_write(sto, relpath, "x", 1, &err), -1,
	    "a write under a docroot that cannot exist (below /dev/null) fails");
	ok(err.code != NULL && strcmp(err.code, "storage_failed") == 0 &&
	    err.transient && err.outage, "storage_failed, transient, an "
	    "outage (no attempt used up)");
	ok(!has_path(err.message) && strstr(err.message, "thumbq-test") ==
	    NULL, "the client's message names no path: %s", err.message);
	ok(strstr(storage_error(sto), "/dev/null/thumbq-test") != NULL,
	    "the log's text has it: %s", storage_error(sto));
	storage_relpath("bad", "jpg", relpath);
	storage_write(sto, "thumbnails/../../etc/passwd", "x", 1, &err);
	ok(err.code != NULL && !err.transient && !err.outage,
	    "a name that is not a thumbnail's: permanent, not an outage");
	storage_free(sto);
	return tap_done();
}
