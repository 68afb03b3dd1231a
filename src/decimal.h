/* decimal.h: an unsigned number's digits without printf, for the hot paths
 * that write JSON (job.c) and Redis commands (store.c) by hand. */
#ifndef THUMBQ_DECIMAL_H
#define THUMBQ_DECIMAL_H

/* Writes the decimal digits of v at p (no NUL); returns the end. */
static inline char *
decimal_put(char *p, unsigned long long v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

#endif
