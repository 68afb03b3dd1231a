/* bytes.h: fixed-width integers read from and written to byte buffers, in
 * little- or big-endian order, for the parsers of image headers (imghdr.c)
 * and of RIFF and ICC data (image-webp.c, image-icc.c).
 *
 * Callers check the length before calling: these read or write exactly
 * their width at p and know nothing of the buffer's end. */
#ifndef THUMBQ_BYTES_H
#define THUMBQ_BYTES_H

#include <stdint.h>

static inline uint32_t
bytes_be16(const unsigned char *p)
{
	return ((uint32_t)p[0] << 8) | p[1];
}

static inline uint32_t
bytes_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static inline uint32_t
bytes_le16(const unsigned char *p)
{
	return p[0] | ((uint32_t)p[1] << 8);
}

static inline uint32_t
bytes_le24(const unsigned char *p)
{
	return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static inline uint32_t
bytes_le32(const unsigned char *p)
{
	return bytes_le24(p) | ((uint32_t)p[3] << 24);
}

static inline void
bytes_put_le24(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
}

static inline void
bytes_put_le32(unsigned char *p, uint32_t v)
{
	bytes_put_le24(p, v);
	p[3] = (v >> 24) & 0xff;
}

#endif
