/* test-conf.c: thumbq.conf parsing, environment overrides, and clear errors
 * for every kind of mistake a sysadmin makes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "conf.h"
#include "log.h"
#include "secret.h"
#include "tap.h"

/* Loads text as a config file; returns conf_load's result, cause in *cause. */
static int
load_text(struct thumbq_conf *conf, const char *text, char **cause)
{
	char path[] = "/tmp/thumbq-test-conf.XXXXXX";
	int fd = mkstemp(path), rc;

	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -2;
	close(fd);
	*cause = NULL;
	rc = conf_load(conf, path, cause);
	unlink(path);
	return rc;
}

/* Where stderr goes while captured (capture_start .. capture_end). */
static int captured_fd = -1, saved_stderr = -1;
static char captured[4096];

/* Sends stderr, where the log lines go, to a file until capture_end(). */
static void
capture_start(void)
{
	char path[] = "/tmp/thumbq-test-log.XXXXXX";

	fflush(stderr);
	captured_fd = mkstemp(path);
	unlink(path);
	saved_stderr = dup(STDERR_FILENO);
	dup2(captured_fd, STDERR_FILENO);
}

/* Puts stderr back; returns what was written to it meanwhile. */
static const char *
capture_end(void)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	n = pread(captured_fd, captured, sizeof captured - 1, 0);
	captured[n > 0 ? n : 0] = '\0';
	close(captured_fd);
	return captured;
}

/* Expects text to be refused with a cause containing want. */
static void
refused(const char *text, const char *want, const char *what)
{
	struct thumbq_conf conf;
	char *cause = NULL;

	if (!ok(load_text(&conf, text, &cause) == -1 && cause != NULL && strstr(cause, want),
	    "refused: %s", what))
		printf("#   cause: %s\n", cause ? cause : "(none)");
	free(cause);
}

/* Writes text to a fresh file of the given mode; returns its path. */
static char *
secret_file(const char *text, size_t len, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof path, "/tmp/thumbq-test-secret.XXXXXX");
	fd = mkstemp(path);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) == -1)
		return NULL;
	close(fd);
	return path;
}

/* redis_password_file: the file, not the config, holds the password, and
 * a file that others may read is refused with the fix in the message. */
static void
test_password_file(void)
{
	struct thumbq_conf conf;
	char text[128], long_secret[SECRET_MAX + 3], *path, *cause = NULL;

	path = secret_file("s3cret\n", 7, 0600);
	snprintf(text, sizeof text, "redis_user = thumbq\nredis_password_file = %s\n"
	    "redis_db = 3\n", path);
	ok(load_text(&conf, text, &cause) == 0, "a password file of mode 0600 is accepted");
	is_str(conf.redis_user, "thumbq", "redis_user read");
	is_int(conf.redis_db, 3, "redis_db read");
	conf_free(&conf);
	chmod(path, 0640);
	snprintf(text, sizeof text, "redis_password_file = %s\n", path);
	ok(load_text(&conf, text, &cause) == 0, "mode 0640 (shared with a group) is accepted");
	conf_free(&conf);
	chmod(path, 0644);
	refused(text, "readable by others (mode 0644): chmod 600",
	    "a password file readable by others, with the chmod that fixes it");
	chmod(path, 0602);
	refused(text, "accessible by others (mode 0602)", "a password file others may write");
	unlink(path);

	path = secret_file("", 0, 0600);
	snprintf(text, sizeof text, "redis_password_file = %s\n", path);
	refused(text, "is empty", "an empty password file");
	unlink(path);
	path = secret_file("one\ntwo\n", 8, 0600);
	snprintf(text, sizeof text, "redis_password_file = %s\n", path);
	refused(text, "more than one line", "a password file of two lines");
	unlink(path);
	memset(long_secret, 'p', sizeof long_secret);
	path = secret_file(long_secret, SECRET_MAX + 1, 0600);
	snprintf(text, sizeof text, "redis_password_file = %s\n", path);
	refused(text, "longer than 1024 bytes", "a password longer than SECRET_MAX");
	unlink(path);
	path = secret_file(long_secret, SECRET_MAX, 0600);
	snprintf(text, sizeof text, "redis_password_file = %s\n", path);
	ok(load_text(&conf, text, &cause) == 0, "a password of exactly SECRET_MAX bytes");
	conf_free(&conf);
	unlink(path);

	refused("redis_password_file = /nonexistent/pw\n", "cannot open /nonexistent/pw",
	    "a missing password file, named");
	refused("redis_password_file = pw.txt\n", "absolute path", "a relative password file");
	refused("redis_user = thumbq\n", "needs redis_password_file", "a user without a password");
	refused("redis_db = 65536\n", "from 0 to 65535", "redis_db out of range");
}

