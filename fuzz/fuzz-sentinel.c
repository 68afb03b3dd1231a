/* fuzz-sentinel.c: the Sentinel client's parsers (src/sentinel.c).
 *
 * Input: one mode byte, then text.
 *  - mode even: the text is a redis_sentinels list for
 *    sentinel_parse_list().  An accepted list has 0 to SENTINEL_MAX
 *    entries, each with a host of 1 to SENTINEL_HOST_MAX bytes of
 *    [A-Za-z0-9.-_:%] and a port of 1 to 65535; written back with
 *    sentinel_format() and joined by commas it parses to the same list.
 *  - mode odd: the text, split at its first NUL, is the host and the port
 *    of a SENTINEL get-master-addr-by-name reply (two bulk strings, as
 *    Sentinel sends them), given to sentinel_master_check(); bits 1-3 of
 *    the mode byte turn it into another shape (nil, an error, an integer,
 *    one element, three elements, an integer port).  Only the right shape
 *    may be accepted, and then with the same checks as a list's entry; the
 *    same elements go to sentinel_role_check(), which must answer -1, 0
 *    or 1, and 1 only for "master". */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "sentinel.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT	4096

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
fuzz_check_addr(const struct sentinel_addr *a)
{
	size_t len = strlen(a->host);

	FUZZ_CHECK(len >= 1 && len <= SENTINEL_HOST_MAX);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(isalnum((unsigned char)a->host[i]) ||
		    strchr(".-_:%", a->host[i]) != NULL);
	FUZZ_CHECK(a->port >= 1 && a->port <= 65535);
}

static void
fuzz_list(const char *text)
{
	struct sentinel_list l, again;
	char *cause = NULL, *joined;
	size_t off = 0;

	if (sentinel_parse_list(text, &l, &cause) == -1) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		return;
	}
	FUZZ_CHECK(l.n <= SENTINEL_MAX);
	joined = malloc(l.n * (SENTINEL_HOST_MAX + 10) + 1);
	FUZZ_CHECK(joined != NULL);
	joined[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		fuzz_check_addr(&l.addr[i]);
		sentinel_format(&l.addr[i], joined + off,
		    SENTINEL_HOST_MAX + 10);
		off += strlen(joined + off);
		joined[off++] = ',';
		joined[off] = '\0';
	}
	FUZZ_CHECK(sentinel_parse_list(joined, &again, &cause) == 0);
	FUZZ_CHECK(again.n == l.n);
	for (size_t i = 0; i < l.n; i++)
		FUZZ_CHECK(strcmp(again.addr[i].host, l.addr[i].host) == 0 &&
		    again.addr[i].port == l.addr[i].port);
	free(joined);
}

static void
fuzz_reply(unsigned shape, const char *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	redisReply host = { .type = REDIS_REPLY_STRING }, port = host,
	    extra = { .type = REDIS_REPLY_INTEGER, .integer = 1 };
	redisReply *elems[3] = { &host, &port, &extra };
	redisReply top = { .type = REDIS_REPLY_ARRAY, .elements = 2,
	    .element = elems };
	struct sentinel_addr a;
	char err[256];
	int rc;

	host.str = (char *)data;
	host.len = nul != NULL ? (size_t)(nul - data) : size;
	port.str = nul != NULL ? (char *)nul + 1 : (char *)data + size;
	port.len = nul != NULL ? size - host.len - 1 : 0;
	switch (shape) {
	case 1: top.type = REDIS_REPLY_NIL; top.elements = 0; break;
	case 2: top.type = REDIS_REPLY_ERROR; top.str = host.str;
		top.len = host.len; top.elements = 0; break;
	case 3: top.type = REDIS_REPLY_INTEGER; top.elements = 0; break;
	case 4: top.elements = 1; break;
	case 5: top.elements = 3; break;
	case 6: port.type = REDIS_REPLY_INTEGER; break;
	default: break;
	}
	rc = sentinel_master_check(&top, &a, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
	if (rc == 0) {
		FUZZ_CHECK(top.type == REDIS_REPLY_ARRAY && top.elements == 2 &&
		    port.type == REDIS_REPLY_STRING);
		fuzz_check_addr(&a);
		FUZZ_CHECK(strlen(a.host) == host.len &&
		    memcmp(a.host, host.str, host.len) == 0);
	}
	if (top.type != REDIS_REPLY_ARRAY || top.elements == 0)
		return;
	rc = sentinel_role_check(&top, err, sizeof err);
	FUZZ_CHECK(rc >= -1 && rc <= 1);
	if (rc == 1)
		FUZZ_CHECK(host.len == 6 && memcmp(host.str, "master", 6) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	/* Exactly its length: a read past the end is ASan's to see.  The
	 * list is a C string (a config value), so it ends at a NUL. */
	copy = malloc(size);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	if (data[0] % 2 == 0)
		fuzz_list(copy);
	else
		fuzz_reply((data[0] >> 1) & 7, copy, size - 1);
	free(copy);
	return 0;
}
