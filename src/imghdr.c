/* imghdr.c: an image's format and dimensions from its first bytes.
 *
 * The bytes come straight from the internet, so every read is checked against
 * the length first and nothing here allocates, loops without progress or does
 * arithmetic that can overflow.  The readers follow what the real decoders
 * (libjpeg, libpng, GraphicsMagick's GIF and BMP coders, libwebp, libtiff,
 * libheif, libjxl) will look at, so the dimensions checked against the
 * limits are the ones that get decoded. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "imghdr.h"
#include "imghdr-internal.h"

static const struct {
	enum imghdr_format	 format;
	const char		*name;
} imghdr_names[] = {
	{ IMGHDR_JPEG, "jpeg" },
	{ IMGHDR_PNG, "png" },
	{ IMGHDR_GIF, "gif" },
	{ IMGHDR_WEBP, "webp" },
	{ IMGHDR_BMP, "bmp" },
	{ IMGHDR_TIFF, "tiff" },
	{ IMGHDR_HEIF, "heif" },
	{ IMGHDR_JXL, "jxl" },
	/* Accepted when parsing, never printed. */
	{ IMGHDR_JPEG, "jpg" },
	{ IMGHDR_TIFF, "tif" },
	{ IMGHDR_HEIF, "heic" },
	{ IMGHDR_HEIF, "avif" },
};

/* JPEG XL: a bare codestream, or the ISOBMFF-style container. */
const unsigned char imghdr_jxl_container[IMGHDR_JXL_CONTAINER_LEN] = {
	0, 0, 0, 0x0c, 'J', 'X', 'L', ' ', '\r', '\n', 0x87, '\n'
};

/* ftyp brands of HEIF files libheif reads: HEVC (heic ...), AV1 (avif, avis)
 * and the generic image brands. */
static const char imghdr_heif_brands[][5] = {
	"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs",
	"avif", "avis", "mif1", "msf1",
};

static const unsigned char imghdr_png_magic[8] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

/* The DIB header sizes of real BMPs: OS/2 1.x core (12), BITMAPINFOHEADER
 * (40), its V2/V3 extensions (52, 56), OS/2 2.x (64), V4 (108), V5 (124).
 * GraphicsMagick refuses anything below 40 but 12. */
static int
imghdr_bmp_header_size(uint32_t size)
{
	return size == 12 || size == 40 || size == 52 || size == 56 ||
	    size == 64 || size == 108 || size == 124;
}

static int
imghdr_heif_brand(const unsigned char *p)
{
	size_t i;

	for (i = 0;
	    i < sizeof imghdr_heif_brands / sizeof imghdr_heif_brands[0]; i++) {
		if (memcmp(p, imghdr_heif_brands[i], 4) == 0)
			return 1;
	}
	return 0;
}

/* An ftyp box first, with a HEIF brand as the major brand or among the
 * compatible ones (in the bytes we have).  MP4 and QuickTime video also
 * start with ftyp, under other brands. */
static int
imghdr_is_heif(const unsigned char *buf, size_t len)
{
	uint32_t size;
	size_t end, off;

	if (len < 12 || memcmp(buf + 4, "ftyp", 4) != 0)
		return 0;
	size = bytes_be32(buf);
	if (size < 16 || (size & 3) != 0)
		return 0;
	if (imghdr_heif_brand(buf + 8))
		return 1;
	end = size < len ? size : len;
	for (off = 16; off + 4 <= end; off += 4) {
		if (imghdr_heif_brand(buf + off))
			return 1;
	}
	return 0;
}