/* jpeg_quality, the old name of quality (which sets WebP's too), still
 * works, from the file and the environment, with a warning that names the
 * new one; the new name wins when both are in the environment. */
static void
test_renamed_key(void)
{
	struct thumbq_conf conf;
	char *cause = NULL;
	const char *log;
	FILE *f;
	char *dump = NULL;
	size_t dumplen = 0;

	capture_start();
	ok(load_text(&conf, "jpeg_quality = 70\n", &cause) == 0,
	    "jpeg_quality still loads");
	log = capture_end();
	is_int(conf.quality, 70, "jpeg_quality sets quality");
	ok(strstr(log, "level=warn event=config_key_renamed") != NULL &&
	    strstr(log, "key=jpeg_quality use=quality") != NULL &&
	    strstr(log, ":1\"") != NULL,
	    "a warning names the old key, the new one and the line");
	f = open_memstream(&dump, &dumplen);
	conf_dump(&conf, f);
	fclose(f);
	ok(strstr(dump, "\nquality = 70\n") != NULL &&
	    strstr(dump, "jpeg_quality") == NULL,
	    "conf_dump writes the new name only");
	free(dump);
	conf_free(&conf);

	capture_start();
	ok(load_text(&conf, "quality = 60\n", &cause) == 0, "quality loads");
	log = capture_end();
	is_int(conf.quality, 60, "quality read");
	is_str(log, "", "the new name warns of nothing");
	conf_free(&conf);

	setenv("THUMBQ_JPEG_QUALITY", "40", 1);
	capture_start();
	ok(load_text(&conf, "quality = 60\n", &cause) == 0,
	    "THUMBQ_JPEG_QUALITY loads");
	log = capture_end();
	is_int(conf.quality, 40, "THUMBQ_JPEG_QUALITY wins over the file");
	ok(strstr(log, "where=\"environment THUMBQ_JPEG_QUALITY\"") != NULL,
	    "a warning names the variable");
	conf_free(&conf);
	setenv("THUMBQ_QUALITY", "50", 1);
	capture_start();
	ok(load_text(&conf, "", &cause) == 0, "both variables load");
	capture_end();
	is_int(conf.quality, 50,
	    "THUMBQ_QUALITY wins over THUMBQ_JPEG_QUALITY");
	conf_free(&conf);
	unsetenv("THUMBQ_QUALITY");
	unsetenv("THUMBQ_JPEG_QUALITY");

	capture_start();
	refused("jpeg_quality = 101\n",
	    "jpeg_quality = \"101\" is not a number from 1 to 100",
	    "a bad value under the old name, named as written");
	capture_end();
}

/* log_level: its four names, refused otherwise, and what each lets
 * through. */
static void
test_log_level(void)
{
	struct thumbq_conf conf;
	char *cause = NULL;
	const char *log;

	ok(conf_load(&conf, NULL, &cause) == 0 &&
	    strcmp(conf.log_level, "info") == 0,
	    "log_level is info by default");
	conf_free(&conf);
	refused("log_level = verbose\n", "expected err, warn, info or debug",
	    "an unknown log_level, with the choices");
	ok(load_text(&conf, "log_level = warn\n", &cause) == 0,
	    "log_level = warn loads");
	log_set_level(log_level_parse(conf.log_level));
	conf_free(&conf);
	capture_start();
	log_info("event=test_info");
	log_warn("event=test_warn");
	log_err("event=test_err");
	log = capture_end();
	ok(strstr(log, "test_info") == NULL &&
	    strstr(log, "test_warn") != NULL &&
	    strstr(log, "test_err") != NULL,
	    "log_level = warn drops info and keeps warn and err");
	log_set_level(log_level_parse("err"));
	capture_start();
	log_warn("event=test_warn");
	log_err("event=test_err");
	log = capture_end();
	ok(strstr(log, "test_warn") == NULL && strstr(log, "test_err") != NULL,
	    "log_level = err keeps errors only");
	log_set_level(log_level_parse("debug"));
	capture_start();
	log_debug("event=test_debug");
	log = capture_end();
	ok(strstr(log, "level=debug event=test_debug") != NULL,
	    "log_level = debug writes debug lines");
	log_set_level(log_level_parse("info"));
	capture_start();
	log_debug("event=test_debug");
	log_info("event=test_info");
	log = capture_end();
	ok(strstr(log, "test_debug") == NULL &&
	    strstr(log, "test_info") != NULL,
	    "log_level = info (the default) drops debug lines");
}

