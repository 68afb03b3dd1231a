/* buf.h: a growable text buffer born with a cap.
 *
 * Every text thumbq builds from untrusted or unbounded parts (job JSON,
 * metrics, Redis commands) goes through one of these instead of a buffer
 * of its own.  The cap is set at creation and never passed: an append that
 * would go past it fails, leaves the buffer as it was, and makes the buffer
 * "failed" for good, so a writer can append many pieces and check once at
 * the end (buf_failed).  Memory comes from xmalloc: running out is fatal,
 * going past the cap is not. */
#ifndef THUMBQ_BUF_H
#define THUMBQ_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated once anything was added */
	size_t	 len;
	size_t	 alloc;
	size_t	 max;		/* the most len may ever be */
	int	 failed;	/* an append went past max */
};

/* A buffer that may hold up to max bytes (plus the NUL). */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties it for reuse, keeping the memory and the cap; clears failed. */
void buf_reset(struct buf *b);

/* Appends; 0, or -1 if it would pass the cap (nothing is added then). */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addu(struct buf *b, unsigned long long v);
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define buf_lit(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

/* The text so far ("" when empty); valid until the next append. */
const char *buf_str(const struct buf *b);
/* Whether any append failed since buf_init or buf_reset. */
int buf_failed(const struct buf *b);
/* Hands the text over (malloc'd, NUL-terminated; "" when empty) and leaves
 * the buffer empty; the caller frees it. */
char *buf_take(struct buf *b);

#endif