enum imghdr_format
imghdr_sniff(const unsigned char *buf, size_t len)
{
	if (buf == NULL)
		return IMGHDR_UNKNOWN;
	if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
		return IMGHDR_JPEG;
	if (len >= sizeof imghdr_png_magic &&
	    memcmp(buf, imghdr_png_magic, sizeof imghdr_png_magic) == 0)
		return IMGHDR_PNG;
	if (len >= 6 && (memcmp(buf, "GIF87a", 6) == 0 ||
	    memcmp(buf, "GIF89a", 6) == 0))
		return IMGHDR_GIF;
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 &&
	    memcmp(buf + 8, "WEBP", 4) == 0)
		return IMGHDR_WEBP;
	if (len >= 18 && buf[0] == 'B' && buf[1] == 'M' &&
	    imghdr_bmp_header_size(bytes_le32(buf + 14)))
		return IMGHDR_BMP;
	if (len >= 4 && ((buf[0] == 'I' && buf[1] == 'I' && buf[2] == 42 &&
	    buf[3] == 0) || (buf[0] == 'M' && buf[1] == 'M' && buf[2] == 0 &&
	    buf[3] == 42)))
		return IMGHDR_TIFF;
	if (imghdr_is_heif(buf, len))
		return IMGHDR_HEIF;
	if ((len >= 2 && buf[0] == 0xff && buf[1] == 0x0a) ||
	    (len >= sizeof imghdr_jxl_container && memcmp(buf,
	    imghdr_jxl_container, sizeof imghdr_jxl_container) == 0))
		return IMGHDR_JXL;
	return IMGHDR_UNKNOWN;
}

/* JPEG coding processes by frame marker (SOF0-SOF15; C4, C8 and CC are not
 * frames), for messages. */
static const char *const imghdr_jpeg_processes[16] = {
	"baseline", "extended sequential", "progressive", "lossless", NULL,
	"differential sequential", "differential progressive",
	"differential lossless", NULL, "arithmetic-coded sequential",
	"arithmetic-coded progressive", "arithmetic-coded lossless", NULL,
	"arithmetic-coded differential sequential",
	"arithmetic-coded differential progressive",
	"arithmetic-coded differential lossless",
};

/*
 * The next marker at or after *off, the way libjpeg's next_marker() finds
 * it, between segments and in entropy-coded data alike: bytes before an
 * 0xFF are skipped, 0xFF fill bytes are skipped, and FF 00 is a stuffed
 * data byte rather than a marker.  TEM and RST0-7 carry no length and
 * change nothing here: they are skipped too.  -1 at the end of the data.
 */
static int
imghdr_jpeg_marker(const unsigned char *buf, size_t len, size_t *off)
{
	const unsigned char *ff;
	unsigned marker;

	for (;;) {
		if (*off >= len ||
		    (ff = memchr(buf + *off, 0xff, len - *off)) == NULL)
			return -1;
		*off = (size_t)(ff - buf);
		while (*off < len && buf[*off] == 0xff)
			(*off)++;
		if (*off >= len)
			return -1;
		marker = buf[(*off)++];
		if (marker != 0x00 && marker != 0x01 &&
		    !(marker >= 0xd0 && marker <= 0xd7))
			return (int)marker;
	}
}

/*
 * Walks the JPEG markers to the first SOFn for the size, then on to the end
 * of the image to count the scans, which is what the decoder will do: it
 * reads every scan up to EOI (a progressive image is absorbed whole before
 * any row comes out).  Every segment is skipped by its length, as libjpeg
 * skips or checks it, so a scan cannot hide inside one.  A scan, an end of
 * image or a second SOI before any frame header means there is nothing sane
 * to size.  After the frame, the end of the data, a second SOI (an error to
 * libjpeg) or a segment that runs past the end stops the count: the decoder
 * reads no scan beyond them.  Only the processes libjpeg decodes and
 * browsers show are accepted: Huffman-coded baseline, extended and
 * progressive.
 */
