/* imghdr.h: tell an image's format and dimensions from its first bytes,
 * without GraphicsMagick.
 *
 * The worker decides which decoder may run, and refuses images too large to
 * decode, before any decoder sees the bytes. */
#ifndef THUMBQ_IMGHDR_H
#define THUMBQ_IMGHDR_H

#include <stddef.h>

enum imghdr_format {
	IMGHDR_UNKNOWN = 0,
	IMGHDR_JPEG,
	IMGHDR_PNG,
	IMGHDR_GIF,
	IMGHDR_WEBP,
	IMGHDR_BMP,
	IMGHDR_TIFF,
	IMGHDR_HEIF,		/* HEIC and AVIF: one libheif decoder reads both */
	IMGHDR_JXL,
};
#define IMGHDR_LAST	IMGHDR_JXL

struct imghdr {
	enum imghdr_format format;
	unsigned width;		/* 0 if the header could not be read */
	unsigned height;
	int progressive;	/* JPEG only */
};

/* Sniffs the magic bytes only. */
enum imghdr_format imghdr_sniff(const unsigned char *buf, size_t len);
/* Sniffs and reads the dimensions.  Returns 0, or -1 if the format is unknown
 * or the header is truncated or malformed (hdr->format is still set if the
 * magic bytes matched). */
int imghdr_read(const unsigned char *buf, size_t len, struct imghdr *hdr);
/* "jpeg", "png", "gif", "webp", "bmp", "tiff", "heif", "jxl", or "unknown". */
const char *imghdr_format_name(enum imghdr_format format);
/* Parses a format name as in the formats= config key, the names above and
 * the aliases "jpg", "tif", "heic" and "avif"; IMGHDR_UNKNOWN if none. */
enum imghdr_format imghdr_format_parse(const char *name);

#endif
