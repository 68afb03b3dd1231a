/* imghdr.c: an image's format and dimensions from its first bytes.
 *
 * The bytes come straight from the internet, so every read is checked against
 * the length first and nothing here allocates, loops without progress or does
 * arithmetic that can overflow.  The readers follow what the real decoders
 * (libjpeg, libpng, GraphicsMagick's GIF and BMP coders, libwebp, libtiff,
 * libheif, libjxl) will look at, so the dimensions checked against the
 * limits are the ones that get decoded. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "imghdr.h"

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
static const unsigned char imghdr_jxl_container[12] = {
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

/* Callers check the length before using these. */
static unsigned
imghdr_be16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static uint32_t
imghdr_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static unsigned
imghdr_le16(const unsigned char *p)
{
	return p[0] | ((unsigned)p[1] << 8);
}

static uint32_t
imghdr_le24(const unsigned char *p)
{
	return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static uint32_t
imghdr_le32(const unsigned char *p)
{
	return imghdr_le24(p) | ((uint32_t)p[3] << 24);
}

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
	size_t	i;

	for (i = 0; i < sizeof imghdr_heif_brands / sizeof imghdr_heif_brands[0];
	    i++) {
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
	uint32_t	size;
	size_t		end, off;

	if (len < 12 || memcmp(buf + 4, "ftyp", 4) != 0)
		return 0;
	size = imghdr_be32(buf);
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
	    imghdr_bmp_header_size(imghdr_le32(buf + 14)))
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

/*
 * Walks the JPEG markers to the first SOFn, the way libjpeg's next_marker()
 * does: bytes before an 0xFF are skipped, 0xFF fill bytes are skipped, and
 * FF 00 is stuffed data rather than a marker.  C4 (DHT), C8 (JPG) and CC (DAC)
 * sit in the SOFn range but are not frames.  A scan, an end of image or a
 * second SOI before any frame header means there is nothing sane to size.
 */
static int
imghdr_jpeg(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	size_t		off = 2, seglen;
	unsigned	marker;

	for (;;) {
		while (off < len && buf[off] != 0xff)
			off++;
		while (off < len && buf[off] == 0xff)
			off++;
		if (off >= len)
			return -1;
		marker = buf[off++];
		if (marker == 0x00)
			continue;
		/* Standalone markers: TEM and RST0-7 carry no length. */
		if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
			continue;
		if (marker == 0xd8 || marker == 0xd9 || marker == 0xda)
			return -1;

		if (len - off < 2)
			return -1;
		seglen = imghdr_be16(buf + off);
		if (seglen < 2 || seglen > len - off)
			return -1;

		if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 &&
		    marker != 0xc8 && marker != 0xcc) {
			/* length(2) precision(1) height(2) width(2) ncomp(1) */
			if (seglen < 8)
				return -1;
			hdr->height = imghdr_be16(buf + off + 3);
			hdr->width = imghdr_be16(buf + off + 5);
			hdr->progressive = (marker == 0xc2 || marker == 0xc6 ||
			    marker == 0xca || marker == 0xce);
			return 0;
		}
		off += seglen;
	}
}

/* PNG requires IHDR, 13 bytes long, as the first chunk. */
static int
imghdr_png(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	uint32_t	w, h;

	if (len < 24)
		return -1;
	if (imghdr_be32(buf + 8) != 13 || memcmp(buf + 12, "IHDR", 4) != 0)
		return -1;
	w = imghdr_be32(buf + 16);
	h = imghdr_be32(buf + 20);
	if (w > 0x7fffffffU || h > 0x7fffffffU)
		return -1;
	hdr->width = w;
	hdr->height = h;
	return 0;
}

/* The logical screen descriptor follows the 6-byte signature. */
static int
imghdr_gif(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	if (len < 10)
		return -1;
	hdr->width = imghdr_le16(buf + 6);
	hdr->height = imghdr_le16(buf + 8);
	return 0;
}

/*
 * The first chunk after "RIFF size WEBP" is VP8 (lossy), VP8L (lossless) or
 * VP8X (extended: the canvas size, then animation, alpha, ICC, ... chunks).
 */
static int
imghdr_webp(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	const unsigned char	*data = buf + 20;
	uint32_t		 bits;

	if (len < 20)
		return -1;
	if (memcmp(buf + 12, "VP8 ", 4) == 0) {
		/* frame tag(3), start code 9d 01 2a, 14-bit width, height */
		if (len < 30)
			return -1;
		if ((data[0] & 1) != 0 ||
		    data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a)
			return -1;
		hdr->width = imghdr_le16(data + 6) & 0x3fff;
		hdr->height = imghdr_le16(data + 8) & 0x3fff;
		return 0;
	}
	if (memcmp(buf + 12, "VP8L", 4) == 0) {
		/* signature 0x2f, then 14 bits width-1, 14 bits height-1 */
		if (len < 25)
			return -1;
		if (data[0] != 0x2f)
			return -1;
		bits = imghdr_le32(data + 1);
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
		hdr->width = imghdr_le24(data + 4) + 1;
		hdr->height = imghdr_le24(data + 7) + 1;
		return 0;
	}
	return -1;
}

int
imghdr_read(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	int	rv = -1;

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

const char *
imghdr_format_name(enum imghdr_format format)
{
	size_t	i;

	for (i = 0; i < sizeof imghdr_names / sizeof imghdr_names[0]; i++) {
		if (imghdr_names[i].format == format)
			return imghdr_names[i].name;
	}
	return "unknown";
}

enum imghdr_format
imghdr_format_parse(const char *name)
{
	size_t	i;

	if (name == NULL)
		return IMGHDR_UNKNOWN;
	for (i = 0; i < sizeof imghdr_names / sizeof imghdr_names[0]; i++) {
		if (strcasecmp(imghdr_names[i].name, name) == 0)
			return imghdr_names[i].format;
	}
	return IMGHDR_UNKNOWN;
}