static int
imghdr_jpeg(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	size_t off = 2, seglen;
	int marker, framed = 0;

	while ((marker = imghdr_jpeg_marker(buf, len, &off)) != -1) {
		if (marker == 0xd8 || marker == 0xd9)
			break;
		if (marker == 0xda && !framed)
			return -1;
		if (len - off < 2)
			break;
		seglen = bytes_be16(buf + off);
		if (seglen < 2 || seglen > len - off)
			break;

		if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 &&
		    marker != 0xc8 && marker != 0xcc && !framed) {
			/* length(2) precision(1) height(2) width(2) ncomp(1) */
			if (seglen < 8)
				return -1;
			hdr->height = bytes_be16(buf + off + 3);
			hdr->width = bytes_be16(buf + off + 5);
			hdr->progressive = marker == 0xc2;
			hdr->jpeg_sof = (unsigned)marker;
			if (marker > 0xc2) {
				hdr->refused = IMGHDR_JPEG_PROCESS;
				return -1;
			}
			framed = 1;
		} else if (marker == 0xda &&
		    ++hdr->jpeg_scans > IMGHDR_JPEG_MAX_SCANS) {
			hdr->refused = IMGHDR_JPEG_SCANS;
			return -1;
		}
		off += seglen;
	}
	return framed ? 0 : -1;
}

/*
 * Every chunk up to IEND must fit in the file.  libpng allocates the length a
 * chunk claims before it reads the chunk (for text, ICC and unknown chunks):
 * a 2 KB file whose tEXt claimed 1.8 GB cost 2 s of system time and that
 * much memory before the read came up short.  A truncated file fails to
 * decode anyway, so nothing that would have decoded is refused.  The walk
 * only reads lengths: O(chunks), at most len / 12.
 */
static int
imghdr_png_chunks(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	size_t off = 8, i;
	uint32_t clen;

	while (len - off >= 8) {
		clen = bytes_be32(buf + off);
		if (clen > 0x7fffffffU || clen > len - off - 8 ||
		    len - off - 8 - clen < 4) {
			hdr->refused = IMGHDR_PNG_CHUNK;
			hdr->png_chunk_len = clen;
			for (i = 0; i < 4; i++)
				hdr->png_chunk[i] = isalpha(buf[off + 4 + i]) ?
				    (char)buf[off + 4 + i] : '?';
			hdr->png_chunk[4] = '\0';
			return -1;
		}
		if (memcmp(buf + off + 4, "IEND", 4) == 0)
			break;
		off += 12 + (size_t)clen;
	}
	return 0;
}

/* PNG requires IHDR, 13 bytes long, as the first chunk. */
static int
imghdr_png(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	uint32_t w, h;

	if (len < 24)
		return -1;
	if (bytes_be32(buf + 8) != 13 || memcmp(buf + 12, "IHDR", 4) != 0)
		return -1;
	w = bytes_be32(buf + 16);
	h = bytes_be32(buf + 20);
	if (w > 0x7fffffffU || h > 0x7fffffffU)
		return -1;
	hdr->width = w;
	hdr->height = h;
	return imghdr_png_chunks(buf, len, hdr);
}

/* The logical screen descriptor follows the 6-byte signature. */
static int
imghdr_gif(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	if (len < 10)
		return -1;
	hdr->width = bytes_le16(buf + 6);
	hdr->height = bytes_le16(buf + 8);
	return 0;
}

/*
 * The first chunk after "RIFF size WEBP" is VP8 (lossy), VP8L (lossless) or
 * VP8X (extended: the canvas size, then animation, alpha, ICC, ... chunks).
 */
