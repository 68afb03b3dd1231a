/* fuzz-query.c: query strings through request_query().
 *
 * Input: one byte whose low 3 bits give the length of the parameter name
 * that follows, one byte giving the size of the output buffer (1 to 64), the
 * name, then the query string (QUERY_STRING as the web server passes it).
 * The output buffer is allocated at exactly its size so that AddressSanitizer
 * sees a write past it.  A value found must fit, and must be what follows
 * "name=" in one &-separated field of the query. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT	4096

/* Whether value is the value of a name field of query, written out. */
static int
fuzz_query_has(const char *query, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);

	for (const char *p = query; ; p++) {
		if (strncmp(p, name, nlen) == 0) {
			const char *v = p + nlen;
			size_t rest;

			if (*v == '=')
				v++;
			else if (vlen != 0 || (*v != '&' && *v != '\0'))
				goto next;
			rest = strcspn(v, "&");
			if (rest == vlen && strncmp(v, value, vlen) == 0)
				return 1;
		}
next:
		p = strchr(p, '&');
		if (p == NULL)
			return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req;
	char name[8], *query, *out;
	size_t namelen, outsize;
	int rc;

	if (size < 2 || size > FUZZ_MAX_INPUT)
		return 0;
	namelen = data[0] & 7;
	outsize = 1 + data[1] % 64;
	if (size < 2 + namelen)
		return 0;
	memcpy(name, data + 2, namelen);
	name[namelen] = '\0';
	query = malloc(size - 2 - namelen + 1);
	out = malloc(outsize);
	FUZZ_CHECK(query != NULL && out != NULL);
	memcpy(query, data + 2 + namelen, size - 2 - namelen);
	query[size - 2 - namelen] = '\0';

	memset(&req, 0, sizeof req);
	req.query = query;
	rc = request_query(&req, name, out, outsize);
	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
	if (rc == 1) {
		FUZZ_CHECK(memchr(out, '\0', outsize) != NULL);
		FUZZ_CHECK(strchr(out, '&') == NULL);
		FUZZ_CHECK(fuzz_query_has(query, name, out));
	}
	free(out);
	free(query);
	return 0;
}
