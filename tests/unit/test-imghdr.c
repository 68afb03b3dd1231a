/* test-imghdr.c: formats and dimensions from the first bytes, and no read
 * past the end of hostile input. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imghdr.h"
#include "fixture.h"
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
	{ "photo.bmp", IMGHDR_BMP, 120, 80, 0 },	/* BITMAPINFOHEADER */
	{ "photo.tiff", IMGHDR_TIFF, 120, 80, 0 },	/* II, IFD at the end */
	{ "pages.tiff", IMGHDR_TIFF, 64, 48, 0 },	/* MM, first of 2 pages */
	{ "photo.heic", IMGHDR_HEIF, 240, 160, 0 },	/* HEVC */
	{ "photo.avif", IMGHDR_HEIF, 240, 160, 0 },	/* AV1 */
	{ "photo.jxl", IMGHDR_JXL, 240, 160, 0 },	/* bare codestream */
	{ "box.jxl", IMGHDR_JXL, 240, 160, 0 },		/* container, jxlc */
	{ "anim.jxl", IMGHDR_JXL, 120, 90, 0 },		/* animation */
};

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
 * A PNG cut inside a chunk is refused instead (IMGHDR_PNG_CHUNK), with no
 * dimensions either.
 */
static void
test_prefixes(const struct fixture *fx, const unsigned char *buf, size_t len)
{
	struct imghdr	hdr;
	size_t		n, first = 0, bad = 0;
	int		found = 0, rv;

	/* A TIFF's directory often follows its pixels: 16 KB covers the
	 * fixtures. */
	for (n = 0; n <= len && n <= 16384; n++) {
		rv = read_exact(buf, n, &hdr);
		if (!found && rv == 0) {
			found = 1;
			first = n;
		}
		if (!found && (rv != -1 || hdr.width != 0 || hdr.height != 0))
			bad++;
		if (found && fx->format == IMGHDR_PNG && rv == -1 &&
		    hdr.refused == IMGHDR_PNG_CHUNK && hdr.width == 0 &&
		    hdr.height == 0)
			continue;
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
	static const unsigned sequential[] = { 0xc0, 0xc1 };
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

	n = make_jpeg(buf, NULL, 0, 0xc2, 10, 20);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.progressive == 1 &&
	    hdr.width == 10 && hdr.height == 20, "JPEG: SOF c2 is progressive");
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

/*
 * A JPEG with frame marker sof, w x h and one component, then nscans scans,
 * each a SOS segment and entropy-coded bytes holding what a scan may hold
 * and must not be counted: a stuffed FF 00 followed by DA, a restart
 * marker, fill bytes.  Then EOI.  The shape of the CPU bomb of issue 14
 * (7000x7000 grey, a DC scan and 99 AC scans in 7 KB) at any scan count.
 */
static size_t
make_scans(unsigned char *buf, size_t size, unsigned sof, unsigned w,
    unsigned h, unsigned nscans)
{
	static const unsigned char data[] = {
		0x12, 0xff, 0x00, 0xda, 0x34, 0xff, 0xd3, 0xda, 0x56,
	};
	static const unsigned char dqt[] = {	/* one 8-bit table, all 1 */
		0xff, 0xdb, 0x00, 0x43, 0x00,
	};
	size_t		n, i;

	n = make_jpeg(buf, NULL, 0, sof, w, h);
	memcpy(buf + n, dqt, sizeof dqt);
	n += sizeof dqt;
	memset(buf + n, 1, 64);
	n += 64;
	for (i = 0; i < nscans; i++) {
		if (n + 10 + sizeof data + 2 > size)
			abort();
		/* SOS: length 8, one component (1, tables 0), Ss, Se, Ah/Al */
		buf[n++] = 0xff;
		buf[n++] = 0xda;
		buf[n++] = 0x00;
		buf[n++] = 0x08;
		buf[n++] = 1;
		buf[n++] = 1;
		buf[n++] = 0;
		buf[n++] = i == 0 ? 0 : 1;
		buf[n++] = i == 0 ? 0 : 63;
		buf[n++] = 0;
		memcpy(buf + n, data, sizeof data);
		n += sizeof data;
		buf[n++] = 0xff;	/* fill before the next marker */
	}
	buf[n++] = 0xff;
	buf[n++] = 0xd9;
	return n;
}

/* The error a client would see for hdr, as "code: message". */
static const char *
refusal(const struct imghdr *hdr)
{
	static char	out[512];
	struct job_error err;

	job_error_clear(&err);
	if (imghdr_refusal(hdr, &err) == 0)
		return "accepted";
	snprintf(out, sizeof out, "%s: %s", err.code, err.message);
	return out;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Only the coding processes libjpeg decodes and browsers show get through:
 * Huffman-coded baseline, extended and progressive.  Arithmetic coding
 * (SOF9-SOF15) is what made the 17 s CPU bomb; lossless and hierarchical
 * JPEG fail in libjpeg anyway, and now say so.
 */
static void
test_jpeg_processes(void)
{
	static const unsigned refused[] = { 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca,
	    0xcb, 0xcd, 0xce, 0xcf };
	unsigned char	buf[4096];
	struct imghdr	hdr;
	size_t		n, i;
	const char	*why;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		n = make_jpeg(buf, NULL, 0, refused[i], 10, 20);
		ok(read_exact(buf, n, &hdr) == -1 &&
		    hdr.refused == IMGHDR_JPEG_PROCESS &&
		    hdr.format == IMGHDR_JPEG && hdr.width == 0 &&
		    hdr.jpeg_sof == refused[i],
		    "JPEG: SOF%u (%02x) refused as a coding process",
		    refused[i] - 0xc0, refused[i]);
	}
	/* The bomb itself: arithmetic-coded progressive, 7000x7000 grey, a DC
	 * scan and 99 AC scans. */
	n = make_scans(buf, sizeof buf, 0xca, 7000, 7000, 100);
	ok(n < 7 * 1024, "the bomb is %zu bytes", n);
	is_int(read_exact(buf, n, &hdr), -1, "arithmetic-coded bomb refused");
	is_int(hdr.refused, IMGHDR_JPEG_PROCESS, "... for its coding process");
	why = refusal(&hdr);
	ok(starts(why, "unsupported_format: arithmetic-coded progressive jpeg "
	    "image (SOF10)"), "... as unsupported_format, naming it: %s", why);
	n = make_jpeg(buf, NULL, 0, 0xc9, 10, 20);
	read_exact(buf, n, &hdr);
	why = refusal(&hdr);
	ok(starts(why, "unsupported_format: arithmetic-coded sequential jpeg "
	    "image (SOF9)"), "SOF9: %s", why);
	n = make_jpeg(buf, NULL, 0, 0xc3, 10, 20);
	read_exact(buf, n, &hdr);
	why = refusal(&hdr);
	ok(starts(why, "unsupported_format: lossless jpeg image (SOF3)"),
	    "SOF3: %s", why);
	n = make_jpeg(buf, NULL, 0, 0xc2, 10, 20);
	read_exact(buf, n, &hdr);
	is_str(refusal(&hdr), "accepted", "SOF2 is not refused");
}

/*
 * Scans are counted up to EOI: IMGHDR_JPEG_MAX_SCANS pass, one more is
 * refused, whatever a scan's entropy-coded data holds; bytes that only
 * look like a SOS marker (inside a segment, stuffed, after EOI) do not
 * count.
 */
static void
test_jpeg_scans(void)
{
	static const unsigned char app_sos[] = {	/* APP1 full of FF DA */
		0xff, 0xe1, 0x00, 0x12,
		0xff, 0xda, 0x00, 0x08, 0xff, 0xda, 0x00, 0x08,
		0xff, 0xda, 0x00, 0x08, 0xff, 0xda, 0x00, 0x08,
	};
	unsigned char	buf[4096], *big;
	struct imghdr	hdr;
	size_t		n, m, cut, bad = 0;
	const char	*why;
	unsigned	i;
	int		rv;

	n = make_scans(buf, sizeof buf, 0xc2, 7000, 7000, IMGHDR_JPEG_MAX_SCANS);
	rv = read_exact(buf, n, &hdr);
	ok(rv == 0 && hdr.width == 7000 &&
	    hdr.jpeg_scans == IMGHDR_JPEG_MAX_SCANS,
	    "progressive JPEG with %d scans is read (%u counted)",
	    IMGHDR_JPEG_MAX_SCANS, hdr.jpeg_scans);
	n = make_scans(buf, sizeof buf, 0xc2, 7000, 7000,
	    IMGHDR_JPEG_MAX_SCANS + 1);
	ok(read_exact(buf, n, &hdr) == -1 && hdr.refused == IMGHDR_JPEG_SCANS &&
	    hdr.width == 0, "progressive JPEG with %d scans is refused",
	    IMGHDR_JPEG_MAX_SCANS + 1);
	why = refusal(&hdr);
	ok(starts(why, "image_too_costly: progressive jpeg image with more than "
	    "32 scans"), "... as image_too_costly: %s", why);
	/* The Huffman-coded twin of the bomb (0.66 s of CPU with 100). */
	n = make_scans(buf, sizeof buf, 0xc2, 7000, 7000, 100);
	ok(read_exact(buf, n, &hdr) == -1 && hdr.refused == IMGHDR_JPEG_SCANS,
	    "the bomb's Huffman-coded twin (100 scans) is refused");
	n = make_scans(buf, sizeof buf, 0xc0, 64, 64, 40);
	ok(read_exact(buf, n, &hdr) == -1 && hdr.refused == IMGHDR_JPEG_SCANS,
	    "a baseline JPEG with 40 scans is refused too");

	/* Every prefix of a 40-scan JPEG: read with what it has until the
	 * 33rd SOS, refused from there on. */
	n = make_scans(buf, sizeof buf, 0xc2, 100, 100, 40);
	for (cut = 0; cut <= n; cut++) {
		rv = read_exact(buf, cut, &hdr);
		if (rv == 0 && hdr.jpeg_scans > IMGHDR_JPEG_MAX_SCANS)
			bad++;
		if (rv == -1 && hdr.jpeg_sof == 0xc2 &&
		    hdr.refused != IMGHDR_JPEG_SCANS)
			bad++;
		if (rv == -1 && hdr.refused == IMGHDR_JPEG_SCANS &&
		    hdr.jpeg_scans != IMGHDR_JPEG_MAX_SCANS + 1)
			bad++;
	}
	ok(bad == 0, "every prefix of a 40-scan JPEG: read below the 33rd scan, "
	    "refused from it");

	/* FF DA inside a segment is data: 1 scan, not 5. */
	n = make_jpeg(buf, app_sos, sizeof app_sos, 0xc2, 10, 10);
	m = make_scans(buf + n, sizeof buf - n, 0xc2, 10, 10, 1);
	/* drop the second SOI and frame: keep only its scan and EOI */
	memmove(buf + n, buf + n + m - 22, 22);
	rv = read_exact(buf, n + 22, &hdr);
	ok(rv == 0 && hdr.jpeg_scans == 1,
	    "FF DA inside an APP1 segment is not a scan (%u counted)",
	    hdr.jpeg_scans);
	/* Scans after EOI are never decoded. */
	n = make_scans(buf, sizeof buf, 0xc2, 10, 10, 1);
	for (i = 0; i < 40; i++) {
		memcpy(buf + n, "\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x00", 10);
		n += 10;
	}
	rv = read_exact(buf, n, &hdr);
	ok(rv == 0 && hdr.jpeg_scans == 1,
	    "SOS markers after EOI are not counted (%u)", hdr.jpeg_scans);
	/* Nor after a second SOI, which stops libjpeg with an error. */
	n = make_scans(buf, sizeof buf, 0xc2, 10, 10, 1) - 2;
	buf[n++] = 0xff;
	buf[n++] = 0xd8;
	for (i = 0; i < 40; i++) {
		memcpy(buf + n, "\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x00", 10);
		n += 10;
	}
	rv = read_exact(buf, n, &hdr);
	ok(rv == 0 && hdr.jpeg_scans == 1,
	    "SOS markers after a second SOI are not counted (%u)",
	    hdr.jpeg_scans);
	/* A segment that runs past the end after the frame: a truncated
	 * download, read with the scans before it. */
	n = make_scans(buf, sizeof buf, 0xc2, 10, 10, 3) - 2;
	memcpy(buf + n, "\xff\xe2\x7f\xff", 4);
	rv = read_exact(buf, n + 4, &hdr);
	ok(rv == 0 && hdr.jpeg_scans == 3,
	    "a truncated segment after the scans ends the count (%u)",
	    hdr.jpeg_scans);

	/* A long scan: the count walks megabytes of entropy-coded data. */
	m = 4 * 1024 * 1024;
	big = malloc(m + 64);
	if (big == NULL)
		abort();
	n = make_scans(buf, sizeof buf, 0xc2, 4000, 3000, 2) - 2;
	memcpy(big, buf, n);
	for (i = 0; n < m; n++, i++)
		big[n] = i % 97 == 0 ? 0xff : i % 97 == 1 ? 0x00 : (unsigned char)i;
	memcpy(big + n, "\xff\xd9", 2);
	rv = read_exact(big, n + 2, &hdr);
	ok(rv == 0 && hdr.jpeg_scans == 2,
	    "4 MB of entropy-coded data with stuffed bytes: 2 scans");
	free(big);
}

/*
 * Real files, not only hand-made bytes: jpegtran (Debian's
 * libjpeg-turbo-progs, which tools/check installs) recodes a fixture
 * losslessly as arithmetic-coded or with a scan script of its own.
 * Returns its output (malloc'd), or NULL if it failed.
 */
static unsigned char *
jpegtran(const char *args, const char *fixture, size_t *len)
{
	const char	*top = getenv("top_srcdir");
	char		 cmd[4096];
	unsigned char	*buf;
	size_t		 n = 0, got, size = 4 * 1024 * 1024;
	FILE		*p;

	snprintf(cmd, sizeof cmd, "jpegtran %s '%s/tests/fixtures/%s'", args,
	    top ? top : ".", fixture);
	if ((buf = malloc(size)) == NULL || (p = popen(cmd, "r")) == NULL) {
		free(buf);
		return NULL;
	}
	while (n < size && (got = fread(buf + n, 1, size - n, p)) > 0)
		n += got;
	if (pclose(p) != 0 || n == 0 || n == size) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* A scan script for a colour JPEG with nscans scans (at least 4): the DC of
 * all three components, then luma's AC one coefficient a scan, then the
 * rest of luma's and each chroma's AC.  Returns its path, or NULL. */
static const char *
scan_script(unsigned nscans, char *path, size_t size)
{
	FILE		*f;
	unsigned	 k, single = nscans - 4;
	int		 fd;

	snprintf(path, size, "/tmp/test-imghdr-scans.XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return NULL;
	fprintf(f, "0,1,2: 0-0, 0, 0;\n");
	for (k = 1; k <= single; k++)
		fprintf(f, "0: %u-%u, 0, 0;\n", k, k);
	fprintf(f, "0: %u-63, 0, 0;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n",
	    single + 1);
	if (fclose(f) != 0)
		return NULL;
	return path;
}

static void
test_jpegtran(void)
{
	static const struct {
		const char	*args;		/* NULL: a scan script */
		unsigned	 nscans;
		const char	*fixture;
		int		 rv;
		enum imghdr_refusal refused;
		unsigned	 sof;
		const char	*what;
	} cases[] = {
		{ "-arithmetic", 0, "photo.jpg", -1, IMGHDR_JPEG_PROCESS, 0xc9,
		  "arithmetic-coded (SOF9)" },
		{ "-arithmetic -progressive", 0, "photo.jpg", -1,
		  IMGHDR_JPEG_PROCESS, 0xca, "arithmetic-coded progressive" },
		{ "-progressive", 0, "photo.jpg", 0, IMGHDR_ACCEPTED, 0xc2,
		  "libjpeg's progressive script (10 scans)" },
		{ "-progressive", 0, "cmyk.jpg", 0, IMGHDR_ACCEPTED, 0xc2,
		  "libjpeg's progressive script for CMYK (18 scans)" },
		{ NULL, IMGHDR_JPEG_MAX_SCANS, "photo.jpg", 0, IMGHDR_ACCEPTED,
		  0xc2, "a 32-scan script" },
		{ NULL, IMGHDR_JPEG_MAX_SCANS + 1, "photo.jpg", -1,
		  IMGHDR_JPEG_SCANS, 0xc2, "a 33-scan script" },
		{ NULL, 40, "photo.jpg", -1, IMGHDR_JPEG_SCANS, 0xc2,
		  "a 40-scan script" },
	};
	struct imghdr	 hdr;
	unsigned char	*buf;
	char		 path[64], args[128];
	const char	*script;
	size_t		 i, len = 0;
	int		 rv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].args != NULL)
			snprintf(args, sizeof args, "%s", cases[i].args);
		else if ((script = scan_script(cases[i].nscans, path,
		    sizeof path)) != NULL)
			snprintf(args, sizeof args, "-scans %s", script);
		else
			args[0] = '\0';
		buf = args[0] != '\0' ? jpegtran(args, cases[i].fixture, &len) :
		    NULL;
		if (cases[i].args == NULL)
			unlink(path);
		if (!ok(buf != NULL, "jpegtran makes %s of %s (tools/check "
		    "installs libjpeg-turbo-progs)", cases[i].what,
		    cases[i].fixture))
			continue;
		rv = read_exact(buf, len, &hdr);
		ok(rv == cases[i].rv && hdr.refused == cases[i].refused &&
		    hdr.jpeg_sof == cases[i].sof && (cases[i].nscans == 0 ||
		    hdr.jpeg_scans == (cases[i].rv == 0 ? cases[i].nscans :
		    IMGHDR_JPEG_MAX_SCANS + 1)), "jpegtran's %s %s: %s (%u scans "
		    "counted)", cases[i].what, cases[i].fixture, rv == 0 ? "read" :
		    refusal(&hdr), hdr.jpeg_scans);
		free(buf);
	}
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

/* Appends a chunk of type t claiming clen bytes, holding have of them. */
static size_t
add_chunk(unsigned char *buf, size_t n, const char *t, uint32_t clen,
    size_t have)
{
	buf[n] = clen >> 24; buf[n + 1] = clen >> 16; buf[n + 2] = clen >> 8;
	buf[n + 3] = clen;
	memcpy(buf + n + 4, t, 4);
	memset(buf + n + 8, 'x', have);
	return n + 8 + have;
}

/*
 * libpng allocates what a text, ICC or unknown chunk claims before reading
 * it: a chunk that claims more than the file holds is refused from its
 * length alone.
 */
static void
test_png_chunks(void)
{
	unsigned char	 buf[256];
	struct imghdr	 hdr;
	struct job_error err;
	size_t		 n;

	n = make_png(buf, 40, 27);
	n = add_chunk(buf, n, "tEXt", 15, 15 + 4);
	n = add_chunk(buf, n, "IEND", 0, 4);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 40 &&
	    hdr.refused == IMGHDR_ACCEPTED, "PNG: chunks that fit are read");
	n = add_chunk(buf, n, "junk", 0xffffffffU, 8);
	is_int(read_exact(buf, n, &hdr), 0, "PNG: bytes after IEND are "
	    "not chunks");

	n = make_png(buf, 40, 27);
	n = add_chunk(buf, n, "tEXt", 1868955672U, 17);
	ok(read_exact(buf, n, &hdr) == -1 && hdr.width == 0 &&
	    hdr.refused == IMGHDR_PNG_CHUNK, "PNG: a tEXt claiming 1.8 GB "
	    "in a %zu-byte file is refused", n);
	job_error_clear(&err);
	ok(imghdr_refusal(&hdr, &err) == -1 && err.code != NULL &&
	    strcmp(err.code, "image_corrupt") == 0 &&
	    strstr(err.message, "tEXt chunk claims 1868955672 bytes") != NULL,
	    "PNG: refused as image_corrupt, naming the chunk: %s",
	    err.message);
	n = make_png(buf, 40, 27);
	n = add_chunk(buf, n, "\001D\377T", 0x80000000U, 4);
	ok(read_exact(buf, n, &hdr) == -1 &&
	    hdr.refused == IMGHDR_PNG_CHUNK &&
	    strcmp(hdr.png_chunk, "?D?T") == 0, "PNG: a length of 2^31 is "
	    "refused and the type is kept printable");
	n = make_png(buf, 40, 27);
	n = add_chunk(buf, n, "IDAT", 20, 20);
	is_int(read_exact(buf, n, &hdr), -1, "PNG: a chunk without its CRC "
	    "is refused");
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

	test_png_chunks();

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
		"BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0",
		"BM\0\0\0\0\0\0\0\0\0\0\0\0\x0c\0\0\0",
		"II*\0\x08\0\0\0", "MM\0*\0\0\0\x08",
		"\0\0\0\x18" "ftypheic", "\0\0\0\x18" "ftypavif",
		"\xff\x0a", "\0\0\0\x0cJXL \r\n\x87\n",
	};
	static const size_t magiclen[] = { 3, 8, 6, 12, 16, 16, 16, 16,
	    18, 18, 8, 8, 12, 12, 2, 12 };
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
le16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static void
be16(unsigned char *p, unsigned v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static void
be32(unsigned char *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

/* The 14-byte file header and the start of a DIB header. */
static size_t
make_bmp(unsigned char *buf, uint32_t dib, int32_t w, int32_t h,
    unsigned planes, unsigned bpp)
{
	memset(buf, 0, 14 + 40);
	buf[0] = 'B';
	buf[1] = 'M';
	le32(buf + 14, dib);
	if (dib == 12) {
		le16(buf + 18, (unsigned)w & 0xffff);
		le16(buf + 20, (unsigned)h & 0xffff);
		le16(buf + 22, planes);
		le16(buf + 24, bpp);
		return 26;
	}
	le32(buf + 18, (uint32_t)w);
	le32(buf + 22, (uint32_t)h);
	le16(buf + 26, planes);
	le16(buf + 28, bpp);
	return 54;
}

static void
test_bmp(void)
{
	unsigned char	buf[64];
	struct imghdr	hdr;
	size_t		n;

	n = make_bmp(buf, 40, 640, 480, 1, 24);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.format == IMGHDR_BMP &&
	    hdr.width == 640 && hdr.height == 480, "BMP info: 640x480");
	n = make_bmp(buf, 40, 640, -480, 1, 32);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 640 &&
	    hdr.height == 480, "BMP info: negative height is top-down 640x480");
	n = make_bmp(buf, 124, 0x7fffffff, -0x7fffffff, 1, 8);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 0x7fffffffU &&
	    hdr.height == 0x7fffffffU, "BMP V5: 2147483647x-2147483647 read as "
	    "such (the caller refuses it)");
	n = make_bmp(buf, 40, 10, INT32_MIN, 1, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: height -2^31 refused");
	n = make_bmp(buf, 40, -10, 10, 1, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: negative width refused");
	n = make_bmp(buf, 40, 0, 10, 1, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: zero width refused");
	n = make_bmp(buf, 40, 10, 0, 1, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: zero height refused");
	n = make_bmp(buf, 40, 10, 10, 2, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: 2 planes refused");
	n = make_bmp(buf, 40, 10, 10, 1, 7);
	is_int(read_exact(buf, n, &hdr), -1, "BMP: 7 bits a pixel refused");
	is_int(hdr.format, IMGHDR_BMP, "BMP: format kept on failure");

	n = make_bmp(buf, 12, 300, 200, 1, 24);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 300 &&
	    hdr.height == 200, "BMP core: 300x200");
	n = make_bmp(buf, 12, 300, -200, 1, 8);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 300 &&
	    hdr.height == 200, "BMP core: negative height is top-down");
	n = make_bmp(buf, 12, 40000, 10, 1, 24);
	is_int(read_exact(buf, n, &hdr), -1, "BMP core: width 40000 is "
	    "negative as GraphicsMagick reads it, refused");

	n = make_bmp(buf, 41, 10, 10, 1, 24);
	is_int(imghdr_sniff(buf, n), IMGHDR_UNKNOWN, "BMP: DIB header of 41 "
	    "bytes is not a BMP");
	is_int(imghdr_sniff((const unsigned char *)"BM<html>hello world!", 20),
	    IMGHDR_UNKNOWN, "\"BM\" then text is not a BMP");
}

static void
tiff_put(unsigned char *e, int be, unsigned tag, unsigned type,
    uint32_t count, uint32_t v)
{
	void	(*p16)(unsigned char *, unsigned) = be ? be16 : le16;
	void	(*p32)(unsigned char *, uint32_t) = be ? be32 : le32;

	p16(e, tag);
	p16(e + 2, type);
	p32(e + 4, count);
	memset(e + 8, 0, 4);
	if (type == 3)
		p16(e + 8, v);
	else
		p32(e + 8, v);
}

/* A header, then at ifd a directory of the given entries (n of them). */
static size_t
make_tiff(unsigned char *buf, int be, uint32_t ifd, unsigned n)
{
	memset(buf, 0, ifd + 2 + n * 12 + 4);
	memcpy(buf, be ? "MM\0*" : "II*\0", 4);
	(be ? be32 : le32)(buf + 4, ifd);
	(be ? be16 : le16)(buf + ifd, n);
	return ifd + 2 + n * 12 + 4;
}

static void
test_tiff(void)
{
	unsigned char	buf[256];
	struct imghdr	hdr;
	size_t		n;
	int		be;

	for (be = 0; be < 2; be++) {
		const char *o = be ? "MM" : "II";

		n = make_tiff(buf, be, 8, 3);
		tiff_put(buf + 10, be, 254, 4, 1, 0);
		tiff_put(buf + 22, be, 256, 3, 1, 640);
		tiff_put(buf + 34, be, 257, 4, 1, 480);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.format == IMGHDR_TIFF &&
		    hdr.width == 640 && hdr.height == 480,
		    "TIFF %s: SHORT width, LONG height: 640x480", o);
		tiff_put(buf + 22, be, 256, 4, 1, 100000);
		tiff_put(buf + 34, be, 257, 3, 1, 65535);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 100000 &&
		    hdr.height == 65535, "TIFF %s: 100000x65535", o);

		/* The directory after the pixels, as libtiff writes it. */
		n = make_tiff(buf, be, 100, 2);
		tiff_put(buf + 102, be, 257, 3, 1, 7);
		tiff_put(buf + 114, be, 256, 3, 1, 9);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 9 &&
		    hdr.height == 7, "TIFF %s: IFD at 100, tags in any "
		    "order: 9x7", o);
		is_int(read_exact(buf, n - 5, &hdr), -1, "TIFF %s: "
		    "directory cut short", o);
		is_int(read_exact(buf, 101, &hdr), -1, "TIFF %s: entry "
		    "count cut short", o);

		n = make_tiff(buf, be, 8, 2);
		tiff_put(buf + 10, be, 256, 3, 1, 9);
		tiff_put(buf + 22, be, 258, 3, 1, 8);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: no "
		    "ImageLength", o);
		tiff_put(buf + 22, be, 257, 3, 2, 8);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: ImageLength "
		    "with 2 values", o);
		tiff_put(buf + 22, be, 257, 5, 1, 8);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: ImageLength "
		    "as a RATIONAL", o);
		tiff_put(buf + 22, be, 257, 3, 1, 0);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: ImageLength "
		    "0", o);
		tiff_put(buf + 22, be, 256, 3, 1, 9);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: ImageWidth "
		    "twice", o);

		n = make_tiff(buf, be, 8, 0);
		is_int(read_exact(buf, n, &hdr), -1, "TIFF %s: empty "
		    "directory", o);
		memset(buf, 0, sizeof buf);
		n = make_tiff(buf, be, 8, 2);
		(be ? be16 : le16)(buf + 8, 5000);
		is_int(read_exact(buf, sizeof buf, &hdr), -1, "TIFF %s: 5000 "
		    "entries", o);
		(be ? be16 : le16)(buf + 8, 20);
		is_int(read_exact(buf, sizeof buf, &hdr), -1, "TIFF %s: 20 "
		    "entries in 256 bytes", o);
		(be ? be32 : le32)(buf + 4, 4);
		is_int(read_exact(buf, sizeof buf, &hdr), -1, "TIFF %s: IFD "
		    "inside the header", o);
		(be ? be32 : le32)(buf + 4, 0xfffffff0U);
		is_int(read_exact(buf, sizeof buf, &hdr), -1, "TIFF %s: IFD "
		    "past the end", o);
		(be ? be32 : le32)(buf + 4, sizeof buf - 1);
		is_int(read_exact(buf, sizeof buf, &hdr), -1, "TIFF %s: IFD "
		    "at the last byte", o);
		is_int(hdr.format, IMGHDR_TIFF, "TIFF %s: format kept on "
		    "failure", o);
	}
	is_int(imghdr_sniff((const unsigned char *)"II+\0\x08\0\0\0", 8),
	    IMGHDR_UNKNOWN, "BigTIFF is not sniffed");
	is_int(imghdr_sniff((const unsigned char *)"MM*\0", 4),
	    IMGHDR_UNKNOWN, "TIFF magic in the wrong byte order");
}