static int
imghdr_webp(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	const unsigned char *data = buf + 20;
	uint32_t bits;

	if (len < 20)
		return -1;
	if (memcmp(buf + 12, "VP8 ", 4) == 0) {
		/* frame tag(3), start code 9d 01 2a, 14-bit width, height */
		if (len < 30)
			return -1;
		if ((data[0] & 1) != 0 ||
		    data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a)
			return -1;
		hdr->width = bytes_le16(data + 6) & 0x3fff;
		hdr->height = bytes_le16(data + 8) & 0x3fff;
		return 0;
	}
	if (memcmp(buf + 12, "VP8L", 4) == 0) {
		/* signature 0x2f, then 14 bits width-1, 14 bits height-1 */
		if (len < 25)
			return -1;
		if (data[0] != 0x2f)
			return -1;
		bits = bytes_le32(data + 1);
		if ((bits >> 29) != 0)		/* version must be 0 */
			return -1;
		hdr->width = (bits & 0x3fff) + 1;
		hdr->height = ((bits >> 14) & 0x3fff) + 1;
		return 0;
	}
	if (memcmp(buf + 12, "VP8X", 4) == 0) {
		/* flags(1) reserved(3) 24-bit width-1, 24-bit height-1 */
		if (len < 30)
			return -1;
		hdr->width = bytes_le24(data + 4) + 1;
		hdr->height = bytes_le24(data + 7) + 1;
		return 0;
	}
	return -1;
}

/*
 * BMP: the 14-byte file header, then the DIB header.  The OS/2 core header
 * has signed 16-bit sizes, the others signed 32-bit ones; a negative height
 * is a top-down bitmap.  GraphicsMagick refuses a width below 1, a height of
 * 0, planes other than 1 and bit depths other than 1, 4, 8, 16, 24 and 32:
 * so does this, from the header alone.
 */
static int
imghdr_bmp(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	int32_t w, h;
	unsigned planes, bpp;

	if (bytes_le32(buf + 14) == 12) {
		if (len < 14 + 12)
			return -1;
		w = (int16_t)bytes_le16(buf + 18);
		h = (int16_t)bytes_le16(buf + 20);
		planes = bytes_le16(buf + 22);
		bpp = bytes_le16(buf + 24);
	} else {
		if (len < 14 + 16)
			return -1;
		w = (int32_t)bytes_le32(buf + 18);
		h = (int32_t)bytes_le32(buf + 22);
		planes = bytes_le16(buf + 26);
		bpp = bytes_le16(buf + 28);
	}
	if (planes != 1 || (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 &&
	    bpp != 24 && bpp != 32))
		return -1;
	if (w <= 0 || h == 0 || h == INT32_MIN)
		return -1;
	hdr->width = (unsigned)w;
	hdr->height = (unsigned)(h < 0 ? -h : h);
	return 0;
}

/* libtiff's own bound on the entries of one directory. */
#define IMGHDR_TIFF_MAX_ENTRIES	4096

/*
 * TIFF: the first IFD is the first page, the one decoded.  ImageWidth (256)
 * and ImageLength (257) must each appear once, with one SHORT or LONG value
 * (libtiff insists on a count of 1), which sits in the entry itself.  The
 * entry count is bounded and every offset is checked against len before it
 * is used.
 */
static int
imghdr_tiff(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	const unsigned char *e;
	uint32_t ifd, count, v, dim[2] = { 0, 0 };
	unsigned n, i, tag, type;
	int be = buf[0] == 'M';

	if (len < 8)
		return -1;
	ifd = be ? bytes_be32(buf + 4) : bytes_le32(buf + 4);
	if (ifd < 8 || ifd > len - 2)
		return -1;
	n = be ? bytes_be16(buf + ifd) : bytes_le16(buf + ifd);
	if (n == 0 || n > IMGHDR_TIFF_MAX_ENTRIES ||
	    (size_t)n * 12 > len - ifd - 2)
		return -1;
	for (i = 0; i < n; i++) {
		e = buf + ifd + 2 + (size_t)i * 12;
		tag = be ? bytes_be16(e) : bytes_le16(e);
		if (tag != 256 && tag != 257)
			continue;
		type = be ? bytes_be16(e + 2) : bytes_le16(e + 2);
		count = be ? bytes_be32(e + 4) : bytes_le32(e + 4);
		if (count != 1)
			return -1;
		if (type == 3)			/* SHORT */
			v = be ? bytes_be16(e + 8) : bytes_le16(e + 8);
		else if (type == 4)		/* LONG */
			v = be ? bytes_be32(e + 8) : bytes_le32(e + 8);
		else
			return -1;
		/* Twice the same tag: which one would libtiff believe? */
		if (dim[tag - 256] != 0 || v == 0)
			return -1;
		dim[tag - 256] = v;
	}
	if (dim[0] == 0 || dim[1] == 0)
		return -1;
	hdr->width = dim[0];
	hdr->height = dim[1];
	return 0;
}

