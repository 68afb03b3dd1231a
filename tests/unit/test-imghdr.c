/* test-imghdr.c: formats and dimensions from the first bytes, and no read
 * past the end of hostile input. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imghdr.h"
#include "tap.h"

struct fixture {
	const char		*name;
	enum imghdr_format	 format;
	unsigned		 width;
	unsigned		 height;
	int			 progressive;
};

static const struct fixture fixtures[] = {
	{ "photo.jpg", IMGHDR_JPEG, 300, 200, 0 },
	{ "big.jpg", IMGHDR_JPEG, 1600, 1200, 0 },
	{ "progressive.jpg", IMGHDR_JPEG, 300, 200, 1 },
	{ "photo.png", IMGHDR_PNG, 240, 160, 0 },
	{ "alpha.png", IMGHDR_PNG, 200, 200, 0 },
	{ "anim.gif", IMGHDR_GIF, 120, 90, 0 },
	{ "photo.webp", IMGHDR_WEBP, 200, 150, 0 },	/* VP8 */
	{ "alpha.webp", IMGHDR_WEBP, 100, 80, 0 },	/* VP8X */
	{ "lossless.webp", IMGHDR_WEBP, 64, 48, 0 },	/* VP8L */
	{ "exif-6.jpg", IMGHDR_JPEG, 160, 100, 0 },	/* stored size, EXIF */
	{ "cmyk.jpg", IMGHDR_JPEG, 160, 100, 0 },	/* Adobe APP14 */
	{ "icc-srgb.jpg", IMGHDR_JPEG, 160, 100, 0 },	/* 7 KB APP2 first */
	{ "gray.jpg", IMGHDR_JPEG, 120, 60, 0 },	/* one component */
	{ "deep.png", IMGHDR_PNG, 96, 64, 0 },		/* 16 bits a sample */
	{ "offset.gif", IMGHDR_GIF, 120, 90, 0 },	/* the screen, not frame 1 */
	{ "anim.webp", IMGHDR_WEBP, 120, 90, 0 },	/* VP8X canvas, ANMF */
	{ "anim-offset.webp", IMGHDR_WEBP, 120, 90, 0 },	/* the canvas */
};

static unsigned char *
load(const char *name, size_t *len)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096];
	unsigned char	*buf;
	FILE		*f;
	long		 size;

	snprintf(path, sizeof path, "%s/tests/fixtures/%s", top ? top : ".",
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(size ? size : 1);
	if (buf == NULL || fread(buf, 1, size, f) != (size_t)size) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = size;
	return buf;
}

/* Reads a copy of exactly len bytes, so that valgrind or ASan catch any read
 * past the end. */
static int
read_exact(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	unsigned char	*copy = malloc(len ? len : 1);
	int		 rv;

	if (copy == NULL)
		abort();
	memcpy(copy, buf, len);
	rv = imghdr_read(len ? copy : NULL, len, hdr);
	free(copy);
	return rv;
}

/*
 * Every prefix shorter than the header fails with no dimensions, every longer
 * one gives the full answer: a truncated download never yields made-up sizes.
 */
static void
test_prefixes(const struct fixture *fx, const unsigned char *buf, size_t len)
{
	struct imghdr	hdr;
	size_t		n, first = 0, bad = 0;
	int		found = 0, rv;

	for (n = 0; n <= len && n <= 8192; n++) {
		rv = read_exact(buf, n, &hdr);
		if (!found && rv == 0) {
			found = 1;
			first = n;
		}
		if (!found && (rv != -1 || hdr.width != 0 || hdr.height != 0))
			bad++;
		if (found && (rv != 0 || hdr.width != fx->width ||
		    hdr.height != fx->height || hdr.format != fx->format))
			bad++;
	}
	ok(found && bad == 0, "%s: every prefix below %zu bytes fails, every "
	    "longer one reads %ux%u", fx->name, first, fx->width, fx->height);
}

static void
test_fixtures(void)
{
	struct imghdr	 hdr;
	unsigned char	*buf;
	size_t		 i, len = 0;

	for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];

		buf = load(fx->name, &len);
		if (!ok(buf != NULL, "%s: fixture loads", fx->name))
			continue;
		is_int(imghdr_sniff(buf, len), fx->format, "%s: sniffed as %s",
		    fx->name, imghdr_format_name(fx->format));
		is_int(imghdr_read(buf, len, &hdr), 0, "%s: header reads",
		    fx->name);
		is_int(hdr.width, fx->width, "%s: width", fx->name);
		is_int(hdr.height, fx->height, "%s: height", fx->name);
		is_int(hdr.progressive, fx->progressive, "%s: progressive flag",
		    fx->name);
		test_prefixes(fx, buf, len);
		free(buf);
	}

	buf = load("not-an-image.html", &len);
	if (ok(buf != NULL, "not-an-image.html: fixture loads")) {
		is_int(imghdr_sniff(buf, len), IMGHDR_UNKNOWN,
		    "HTML is not an image");
		is_int(imghdr_read(buf, len, &hdr), -1, "HTML has no header");
		is_int(hdr.format, IMGHDR_UNKNOWN, "HTML format unknown");
		free(buf);
	}
}