/* An ISOBMFF box header. */
static unsigned char *
box(unsigned char *p, uint32_t size, const char *type)
{
	be32(p, size);
	memcpy(p + 4, type, 4);
	return p + 8;
}

/*
 * A HEIF file's header: ftyp (major brand), then meta with pitm (item 1,
 * version pv), iprp with ipco (a colr-like dummy property, then ispe w x h)
 * and ipma (version mv, flags mf) associating item `item` with property 2.
 */
static size_t
make_heif(unsigned char *buf, const char *brand, unsigned pv, unsigned mv,
    unsigned mf, uint32_t item, uint32_t w, uint32_t h)
{
	unsigned char	*p = buf, *meta, *iprp, *ipma;
	size_t		 idlen = mv < 1 ? 2 : 4, plen = pv == 0 ? 2 : 4;

	memset(buf, 0, 512);
	p = box(p, 24, "ftyp");
	memcpy(p, brand, 4);
	memcpy(p + 8, "mif1", 4);
	meta = p += 16;
	p = box(p, 0, "meta") + 4;
	p = box(p, 12 + plen, "pitm");
	p[0] = pv;
	if (pv == 0)
		be16(p + 4, 1);
	else
		be32(p + 4, 1);
	p += 4 + plen;
	iprp = p;
	p = box(p, 0, "iprp");
	p = box(p, 8 + 12 + 20, "ipco");
	p = box(p, 12, "pixi") + 4;
	p = box(p, 20, "ispe");
	be32(p + 4, w);
	be32(p + 8, h);
	p += 12;
	ipma = p;
	p = box(p, 0, "ipma");
	p[0] = mv;
	p[3] = mf;
	be32(p + 4, 1);
	p += 8;
	if (idlen == 2)
		be16(p, item);
	else
		be32(p, item);
	p += idlen;
	*p++ = 2;			/* two associations: 1 and 2 */
	if (mf & 1) {
		be16(p, 0x8001);
		be16(p + 2, 2);
		p += 4;
	} else {
		*p++ = 0x81;
		*p++ = 2;
	}
	be32(ipma, (uint32_t)(p - ipma));
	be32(iprp, (uint32_t)(p - iprp));
	be32(meta, (uint32_t)(p - meta));
	return (size_t)(p - buf);
}