/* storage: a backend thumbq has, a URL without credentials (they would be
 * logged and shown by thumbqd -C), and what each backend needs. */
static void
test_storage(void)
{
	struct thumbq_conf conf;
	char text[512], *path, *cause = NULL;

	is_str(conf_load(&conf, NULL, &cause) == 0 ? conf.storage : "?", "local",
	    "storage is local by default");
	conf_free(&conf);
	path = secret_file("s3cret\n", 7, 0600);
	snprintf(text, sizeof text, "storage = webdav\nstorage_url = http://dav.example:8080/x//\n"
	    "storage_user = thumbq\nstorage_password_file = %s\n", path);
	ok(load_text(&conf, text, &cause) == 0, "a webdav storage with its password file loads");
	is_str(conf.storage_url, "http://dav.example:8080/x", "storage_url loses its trailing slashes");
	conf_free(&conf);
	snprintf(text, sizeof text, "storage = s3\nstorage_url = https://s3.example/bucket\n"
	    "storage_user = AKID\nstorage_password_file = %s\nstorage_region = eu-west-1\n"
	    "base_url = https://cdn.example\n", path);
	ok(load_text(&conf, text, &cause) == 0, "an s3 storage loads");
	conf_free(&conf);
	unlink(path);

	refused("storage = ftp\n", "expected local, webdav or s3", "an unknown storage");
	refused("storage = webdav\n", "needs an http:// or https:// URL", "webdav without storage_url");
	refused("storage = webdav\nstorage_url = http://user:pw@dav.example/\n", "without user, password",
	    "credentials in storage_url");
	refused("storage = webdav\nstorage_url = http://dav.example/\nstorage_user = u\n",
	    "needs storage_password_file", "storage_user without a password file");
	refused("storage = s3\nstorage_url = https://s3.example/b\nstorage_user = AKID\n",
	    "needs storage_user", "s3 without base_url or secret");
	refused("storage = s3\nstorage_url = https://s3.example/b\nstorage_region = a:b\n",
	    "storage_region only", "a region that would break the signing parameter");
	refused("storage = webdav\nstorage_url = http://dav.example/\nstorage_user = u\n"
	    "storage_password_file = /nonexistent/pw\n", "storage_password_file: cannot open",
	    "a missing storage password file, named");
}