static void
test_not_images(void)
{
	static const char *texts[] = {
		"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
		"%!PS-Adobe-3.0\n",
		"%PDF-1.4\n",
		"BEGMF",
		"<html><body>404</body></html>",
		"GIF88a\x01\x00\x01\x00",
		"RIFF\x10\x00\x00\x00WAVEfmt ",
		"\xff\xd8",		/* too short to be a JPEG */
		"\x89PNG\r\n\x1a",	/* too short to be a PNG */
	};
	struct imghdr	hdr;
	size_t		i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		is_int(read_exact((const unsigned char *)texts[i],
		    strlen(texts[i]), &hdr), -1, "not an image: text %zu", i);
		is_int(hdr.format, IMGHDR_UNKNOWN, "unknown format: text %zu", i);
	}
	is_int(imghdr_read(NULL, 0, &hdr), -1, "NULL, 0 is not an image");
	is_int(imghdr_sniff(NULL, 100), IMGHDR_UNKNOWN, "NULL sniffs unknown");
}

/* SOI, then the given segments, then a SOF of the given marker and size. */
static size_t
make_jpeg(unsigned char *buf, const unsigned char *pre, size_t prelen,
    unsigned marker, unsigned w, unsigned h)
{
	size_t	n = 0;

	buf[n++] = 0xff;
	buf[n++] = 0xd8;
	if (prelen != 0) {
		memcpy(buf + n, pre, prelen);
		n += prelen;
	}
	buf[n++] = 0xff;
	buf[n++] = marker;
	buf[n++] = 0;
	buf[n++] = 11;		/* length: 8 + 3 for one component */
	buf[n++] = 8;
	buf[n++] = h >> 8;
	buf[n++] = h & 0xff;
	buf[n++] = w >> 8;
	buf[n++] = w & 0xff;
	buf[n++] = 1;
	buf[n++] = 1;
	buf[n++] = 0x11;
	buf[n++] = 0;
	return n;
}

static void
test_jpeg_markers(void)
{
	/* APP0 JFIF, then a DHT (C4) and DAC (CC): inside the SOFn range but
	 * not frames. */
	static const unsigned char app_dht[] = {
		0xff, 0xe0, 0x00, 0x06, 'J', 'F', 'I', 'F',
		0xff, 0xc4, 0x00, 0x04, 0x00, 0x00,
		0xff, 0xcc, 0x00, 0x03, 0x00,
		0xff, 0xc8, 0x00, 0x02,
	};
	static const unsigned char fill[] = {	/* fill bytes, RST, TEM */
		0xff, 0xff, 0xff, 0xd0, 0xff, 0x01,
	};
	static const unsigned char sos[] = { 0xff, 0xda, 0x00, 0x02 };
	static const unsigned char shortlen[] = { 0xff, 0xe1, 0x00, 0x01 };
	static const unsigned char longlen[] = { 0xff, 0xe1, 0xff, 0xff };
	static const unsigned char soi[] = { 0xff, 0xd8 };
	static const unsigned char eoi[] = { 0xff, 0xd9 };
	static const unsigned progressive[] = { 0xc2, 0xc6, 0xca, 0xce };
	static const unsigned sequential[] = { 0xc0, 0xc1, 0xc3, 0xc9 };
	unsigned char	buf[256];
	struct imghdr	hdr;
	size_t		n, i;

	n = make_jpeg(buf, app_dht, sizeof app_dht, 0xc0, 640, 480);
	is_int(read_exact(buf, n, &hdr), 0, "JPEG: DHT, DAC, JPG skipped");
	ok(hdr.width == 640 && hdr.height == 480 && !hdr.progressive,
	    "JPEG: SOF0 640x480 baseline");

	n = make_jpeg(buf, fill, sizeof fill, 0xc0, 65535, 1);
	is_int(read_exact(buf, n, &hdr), 0, "JPEG: fill bytes, RST, TEM");
	ok(hdr.width == 65535 && hdr.height == 1, "JPEG: 65535x1");

	for (i = 0; i < sizeof progressive / sizeof progressive[0]; i++) {
		n = make_jpeg(buf, NULL, 0, progressive[i], 10, 20);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.progressive == 1 &&
		    hdr.width == 10 && hdr.height == 20,
		    "JPEG: SOF %02x is progressive", progressive[i]);
	}
	for (i = 0; i < sizeof sequential / sizeof sequential[0]; i++) {
		n = make_jpeg(buf, NULL, 0, sequential[i], 10, 20);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.progressive == 0,
		    "JPEG: SOF %02x is not progressive", sequential[i]);
	}

	n = make_jpeg(buf, NULL, 0, 0xc0, 100, 0);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: height 0 (DNL) refused");
	n = make_jpeg(buf, NULL, 0, 0xc0, 0, 100);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: width 0 refused");
	n = make_jpeg(buf, sos, sizeof sos, 0xc0, 100, 100);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: scan before frame refused");
	n = make_jpeg(buf, shortlen, sizeof shortlen, 0xc0, 100, 100);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: segment length 1 refused");
	n = make_jpeg(buf, longlen, sizeof longlen, 0xc0, 100, 100);
	is_int(read_exact(buf, n, &hdr), -1,
	    "JPEG: segment longer than the data refused");
	n = make_jpeg(buf, soi, sizeof soi, 0xc0, 100, 100);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: second SOI refused");
	n = make_jpeg(buf, eoi, sizeof eoi, 0xc0, 100, 100);
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: EOI before frame refused");
	is_int(hdr.format, IMGHDR_JPEG, "JPEG: format kept on failure");

	/* A SOF whose length says it is shorter than a frame header. */
	n = make_jpeg(buf, NULL, 0, 0xc0, 100, 100);
	buf[5] = 7;
	is_int(read_exact(buf, n, &hdr), -1, "JPEG: SOF length 7 refused");
	/* All fill bytes to the end. */
	memset(buf + 2, 0xff, 100);
	is_int(read_exact(buf, 102, &hdr), -1, "JPEG: only fill bytes");
}