static void
test_heif(void)
{
	unsigned char	buf[512];
	struct imghdr	hdr;
	size_t		n, i;
	unsigned	v;

	for (v = 0; v < 4; v++) {
		n = make_heif(buf, v % 2 ? "avif" : "heic", v / 2, v / 2, v % 2,
		    1, 4032, 3024);
		ok(read_exact(buf, n, &hdr) == 0 && hdr.format == IMGHDR_HEIF &&
		    hdr.width == 4032 && hdr.height == 3024, "HEIF pitm v%u, "
		    "ipma v%u flags %u: 4032x3024", v / 2, v / 2, v % 2);
		for (i = 0; i < n; i++) {
			if (read_exact(buf, i, &hdr) != -1 || hdr.width != 0)
				break;
		}
		ok(i == n, "HEIF pitm v%u, ipma v%u flags %u: every prefix "
		    "fails", v / 2, v / 2, v % 2);
	}
	n = make_heif(buf, "mif1", 0, 0, 0, 1, 100000, 100000);
	ok(read_exact(buf, n, &hdr) == 0 && hdr.width == 100000,
	    "HEIF mif1: a lying 100000x100000 ispe is read as such");
	n = make_heif(buf, "heic", 0, 0, 0, 2, 640, 480);
	is_int(read_exact(buf, n, &hdr), -1, "HEIF: ispe of another item "
	    "than the primary refused");
	n = make_heif(buf, "heic", 0, 0, 0, 1, 0, 480);
	is_int(read_exact(buf, n, &hdr), -1, "HEIF: ispe width 0 refused");
	n = make_heif(buf, "heic", 0, 0, 0, 1, 640, 480);
	memcpy(buf + 24 + 8 + 4 + 4, "pitx", 4);
	is_int(read_exact(buf, n, &hdr), -1, "HEIF: no pitm refused");
	n = make_heif(buf, "heic", 0, 0, 0, 1, 640, 480);
	be32(buf + n - 9, 1000);		/* ipma entry count */
	is_int(read_exact(buf, n, &hdr), -1, "HEIF: ipma entry count past "
	    "its box refused");
	n = make_heif(buf, "heic", 0, 0, 0, 1, 640, 480);
	be32(buf + 24, 0xffff);			/* meta size */
	is_int(read_exact(buf, n, &hdr), -1, "HEIF: meta past the end "
	    "refused");
	be32(buf + 24, 1);			/* 64-bit size, cut */
	is_int(read_exact(buf, 36, &hdr), -1, "HEIF: 64-bit size cut "
	    "refused");
	is_int(hdr.format, IMGHDR_HEIF, "HEIF: format kept on failure");

	n = make_heif(buf, "isom", 0, 0, 0, 1, 640, 480);
	memcpy(buf + 16, "mp42", 4);
	is_int(imghdr_sniff(buf, n), IMGHDR_UNKNOWN, "MP4 video is not HEIF");
	memcpy(buf + 20, "avif", 4);
	is_int(imghdr_sniff(buf, n), IMGHDR_HEIF, "a compatible brand avif "
	    "is HEIF");
}