int
imghdr_read(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	int rv = -1;

	memset(hdr, 0, sizeof *hdr);
	hdr->format = imghdr_sniff(buf, len);
	switch (hdr->format) {
	case IMGHDR_JPEG:
		rv = imghdr_jpeg(buf, len, hdr);
		break;
	case IMGHDR_PNG:
		rv = imghdr_png(buf, len, hdr);
		break;
	case IMGHDR_GIF:
		rv = imghdr_gif(buf, len, hdr);
		break;
	case IMGHDR_WEBP:
		rv = imghdr_webp(buf, len, hdr);
		break;
	case IMGHDR_BMP:
		rv = imghdr_bmp(buf, len, hdr);
		break;
	case IMGHDR_TIFF:
		rv = imghdr_tiff(buf, len, hdr);
		break;
	case IMGHDR_HEIF:
		rv = imghdr_heif(buf, len, hdr);
		break;
	case IMGHDR_JXL:
		rv = imghdr_jxl(buf, len, hdr);
		break;
	case IMGHDR_UNKNOWN:
		break;
	}
	/* An empty image is as useless as a missing header. */
	if (rv == 0 && (hdr->width == 0 || hdr->height == 0))
		rv = -1;
	if (rv != 0) {
		hdr->width = hdr->height = 0;
		hdr->progressive = 0;
	}
	return rv;
}

int
imghdr_refusal(const struct imghdr *hdr, struct job_error *err)
{
	const char *process = NULL;

	if (hdr->jpeg_sof >= 0xc0 && hdr->jpeg_sof <= 0xcf)
		process = imghdr_jpeg_processes[hdr->jpeg_sof - 0xc0];
	switch (hdr->refused) {
	case IMGHDR_JPEG_PROCESS:
		job_error_set(err, "unsupported_format", 0, "%s jpeg image "
		    "(SOF%u): only Huffman-coded baseline, extended and "
		    "progressive JPEG, which browsers show, is decoded here",
		    process != NULL ? process : "unknown",
		    hdr->jpeg_sof - 0xc0);
		return -1;
	case IMGHDR_JPEG_SCANS:
		job_error_set(err, "image_too_costly", 0, "%s jpeg image with "
		    "more than %d scans: each scan costs the decoder a pass "
		    "over the whole image", process != NULL ? process :
		    "unknown", IMGHDR_JPEG_MAX_SCANS);
		return -1;
	case IMGHDR_PNG_CHUNK:
		job_error_set(err, "image_corrupt", 0, "corrupt png image: its "
		    "%s chunk claims %lu bytes, more than the file holds",
		    hdr->png_chunk, hdr->png_chunk_len);
		return -1;
	case IMGHDR_ACCEPTED:
		break;
	}
	return 0;
}

const char *
imghdr_format_name(enum imghdr_format format)
{
	size_t i;

	for (i = 0; i < sizeof imghdr_names / sizeof imghdr_names[0]; i++) {
		if (imghdr_names[i].format == format)
			return imghdr_names[i].name;
	}
	return "unknown";
}

enum imghdr_format
imghdr_format_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return IMGHDR_UNKNOWN;
	for (i = 0; i < sizeof imghdr_names / sizeof imghdr_names[0]; i++) {
		if (strcasecmp(imghdr_names[i].name, name) == 0)
			return imghdr_names[i].format;
	}
	return IMGHDR_UNKNOWN;
}
