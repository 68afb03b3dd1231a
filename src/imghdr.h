/* imghdr.h: tell an image's format and dimensions from its first bytes,
 * without GraphicsMagick.
 *
 * The worker decides which decoder may run, and refuses images too large to
 * decode, before any decoder sees the bytes. */
#ifndef THUMBQ_IMGHDR_H
#define THUMBQ_IMGHDR_H

#include <stddef.h>

#include "joberror.h"

enum imghdr_format {
	IMGHDR_UNKNOWN = 0,
	IMGHDR_JPEG,
	IMGHDR_PNG,
	IMGHDR_GIF,
	IMGHDR_WEBP,
	IMGHDR_BMP,
	IMGHDR_TIFF,
	IMGHDR_HEIF,		/* HEIC and AVIF: libheif reads both */
	IMGHDR_JXL,
};
#define IMGHDR_LAST	IMGHDR_JXL

/*
 * A JPEG with more scans than this is refused before any decoder sees it.
 * Each scan is a pass of the decoder over every block of the image whatever
 * the file's size: a 7 KB progressive JPEG of 7000x7000 repeating its AC
 * scan 99 times (GraphicsMagick stops at 100) held a core for 0.66 s
 * Huffman-coded and 17 s arithmetic-coded.  Real encoders stay far below:
 * libjpeg's default progressive script (jpeg_simple_progression, what
 * jpegtran -progressive and GraphicsMagick write) has 10 scans for colour,
 * 6 for grey and 18 for CMYK, and a sequential JPEG one per component at
 * most.
 */
#define IMGHDR_JPEG_MAX_SCANS	32

/* Why an image whose header reads well is refused all the same. */
enum imghdr_refusal {
	IMGHDR_ACCEPTED = 0,
	IMGHDR_JPEG_PROCESS,	/* not Huffman-coded baseline, extended or
				 * progressive: arithmetic coding (SOF9-SOF15),
				 * lossless or hierarchical */
	IMGHDR_JPEG_SCANS,	/* more than IMGHDR_JPEG_MAX_SCANS scans */
	IMGHDR_PNG_CHUNK,	/* a chunk that claims more bytes than follow
				 * it: libpng allocates what a chunk claims
				 * before reading it (2 s and 1.8 GB for a
				 * 2 KB file) */
};

struct imghdr {
	enum imghdr_format format;
	unsigned width;		/* 0 if the header could not be read */
	unsigned height;
	int progressive;	/* JPEG only */
	enum imghdr_refusal refused;
	unsigned jpeg_sof;	/* the frame marker, 0xc0-0xcf; 0 before one */
	unsigned jpeg_scans;	/* scans (SOS) before EOI, counted up to one
				 * past IMGHDR_JPEG_MAX_SCANS */
	char png_chunk[5];	/* IMGHDR_PNG_CHUNK: its type, printable */
	unsigned long png_chunk_len;	/* and the length it claims */
};

/* Sniffs the magic bytes only. */
enum imghdr_format imghdr_sniff(const unsigned char *buf, size_t len);
/* Sniffs and reads the dimensions.  Returns 0, or -1 if the format is unknown,
 * the header is truncated or malformed, or the image is refused (hdr->refused
 * says why); hdr->format is still set if the magic bytes matched.  A JPEG is
 * walked to its end (EOI) to count its scans. */
int imghdr_read(const unsigned char *buf, size_t len, struct imghdr *hdr);
/* For an image imghdr_read() refused although its header reads: fills err
 * (unsupported_format for a JPEG coding process no browser decodes,
 * image_too_costly for too many scans) and returns -1; 0 otherwise. */
int imghdr_refusal(const struct imghdr *hdr, struct job_error *err);
/* "jpeg", "png", "gif", "webp", "bmp", "tiff", "heif", "jxl", or "unknown". */
const char *imghdr_format_name(enum imghdr_format format);
/* Parses a format name as in the formats= config key, the names above and
 * the aliases "jpg", "tif", "heic" and "avif"; IMGHDR_UNKNOWN if none. */
enum imghdr_format imghdr_format_parse(const char *name);

#endif