/* LSB-first bits. */
static void
put_bits(unsigned char *buf, unsigned *pos, uint32_t v, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++, (*pos)++) {
		if ((v >> i) & 1)
			buf[*pos / 8] |= 1U << (*pos % 8);
	}
}

static void
test_jxl(void)
{
	static const unsigned char sig[12] = {
		0, 0, 0, 0x0c, 'J', 'X', 'L', ' ', '\r', '\n', 0x87, '\n'
	};
	unsigned char	buf[128], cs[16];
	struct imghdr	hdr;
	unsigned	pos;
	size_t		n;

	/* Small: (5 bits + 1) * 8 a side. */
	memset(cs, 0, sizeof cs);
	cs[0] = 0xff;
	cs[1] = 0x0a;
	pos = 16;
	put_bits(cs, &pos, 1, 1);
	put_bits(cs, &pos, 3, 5);		/* height 32 */
	put_bits(cs, &pos, 0, 3);
	put_bits(cs, &pos, 31, 5);		/* width 256 */
	ok(read_exact(cs, 4, &hdr) == 0 && hdr.format == IMGHDR_JXL &&
	    hdr.width == 256 && hdr.height == 32, "JXL small: 256x32");
	is_int(read_exact(cs, 3, &hdr), -1, "JXL small: cut short");

	/* 13-bit height, 16:9 ratio. */
	memset(cs + 2, 0, sizeof cs - 2);
	pos = 16;
	put_bits(cs, &pos, 0, 1);
	put_bits(cs, &pos, 1, 2);
	put_bits(cs, &pos, 1080 - 1, 13);
	put_bits(cs, &pos, 5, 3);
	ok(read_exact(cs, 5, &hdr) == 0 && hdr.width == 1920 &&
	    hdr.height == 1080, "JXL ratio 16:9: 1920x1080");

	/* 30-bit sizes, the largest: 2^30 x 2^30. */
	memset(cs + 2, 0, sizeof cs - 2);
	pos = 16;
	put_bits(cs, &pos, 0, 1);
	put_bits(cs, &pos, 3, 2);
	put_bits(cs, &pos, 0x3fffffff, 30);
	put_bits(cs, &pos, 0, 3);
	put_bits(cs, &pos, 3, 2);
	put_bits(cs, &pos, 0x3fffffff, 30);
	ok(read_exact(cs, 11, &hdr) == 0 && hdr.width == 1U << 30 &&
	    hdr.height == 1U << 30, "JXL: 1073741824x1073741824");
	is_int(read_exact(cs, 10, &hdr), -1, "JXL: width cut short");
	/* 2:1 of the largest height still fits. */
	memset(cs + 2, 0, sizeof cs - 2);
	pos = 16;
	put_bits(cs, &pos, 0, 1);
	put_bits(cs, &pos, 3, 2);
	put_bits(cs, &pos, 0x3fffffff, 30);
	put_bits(cs, &pos, 7, 3);
	ok(read_exact(cs, 7, &hdr) == 0 && hdr.width == 1U << 31 &&
	    hdr.height == 1U << 30, "JXL ratio 2:1: 2147483648x1073741824");

	/* The container: ftyp, then the codestream split over two jxlp
	 * boxes after 3 bytes. */
	memset(cs + 2, 0, sizeof cs - 2);
	pos = 16;
	put_bits(cs, &pos, 0, 1);
	put_bits(cs, &pos, 1, 2);
	put_bits(cs, &pos, 479, 13);
	put_bits(cs, &pos, 3, 3);		/* 4:3 */
	memset(buf, 0, sizeof buf);
	memcpy(buf, sig, sizeof sig);
	n = sizeof sig;
	box(buf + n, 20, "ftyp");
	memcpy(buf + n + 8, "jxl ", 4);
	memcpy(buf + n + 16, "jxl ", 4);
	n += 20;
	box(buf + n, 8 + 4 + 3, "jxlp");
	memcpy(buf + n + 12, cs, 3);
	n += 15;
	box(buf + n, 8, "Exif");
	n += 8;
	box(buf + n, 8 + 4 + 13, "jxlp");
	be32(buf + n + 8, 0x80000001U);
	memcpy(buf + n + 12, cs + 3, 13);
	n += 25;
	ok(read_exact(buf, n, &hdr) == 0 && hdr.format == IMGHDR_JXL &&
	    hdr.width == 640 && hdr.height == 480, "JXL container, split "
	    "codestream: 640x480");
	is_int(read_exact(buf, 12 + 20 + 15 + 8, &hdr), -1, "JXL container: "
	    "second part missing");
	be32(buf + 12 + 20, 4);			/* box smaller than its head */
	is_int(read_exact(buf, n, &hdr), -1, "JXL container: box size 4");
	is_int(hdr.format, IMGHDR_JXL, "JXL: format kept on failure");

	is_int(imghdr_sniff((const unsigned char *)"\xff\x0b", 2),
	    IMGHDR_UNKNOWN, "FF 0B is not JXL");
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
	is_str(imghdr_format_name(IMGHDR_BMP), "bmp", "name of BMP");
	is_str(imghdr_format_name(IMGHDR_TIFF), "tiff", "name of TIFF");
	is_str(imghdr_format_name(IMGHDR_HEIF), "heif", "name of HEIF");
	is_str(imghdr_format_name(IMGHDR_JXL), "jxl", "name of JPEG XL");
	is_int(imghdr_format_parse("bmp"), IMGHDR_BMP, "parse bmp");
	is_int(imghdr_format_parse("TIFF"), IMGHDR_TIFF, "parse TIFF");
	is_int(imghdr_format_parse("tif"), IMGHDR_TIFF, "parse tif");
	is_int(imghdr_format_parse("heif"), IMGHDR_HEIF, "parse heif");
	is_int(imghdr_format_parse("heic"), IMGHDR_HEIF, "parse heic");
	is_int(imghdr_format_parse("AVIF"), IMGHDR_HEIF, "parse AVIF");
	is_int(imghdr_format_parse("jxl"), IMGHDR_JXL, "parse jxl");
	is_int(imghdr_format_parse("bigtiff"), IMGHDR_UNKNOWN, "parse bigtiff");
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
	test_jpeg_processes();
	test_jpeg_scans();
	test_jpegtran();
	test_png_gif_webp();
	test_bmp();
	test_tiff();
	test_heif();
	test_jxl();
	test_random();
	test_names();
	return tap_done();
}