static size_t
make_png(unsigned char *buf, uint32_t w, uint32_t h)
{
	static const unsigned char head[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R',
	};

	memcpy(buf, head, sizeof head);
	buf[16] = w >> 24; buf[17] = w >> 16; buf[18] = w >> 8; buf[19] = w;
	buf[20] = h >> 24; buf[21] = h >> 16; buf[22] = h >> 8; buf[23] = h;
	memcpy(buf + 24, "\x08\x02\x00\x00\x00\0\0\0\0", 9);
	return 33;
}

static void
test_png_gif_webp(void)
{
	unsigned char	buf[64];
	struct imghdr	hdr;
	size_t		n;

	n = make_png(buf, 100000, 100000);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 100000 &&
	    hdr.height == 100000, "PNG: a lying 100000x100000 IHDR is read "
	    "as such (the caller refuses it)");
	n = make_png(buf, 0x80000000U, 1);
	is_int(read_exact(buf, n, &hdr), -1, "PNG: width 2^31 refused");
	n = make_png(buf, 1, 0);
	is_int(read_exact(buf, n, &hdr), -1, "PNG: height 0 refused");
	n = make_png(buf, 1, 1);
	memcpy(buf + 12, "IDAT", 4);
	is_int(read_exact(buf, n, &hdr), -1, "PNG: first chunk not IHDR");
	n = make_png(buf, 1, 1);
	buf[11] = 12;
	is_int(read_exact(buf, n, &hdr), -1, "PNG: IHDR length 12 refused");

	memcpy(buf, "GIF87a\x40\x01\xf0\x00", 10);
	ok(read_exact(buf, 10, &hdr) == 0 && hdr.format == IMGHDR_GIF &&
	    hdr.width == 320 && hdr.height == 240, "GIF87a: 320x240");
	memcpy(buf, "GIF89a\x00\x00\x10\x00", 10);
	is_int(read_exact(buf, 10, &hdr), -1, "GIF: zero width refused");

	/* VP8X with the largest canvas: 2^24 x 2^24. */
	memcpy(buf, "RIFF\x20\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0"
	    "\xff\xff\xff\xff\xff\xff", 30);
	ok(read_exact(buf, 30, &hdr) == 0 && hdr.width == 16777216 &&
	    hdr.height == 16777216, "WebP VP8X: 16777216x16777216");
	/* VP8L: 14-bit width-1 and height-1, version bits must be 0. */
	memcpy(buf, "RIFF\x20\0\0\0WEBPVP8L\x05\0\0\0\x2f\xff\xff\xff\x0f", 25);
	ok(read_exact(buf, 25, &hdr) == 0 && hdr.width == 16384 &&
	    hdr.height == 16384, "WebP VP8L: 16384x16384");
	buf[24] = 0x2f;
	is_int(read_exact(buf, 25, &hdr), -1, "WebP VP8L: version 1 refused");
	/* VP8: a key frame has bit 0 clear and the start code 9d 01 2a. */
	memcpy(buf, "RIFF\x20\0\0\0WEBPVP8 \x0a\0\0\0\x10\0\0\x9d\x01\x2a"
	    "\x80\x02\xe0\x01", 30);
	ok(read_exact(buf, 30, &hdr) == 0 && hdr.width == 640 &&
	    hdr.height == 480, "WebP VP8: 640x480, scale bits ignored");
	buf[20] = 0x11;
	is_int(read_exact(buf, 30, &hdr), -1, "WebP VP8: inter frame refused");
	buf[20] = 0x10;
	buf[24] = 0x02;
	is_int(read_exact(buf, 30, &hdr), -1, "WebP VP8: bad start code");
	memcpy(buf + 12, "ALPH", 4);
	is_int(read_exact(buf, 30, &hdr), -1, "WebP: unknown first chunk");
	is_int(hdr.format, IMGHDR_WEBP, "WebP: format kept on failure");
}

