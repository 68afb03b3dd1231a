/* fuzz-path.c: thumbnail paths read back from Redis, storage_relpath_valid().
 *
 * A job's path field (and the file name a worker writes to) comes from Redis,
 * which anyone who can write to it controls; the expiry sweep, DELETE and
 * thumbqctl purge unlink what passes the check.  Input: the path, NUL-
 * terminated in a buffer of exactly its length.  An accepted path must be
 * exactly what storage_relpath makes of the name it holds and its extension
 * (so that it stays in its shard directory under the docroot: no "..", no
 * "//", no leading "/", nothing after the extension); and a name that
 * storage_relpath turns into an accepted path must be a lower-case id. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "storage.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, name[ID_LEN + 1], again[STORAGE_RELPATH_MAX];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	s = malloc(size + 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';

	if (storage_relpath_valid(s)) {
		const char *dot = strrchr(s, '.');

		FUZZ_CHECK(strlen(s) < STORAGE_RELPATH_MAX);
		FUZZ_CHECK(strncmp(s, "thumbnails/", 11) == 0);
		FUZZ_CHECK(strstr(s, "..") == NULL && strstr(s, "//") == NULL);
		FUZZ_CHECK(dot != NULL && (size_t)(dot - s) == 17 + ID_LEN);
		memcpy(name, s + 17, ID_LEN);
		name[ID_LEN] = '\0';
		FUZZ_CHECK(id_valid(name));
		storage_relpath(name, dot + 1, again);
		FUZZ_CHECK(strcmp(again, s) == 0);
	}

	/* The same bytes as a worker's file name (the job's "file" field). */
	storage_relpath(s, "jpg", again);
	if (storage_relpath_valid(again)) {
		FUZZ_CHECK(strlen(s) == ID_LEN && id_valid(s));
		FUZZ_CHECK(strspn(s, "0123456789abcdef-") == ID_LEN);
	}
	free(s);
	return 0;
}
