/* buf.c: a growable text buffer born with a cap (see buf.h). */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "decimal.h"
#include "xmalloc.h"

/* The first allocation: most job JSON and Redis commands fit. */
#define BUF_FIRST_ALLOC 256

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	/* Room for the NUL and for doubling without overflow. */
	b->max = max < SIZE_MAX / 4 ? max : SIZE_MAX / 4;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for n more bytes and the NUL, doubling, never past the cap. */
static int
buf_room(struct buf *b, size_t n)
{
	size_t want;

	if (n > b->max - b->len) {
		b->failed = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->alloc)
		return 0;
	if (b->alloc == 0)
		b->alloc = BUF_FIRST_ALLOC;
	while (b->alloc < want)
		b->alloc *= 2;
	if (b->alloc > b->max + 1)
		b->alloc = b->max + 1;
	b->data = xrealloc(b->data, b->alloc);
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_room(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_addu(struct buf *b, unsigned long long v)
{
	char digits[20];

	return buf_add(b, digits, (size_t)(decimal_put(digits, v) - digits));
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_room(b, (size_t)n) == -1) {
		b->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

int
buf_failed(const struct buf *b)
{
	return b->failed;
}

char *
buf_take(struct buf *b)
{
	char *s = b->data != NULL ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->alloc = 0;
	b->failed = 0;
	return s;
}
