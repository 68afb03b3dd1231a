/* fuzz-conf.c: thumbq.conf text through conf_parse_text() and conf_load().
 *
 * A config file is trusted more than a request, but it is still text a
 * sysadmin (or a configuration tool) wrote by hand, and a crash or a silent
 * misreading there is a bad day.  Two paths per input:
 *  - conf_parse_text() on the text; when it is accepted, conf_dump() of the
 *    result must read back (thumbqd -C prints a config that must be usable
 *    as a file) and give the same dump again;
 *  - conf_load() on the same bytes as a file, which adds the file reader
 *    (size and NUL checks), the base_url trimming and the cross-key checks. */
#include "config.h"	/* _GNU_SOURCE: memfd_create, open_memstream */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT	(64 * 1024)

extern char **environ;

static int fuzz_fd = -1;
static char fuzz_path[64];

/* THUMBQ_* variables win over the file: drop them so that a run means the
 * same thing in every environment. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; environ[i] != NULL; ) {
		if (strncmp(environ[i], "THUMBQ_", 7) == 0) {
			char name[256];
			size_t n = strcspn(environ[i], "=");

			snprintf(name, sizeof name, "%.*s", (int)n, environ[i]);
			unsetenv(name);
			continue;	/* environ shifted down */
		}
		i++;
	}
	fuzz_fd = memfd_create("fuzz-conf", 0);
	FUZZ_CHECK(fuzz_fd != -1);
	snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
	return 0;
}

static char *
fuzz_dump(const struct thumbq_conf *conf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	FUZZ_CHECK(f != NULL);
	conf_dump(conf, f);
	FUZZ_CHECK(fclose(f) == 0);
	return text;
}

/* Whether conf_dump() wrote every string value faithfully.  The file syntax
 * has no escapes: a quoted value ends at the next '"', so a value holding a
 * '"' (accepted unquoted, as in fetch_user_agent = a"b) is dumped as a line
 * that does not read back.  Known and reported; such dumps are skipped here,
 * by looking at the dump itself (a key line with more than two quotes), so
 * that the round trip keeps checking everything else, new keys included. */
static int
fuzz_dump_faithful(const char *dump)
{
	for (const char *line = dump; *line != '\0'; ) {
		size_t len = strcspn(line, "\n");
		int quotes = 0;

		if (line[0] != '#')
			for (size_t i = 0; i < len; i++)
				quotes += line[i] == '"';
		if (quotes > 2)
			return 0;
		line += len + (line[len] == '\n');
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thumbq_conf conf, again;
	char *text, *cause = NULL, *dump1, *dump2;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	conf_defaults(&conf);
	rc = conf_parse_text(&conf, text, "fuzz", &cause);
	if (rc == -1) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		cause = NULL;
	} else {
		FUZZ_CHECK(rc == 0);
		dump1 = fuzz_dump(&conf);
		if (fuzz_dump_faithful(dump1)) {
			conf_defaults(&again);
			if (conf_parse_text(&again, dump1, "dump", &cause) != 0) {
				fprintf(stderr, "conf_dump output does not parse: %s\n", cause);
				abort();
			}
			dump2 = fuzz_dump(&again);
			FUZZ_CHECK(strcmp(dump1, dump2) == 0);
			free(dump2);
			conf_free(&again);
		}
		free(dump1);
	}
	conf_free(&conf);

	/* The same bytes as a file: conf_load() frees on failure itself. */
	FUZZ_CHECK(ftruncate(fuzz_fd, 0) == 0);
	FUZZ_CHECK(pwrite(fuzz_fd, data, size, 0) == (ssize_t)size);
	if (conf_load(&conf, fuzz_path, &cause) == 0) {
		size_t n = strlen(conf.base_url);

		FUZZ_CHECK(conf.docroot[0] == '/');
		FUZZ_CHECK(n == 0 || conf.base_url[n - 1] != '/');
		FUZZ_CHECK(conf.lease_seconds > conf.fetch_timeout + 10);
		conf_free(&conf);
	} else {
		FUZZ_CHECK(cause != NULL);
		free(cause);
	}
	free(text);
	return 0;
}