int
main(void)
{
	struct thumbq_conf conf;
	char *cause = NULL;

	ok(conf_load(&conf, NULL, &cause) == 0, "defaults alone load");
	is_int(conf.thumbnail_width, 100, "default box width 100");
	is_int(conf.thumbnail_height, 100, "default box height 100");
	is_str(conf.redis_prefix, "thumbq:", "default prefix thumbq:");
	is_str(conf.fetch_allow_networks, "", "default allow list is empty (internet-safe)");
	is_int(conf.max_body_bytes, 16384, "default body limit 16 KiB");
	is_int(conf.max_url_bytes, 2048, "default URL limit 2048");
	is_int(conf.max_attempts, 3, "default max_attempts 3");
	conf_free(&conf);

	ok(load_text(&conf,
	    "# a comment\n"
	    "\n"
	    "redis = unix:/run/thumbq/redis.sock   # trailing comment\n"
	    "  workers=4\n"
	    "docroot = \"/srv/thumb root\"\n"
	    "fetch_max_bytes = 5M\n"
	    "base_url = http://img.example.org/\n"
	    "fetch_allow_networks = 127.0.0.0/8, ::1\n", &cause) == 0, "a typical file loads");
	is_str(conf.redis, "unix:/run/thumbq/redis.sock", "value ends before the comment");
	is_int(conf.workers, 4, "blanks around key and = are fine");
	is_str(conf.docroot, "/srv/thumb root", "quoted value keeps its blank");
	is_int(conf.fetch_max_bytes, 5 * 1024 * 1024, "M suffix");
	is_str(conf.base_url, "http://img.example.org", "trailing slash dropped from base_url");
	is_str(conf.fetch_allow_networks, "127.0.0.0/8, ::1", "list value kept whole");
	conf_free(&conf);

	setenv("THUMBQ_WORKERS", "7", 1);
	setenv("THUMBQ_REDIS_PREFIX", "other:", 1);
	ok(load_text(&conf, "workers = 4\n", &cause) == 0, "file with env overrides loads");
	is_int(conf.workers, 7, "THUMBQ_WORKERS wins over the file");
	is_str(conf.redis_prefix, "other:", "THUMBQ_REDIS_PREFIX overrides the default");
	conf_free(&conf);
	setenv("THUMBQ_WORKERS", "0", 1);
	ok(load_text(&conf, "", &cause) == -1 && strstr(cause, "THUMBQ_WORKERS") != NULL,
	    "a bad environment value is refused and named");
	free(cause);
	unsetenv("THUMBQ_WORKERS");
	unsetenv("THUMBQ_REDIS_PREFIX");

	refused("wokers = 2\n", "unknown key \"wokers\"", "unknown key, named");
	refused("workers = 2\nworkers\n", ":2: expected \"key = value\"", "line without =, with line number");
	refused("workers = 0\n", "from 1 to 256", "number below range, with the range");
	refused("workers = 1000\n", "from 1 to 256", "number above range");
	refused("workers = -1\n", "not a number", "negative number");
	refused("workers = 2x\n", "not a number", "trailing junk");
	refused("workers = 99999999999999999999999\n", "not a number", "overflow");
	refused("quality = 5M\n", "not a number", "suffix on a plain number");
	refused("docroot = relative/path\n", "absolute", "relative docroot");
	refused("log = file\n", "stderr or syslog", "bad log target");
	refused("base_url = ftp://x\n", "http://", "base_url scheme");
	refused("docroot = \"/x\n", "unterminated quote", "unterminated quote");
	refused("fetch_user_agent = Mozilla \"x\"\n", "double quotes", "a double quote inside a value");
	refused("fetch_timeout = 200\nlease_seconds = 60\n", "must exceed fetch_timeout",
	    "lease shorter than a download");
	refused("decode_cpu_ms = 60000\nlease_seconds = 60\n", "must exceed decode_cpu_ms",
	    "lease shorter than a thumbnail");
	{
		char big[5000];

		memset(big, 'a', sizeof big - 2);
		big[sizeof big - 2] = '\n';
		big[sizeof big - 1] = '\0';
		refused(big, "longer than", "over-long line");
	}
	{
		/* A line that fits, whose value would not once written back
		 * by conf_dump as 'key = "value"' (found by fuzz-conf). */
		char line[4200];
		int n = snprintf(line, sizeof line, "fetch_user_agent = ");

		memset(line + n, 'u', 4094 - (size_t)n);
		line[4094] = '\0';
		refused(line, "the value is longer than 4074 bytes",
		    "a value too long to write back");
		n = snprintf(line, sizeof line, "fetch_user_agent = ");
		memset(line + n, 'u', 4074);
		line[n + 4074] = '\0';
		ok(load_text(&conf, line, &cause) == 0,
		    "the longest value that can be written back is taken");
		free(cause);
		cause = NULL;
	}
	ok(conf_load(&conf, "/nonexistent/thumbq.conf", &cause) == -1 &&
	    strstr(cause, "/nonexistent/thumbq.conf") != NULL, "missing file named in the error");
	free(cause);

	test_password_file();
	test_renamed_key();
	test_log_level();
	test_storage();

	/* conf_dump writes a file that loads back to the same values. */
	{
		char path[] = "/tmp/thumbq-test-dump.XXXXXX";
		struct thumbq_conf back;
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");

		conf_load(&conf, NULL, &cause);
		free(conf.docroot);
		conf.docroot = strdup("/srv/with space");
		conf.workers = 9;
		conf_dump(&conf, f);
		fclose(f);
		ok(conf_load(&back, path, &cause) == 0, "dumped config loads back");
		is_int(back.workers, 9, "dumped number survives");
		is_str(back.docroot, "/srv/with space", "dumped string survives");
		conf_free(&back);
		conf_free(&conf);
		unlink(path);
	}
	return tap_done();
}