/* Random bytes after each magic: whatever comes back must be consistent, and
 * the exact-size copies let valgrind or ASan see any over-read. */
static void
test_random(void)
{
	static const char *magics[] = {
		"\xff\xd8\xff", "\x89PNG\r\n\x1a\n", "GIF89a", "RIFF\0\0\0\0WEBP",
		"RIFF\0\0\0\0WEBPVP8 ", "RIFF\0\0\0\0WEBPVP8L",
		"RIFF\0\0\0\0WEBPVP8X", "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
	};
	static const size_t magiclen[] = { 3, 8, 6, 12, 16, 16, 16, 16 };
	unsigned char	buf[128];
	struct imghdr	hdr;
	uint32_t	seed = 12345;
	size_t		i, m, n, bad = 0, found = 0;
	int		rv;

	for (i = 0; i < 200000; i++) {
		m = i % (sizeof magics / sizeof magics[0]);
		memcpy(buf, magics[m], magiclen[m]);
		for (n = magiclen[m]; n < sizeof buf; n++) {
			seed = seed * 1103515245 + 12345;
			/* Plenty of 0xff so JPEG marker walks go somewhere. */
			buf[n] = (seed >> 16) & 1 ? 0xff : (seed >> 8) & 0xff;
		}
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % sizeof buf;
		rv = read_exact(buf, n, &hdr);
		if (rv == 0 && (hdr.width == 0 || hdr.height == 0))
			bad++;
		if (rv != 0 && (hdr.width != 0 || hdr.height != 0))
			bad++;
		if (rv == 0)
			found++;
	}
	ok(bad == 0, "200000 random headers: consistent results (%zu read)",
	    found);
}

static void
test_names(void)
{
	is_str(imghdr_format_name(IMGHDR_JPEG), "jpeg", "name of JPEG");
	is_str(imghdr_format_name(IMGHDR_PNG), "png", "name of PNG");
	is_str(imghdr_format_name(IMGHDR_GIF), "gif", "name of GIF");
	is_str(imghdr_format_name(IMGHDR_WEBP), "webp", "name of WebP");
	is_str(imghdr_format_name(IMGHDR_UNKNOWN), "unknown", "name of unknown");
	is_int(imghdr_format_parse("jpeg"), IMGHDR_JPEG, "parse jpeg");
	is_int(imghdr_format_parse("JPG"), IMGHDR_JPEG, "parse JPG");
	is_int(imghdr_format_parse("png"), IMGHDR_PNG, "parse png");
	is_int(imghdr_format_parse("Gif"), IMGHDR_GIF, "parse Gif");
	is_int(imghdr_format_parse("webp"), IMGHDR_WEBP, "parse webp");
	is_int(imghdr_format_parse("svg"), IMGHDR_UNKNOWN, "parse svg");
	is_int(imghdr_format_parse("unknown"), IMGHDR_UNKNOWN, "parse unknown");
	is_int(imghdr_format_parse(""), IMGHDR_UNKNOWN, "parse empty");
	is_int(imghdr_format_parse(NULL), IMGHDR_UNKNOWN, "parse NULL");
}

int
main(void)
{
	test_fixtures();
	test_not_images();
	test_jpeg_markers();
	test_png_gif_webp();
	test_random();
	test_names();
	return tap_done();
}
