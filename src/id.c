/* id.c: job ids, UUIDv4 from getrandom(2). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

#include "id.h"

int
id_generate(char out[ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	size_t got = 0;
	char *p = out;

	/* Blocking only before the entropy pool is initialised at boot; a short
	 * read can only come from a signal, so go on where it stopped. */
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 0x0f];
	}
	*p = '\0';
	return 0;
}

int
id_valid(const char *s)
{
	for (int i = 0; i < ID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;	/* also stops at a NUL before ID_LEN */
	}
	return s[ID_LEN] == '\0';
}
