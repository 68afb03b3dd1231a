/* test-image.c: thumbnails of real images, and refusals of what must never
 * reach a decoder. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <magick/api.h>

#include "conf.h"
#include "image.h"
#include "imghdr.h"
#include "joberror.h"
#include "tap.h"

static struct thumbq_conf conf;

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

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Thumbnails in into a box; on success checks that the output is what it
 * says it is, by reading its header back. */
static int
thumb(const unsigned char *in, size_t len, unsigned bw, unsigned bh,
    struct image_result *res, struct job_error *err)
{
	struct image_request	req = { .width = bw, .height = bh, .quality = 85 };
	struct imghdr		hdr;
	int			rv;

	rv = image_thumbnail(in, len, &req, res, err);
	if (rv == 0) {
		if (imghdr_read(res->data, res->len, &hdr) != 0 ||
		    hdr.width != res->width || hdr.height != res->height ||
		    hdr.format != (strcmp(res->ext, "png") == 0 ?
		    IMGHDR_PNG : IMGHDR_JPEG)) {
			printf("# output header does not match the result\n");
			return -2;
		}
	} else if (res->data != NULL || err->code == NULL) {
		printf("# failure without an error code, or with data\n");
		return -2;
	}
	return rv;
}

/* One pixel of an encoded thumbnail, through GraphicsMagick. */
static int
pixel(const struct image_result *res, long x, long y, PixelPacket *px)
{
	ExceptionInfo	 ex;
	ImageInfo	*info = CloneImageInfo(NULL);
	Image		*image;
	int		 rv = -1;

	GetExceptionInfo(&ex);
	snprintf(info->filename, sizeof info->filename, "%s:",
	    strcmp(res->ext, "png") == 0 ? "PNG" : "JPEG");
	image = BlobToImage(info, res->data, res->len, &ex);
	if (image != NULL) {
		*px = AcquireOnePixel(image, x, y, &ex);
		rv = 0;
		DestroyImageList(image);
	}
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return rv;
}

struct fixture {
	const char	*name;
	unsigned	 width;		/* thumbnail in 100x100 */
	unsigned	 height;
	const char	*ext;
};

static const struct fixture fixtures[] = {
	{ "photo.jpg", 100, 67, "jpg" },	/* 300x200 */
	{ "big.jpg", 100, 75, "jpg" },		/* 1600x1200, shrink-on-load */
	{ "progressive.jpg", 100, 67, "jpg" },	/* 300x200 */
	{ "photo.png", 100, 67, "jpg" },	/* 240x160, opaque */
	{ "alpha.png", 100, 100, "png" },	/* 200x200, transparent */
	{ "anim.gif", 100, 75, "jpg" },		/* 120x90, 3 frames */
	{ "photo.webp", 100, 75, "jpg" },	/* 200x150, lossy */
	{ "alpha.webp", 100, 80, "png" },	/* 100x80, alpha: not enlarged */
	{ "lossless.webp", 64, 48, "png" },	/* 64x48, alpha: not enlarged */
};

static void
test_fixtures(void)
{
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 i, len = 0;
	int			 rv;

	for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];

		in = load(fx->name, &len);
		if (!ok(in != NULL, "%s: fixture loads", fx->name))
			continue;
		rv = thumb(in, len, 100, 100, &res, &err);
		if (!ok(rv == 0, "%s: thumbnail made", fx->name))
			printf("#   %s: %s\n", err.code ? err.code : "?",
			    err.message);
		if (rv == 0) {
			ok(res.width == fx->width && res.height == fx->height,
			    "%s: %ux%u (want %ux%u)", fx->name, res.width,
			    res.height, fx->width, fx->height);
			is_str(res.ext, fx->ext, "%s: written as %s", fx->name,
			    fx->ext);
			ok(res.len > 100 && res.len < 50000, "%s: %zu bytes",
			    fx->name, res.len);
			ok(err.code == NULL, "%s: no error code", fx->name);
			free(res.data);
		}
		free(in);
	}
}

/* Feeding a thumbnail back in: a small image keeps its size, and our own
 * output is a valid input. */
static void
test_small_and_boxes(void)
{
	struct image_result	 res, res2;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;

	if ((in = load("photo.jpg", &len)) == NULL) {
		ok(0, "photo.jpg loads");
		return;
	}
	if (ok(thumb(in, len, 60, 60, &res, &err) == 0 && res.width == 60 &&
	    res.height == 40, "300x200 in 60x60 is 60x40")) {
		ok(thumb(res.data, res.len, 100, 100, &res2, &err) == 0 &&
		    res2.width == 60 && res2.height == 40,
		    "60x40 in 100x100 stays 60x40 (never enlarged)");
		if (res2.data != NULL)
			free(res2.data);
		free(res.data);
	}
	ok(thumb(in, len, 50, 100, &res, &err) == 0 && res.width == 50 &&
	    res.height == 33, "300x200 in 50x100 is 50x33");
	free(res.data);
	ok(thumb(in, len, 300, 20, &res, &err) == 0 && res.width == 30 &&
	    res.height == 20, "300x200 in 300x20 is 30x20");
	free(res.data);
	ok(thumb(in, len, 1, 1, &res, &err) == 0 && res.width == 1 &&
	    res.height == 1, "300x200 in 1x1 is 1x1 (at least one pixel)");
	free(res.data);
	ok(thumb(in, len, 300, 200, &res, &err) == 0 && res.width == 300 &&
	    res.height == 200, "300x200 in 300x200 stays 300x200");
	free(res.data);

	is_int(thumb(in, len, 0, 100, &res, &err), -1, "a 0x100 box fails");
	is_str(err.code, "image_failed", "a 0x100 box: image_failed");
	free(in);
}

static void
test_quality(void)
{
	struct image_request	 lo = { .width = 100, .height = 100, .quality = 30 },
				 hi = { .width = 100, .height = 100, .quality = 95 };
	struct image_result	 a, b;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;

	if ((in = load("big.jpg", &len)) == NULL) {
		ok(0, "big.jpg loads");
		return;
	}
	if (ok(image_thumbnail(in, len, &lo, &a, &err) == 0 &&
	    image_thumbnail(in, len, &hi, &b, &err) == 0,
	    "quality 30 and 95 both work")) {
		ok(b.len > a.len, "quality 95 (%zu bytes) is larger than "
		    "quality 30 (%zu bytes)", b.len, a.len);
		free(a.data);
		free(b.data);
	}
	free(in);
}

/* What a browser shows: EXIF orientation applied, then the EXIF removed. */
static void
test_orientation(void)
{
	/* APP1 Exif, big-endian TIFF, one IFD entry: Orientation (0x112)
	 * SHORT 1 = 6, "rotate 90 clockwise to display". */
	static const unsigned char app1[] = {
		0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
		0x00, 0x01,
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x06, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in, *rot;
	size_t			 len = 0, i;
	int			 exif = 0;

	if ((in = load("photo.jpg", &len)) == NULL) {
		ok(0, "photo.jpg loads");
		return;
	}
	rot = malloc(len + sizeof app1);
	if (rot == NULL)
		abort();
	memcpy(rot, in, 2);
	memcpy(rot + 2, app1, sizeof app1);
	memcpy(rot + 2 + sizeof app1, in + 2, len - 2);

	if (ok(thumb(rot, len + sizeof app1, 100, 100, &res, &err) == 0,
	    "300x200 JPEG with orientation 6: thumbnail made")) {
		ok(res.width == 67 && res.height == 100, "orientation 6: "
		    "turned to 67x100 (got %ux%u)", res.width, res.height);
		for (i = 0; i + 4 <= res.len; i++)
			if (memcmp(res.data + i, "Exif", 4) == 0)
				exif = 1;
		ok(!exif, "orientation 6: no EXIF left in the thumbnail");
		free(res.data);
	}
	/* The box is for the picture as shown: 200 wide, 300 high. */
	if (ok(thumb(rot, len + sizeof app1, 100, 50, &res, &err) == 0,
	    "orientation 6 in 100x50: thumbnail made")) {
		ok(res.width == 33 && res.height == 50, "orientation 6 in "
		    "100x50: 33x50 (got %ux%u)", res.width, res.height);
		free(res.data);
	}
	free(rot);
	free(in);
}

static void
test_pixels(void)
{
	struct image_result	 res;
	struct job_error	 err;
	PixelPacket		 px;
	unsigned char		*in;
	size_t			 len = 0;

	/* anim.gif is red, then green, then blue. */
	if ((in = load("anim.gif", &len)) != NULL &&
	    thumb(in, len, 100, 100, &res, &err) == 0) {
		ok(pixel(&res, 50, 37, &px) == 0 && px.red > MaxRGB * 9 / 10 &&
		    px.green < MaxRGB / 10 && px.blue < MaxRGB / 10,
		    "anim.gif: the first (red) frame");
		free(res.data);
	} else
		ok(0, "anim.gif: thumbnail");
	free(in);

	/* alpha.png: transparent corner, opaque blue square, half-transparent
	 * red disc. */
	if ((in = load("alpha.png", &len)) != NULL &&
	    thumb(in, len, 100, 100, &res, &err) == 0) {
		ok(pixel(&res, 2, 2, &px) == 0 && px.opacity == MaxRGB,
		    "alpha.png: corner still transparent");
		ok(pixel(&res, 25, 25, &px) == 0 && px.opacity == 0 &&
		    px.blue > MaxRGB * 9 / 10, "alpha.png: blue square opaque");
		ok(pixel(&res, 75, 75, &px) == 0 &&
		    px.opacity > MaxRGB / 3 && px.opacity < MaxRGB * 2 / 3,
		    "alpha.png: red disc half transparent");
		free(res.data);
	} else
		ok(0, "alpha.png: thumbnail");
	free(in);
}

/* Re-encodes a fixture through GraphicsMagick, to make inputs that are not
 * worth a fixture file: a 16-bit PNG, a CMYK JPEG. */
static unsigned char *
reencode(const char *name, const char *coder, unsigned depth, int cmyk,
    size_t *len)
{
	ExceptionInfo	 ex;
	ImageInfo	*info = CloneImageInfo(NULL);
	Image		*image = NULL;
	unsigned char	*in, *blob = NULL, *out = NULL;
	size_t		 inlen = 0;

	GetExceptionInfo(&ex);
	if ((in = load(name, &inlen)) == NULL)
		goto out;
	image = BlobToImage(info, in, inlen, &ex);
	if (image == NULL)
		goto out;
	if (cmyk)
		TransformColorspace(image, CMYKColorspace);
	image->depth = depth;
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	snprintf(image->magick, sizeof image->magick, "%s", coder);
	blob = ImageToBlob(info, image, len, &ex);
	if (blob != NULL) {
		out = malloc(*len);
		if (out == NULL)
			abort();
		memcpy(out, blob, *len);
		MagickFree(blob);
	}
out:
	if (image != NULL)
		DestroyImageList(image);
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	free(in);
	return out;
}

/* What browsers handle best: 8-bit PNG, RGB JPEG. */
static void
test_depth_and_colourspace(void)
{
	ExceptionInfo		 ex;
	ImageInfo		*info;
	Image			*image;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;

	in = reencode("alpha.png", "PNG", 16, 0, &len);
	ok(in != NULL && len > 25 && in[24] == 16, "16-bit PNG made");
	if (in != NULL && ok(thumb(in, len, 100, 100, &res, &err) == 0,
	    "16-bit PNG: thumbnail made")) {
		is_str(res.ext, "png", "16-bit PNG: written as PNG");
		is_int(res.data[24], 8, "16-bit PNG: thumbnail is 8-bit");
		free(res.data);
	}
	free(in);

	in = reencode("photo.jpg", "JPEG", 8, 1, &len);
	ok(in != NULL, "CMYK JPEG made");
	if (in != NULL && ok(thumb(in, len, 100, 100, &res, &err) == 0,
	    "CMYK JPEG: thumbnail made")) {
		GetExceptionInfo(&ex);
		info = CloneImageInfo(NULL);
		image = BlobToImage(info, res.data, res.len, &ex);
		ok(image != NULL && image->colorspace != CMYKColorspace,
		    "CMYK JPEG: thumbnail is RGB");
		if (image != NULL)
			DestroyImageList(image);
		DestroyImageInfo(info);
		DestroyExceptionInfo(&ex);
		free(res.data);
	}
	free(in);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t	c = 0xffffffffU;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320U & -(c & 1));
	}
	return c ^ 0xffffffffU;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A valid PNG signature and IHDR for w x h, a tiny IDAT and IEND. */
static size_t
lying_png(unsigned char *buf, uint32_t w, uint32_t h)
{
	static const unsigned char sig[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	static const unsigned char idat[] = {
		/* one red pixel, when the IHDR says 1x1 */
		0, 0, 0, 12, 'I', 'D', 'A', 'T',
		0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01,
		0x01, 0x00, 0xf7, 0x03, 0x41, 0x43,
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};
	size_t	n = 0;

	memcpy(buf, sig, 8);
	n = 8;
	put32(buf + n, 13);
	memcpy(buf + n + 4, "IHDR", 4);
	put32(buf + n + 8, w);
	put32(buf + n + 12, h);
	memcpy(buf + n + 16, "\x08\x02\x00\x00\x00", 5);
	put32(buf + n + 21, crc32_png(buf + n + 4, 17));
	n += 25;
	memcpy(buf + n, idat, sizeof idat);
	return n + sizeof idat;
}

static void
test_refusals(void)
{
	static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns="
	    "\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
	    "<image href=\"file:///etc/passwd\"/></svg>\n";
	static const char ps[] = "%!PS-Adobe-3.0\n/Times findfont 12 "
	    "scalefont setfont 72 72 moveto (hello) show showpage\n";
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		 buf[128], *in;
	size_t			 len = 0, n;
	double			 t;

	n = lying_png(buf, 100000, 100000);
	t = now_ms();
	is_int(thumb(buf, n, 100, 100, &res, &err), -1,
	    "PNG claiming 100000x100000 refused");
	t = now_ms() - t;
	is_str(err.code, "image_too_large", "100000x100000: image_too_large");
	ok(strstr(err.message, "100000x100000") != NULL,
	    "100000x100000: message says the size (%s)", err.message);
	ok(t < 100, "100000x100000: refused without decoding (%.2f ms)", t);
	is_int(err.transient, 0, "100000x100000: permanent");

	n = lying_png(buf, conf.max_dimension + 1, 10);
	is_int(thumb(buf, n, 100, 100, &res, &err), -1,
	    "PNG wider than max_dimension refused");
	is_str(err.code, "image_too_large", "too wide: image_too_large");

	n = lying_png(buf, 1, 1);
	ok(thumb(buf, n, 100, 100, &res, &err) == 0 && res.width == 1 &&
	    res.height == 1, "the same PNG at 1x1 is a real image");
	free(res.data);

	is_int(thumb((const unsigned char *)svg, sizeof svg - 1, 100, 100,
	    &res, &err), -1, "SVG refused");
	is_str(err.code, "unsupported_format", "SVG: unsupported_format");
	is_int(thumb((const unsigned char *)ps, sizeof ps - 1, 100, 100,
	    &res, &err), -1, "PostScript refused");
	is_str(err.code, "unsupported_format",
	    "PostScript: unsupported_format");
	is_int(thumb(NULL, 0, 100, 100, &res, &err), -1, "nothing refused");
	is_str(err.code, "unsupported_format", "nothing: unsupported_format");

	if ((in = load("not-an-image.html", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1, "HTML refused");
		is_str(err.code, "unsupported_format",
		    "HTML: unsupported_format");
		ok(strstr(err.message, "<!DOCTYPE html") != NULL,
		    "HTML: message quotes the start (%s)", err.message);
		is_int(err.transient, 0, "HTML: permanent");
		free(in);
	} else
		ok(0, "not-an-image.html loads");
}

static void
test_corrupt(void)
{
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0, i;

	if ((in = load("photo.png", &len)) != NULL) {
		is_int(thumb(in, len / 2, 100, 100, &res, &err), -1,
		    "PNG cut in half fails");
		is_str(err.code, "image_corrupt", "PNG cut in half: "
		    "image_corrupt (%s)", err.message);
		is_int(thumb(in, 20, 100, 100, &res, &err), -1,
		    "PNG cut inside IHDR fails");
		is_str(err.code, "image_corrupt", "PNG cut inside IHDR: "
		    "image_corrupt");
		for (i = 200; i < 260; i++)
			in[i] ^= 0x5a;
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "PNG with damaged IDAT fails");
		is_str(err.code, "image_corrupt", "damaged IDAT: "
		    "image_corrupt (%s)", err.message);
		is_int(err.transient, 0, "damaged IDAT: permanent");
		free(in);
	}
	if ((in = load("photo.jpg", &len)) != NULL) {
		is_int(thumb(in, 40, 100, 100, &res, &err), -1,
		    "JPEG cut before its frame header fails");
		is_str(err.code, "image_corrupt", "JPEG cut early: "
		    "image_corrupt");
		free(in);
	}
	/* PNG bytes behind a JPEG signature are a broken JPEG, never a PNG. */
	if ((in = load("photo.png", &len)) != NULL) {
		unsigned char *fake = malloc(len + 3);

		if (fake == NULL)
			abort();
		memcpy(fake, "\xff\xd8\xff", 3);
		memcpy(fake + 3, in, len);
		is_int(thumb(fake, len + 3, 100, 100, &res, &err), -1,
		    "PNG behind a JPEG signature fails");
		is_str(err.code, "image_corrupt", "PNG behind a JPEG signature: "
		    "image_corrupt (%s)", err.message);
		free(fake);
		free(in);
	}
	if ((in = load("photo.webp", &len)) != NULL) {
		is_int(thumb(in, len / 2, 100, 100, &res, &err), -1,
		    "WebP cut in half fails");
		is_str(err.code, "image_corrupt", "WebP cut in half: "
		    "image_corrupt (%s)", err.message);
		free(in);
	}
	if ((in = load("anim.gif", &len)) != NULL) {
		is_int(thumb(in, 40, 100, 100, &res, &err), -1,
		    "GIF cut after its header fails");
		is_str(err.code, "image_corrupt", "GIF cut early: "
		    "image_corrupt (%s)", err.message);
		free(in);
	}
}

/*
 * What imghdr cannot see: a GIF whose screen is 10x10 but whose first frame
 * claims 60000x60000.  GraphicsMagick's limits from image_child_init() refuse
 * it before allocating pixels.
 */
static void
test_decoder_limits(void)
{
	static const unsigned char gif[] = {
		'G', 'I', 'F', '8', '9', 'a', 10, 0, 10, 0, 0x80, 0, 0,
		0, 0, 0, 0xff, 0xff, 0xff,		/* 2-colour table */
		0x2c, 0, 0, 0, 0, 0x60, 0xea, 0x60, 0xea, 0,	/* 60000x60000 */
		0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
	};
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;
	double			 t;

	t = now_ms();
	is_int(thumb(gif, sizeof gif, 100, 100, &res, &err), -1,
	    "GIF frame of 60000x60000 in a 10x10 screen refused");
	t = now_ms() - t;
	ok(err.code != NULL && (strcmp(err.code, "image_too_large") == 0 ||
	    strcmp(err.code, "image_corrupt") == 0),
	    "huge GIF frame: %s (%s)", err.code ? err.code : "(null)",
	    err.message);
	ok(t < 1000, "huge GIF frame: refused quickly (%.1f ms)", t);

	/* A lower max_pixels applies to the next image. */
	conf.max_pixels = 1000000;
	image_child_init(&conf);
	if ((in = load("big.jpg", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "1600x1200 refused with max_pixels = 1000000");
		is_str(err.code, "image_too_large", "max_pixels: "
		    "image_too_large");
		free(in);
	}
	conf.max_pixels = 50000000;
	image_child_init(&conf);
}

/* Defence in depth: whatever slips past the sniffing, no other decoder is
 * left to run (PostScript, SVG, MSL, delegates ...). */
static void
test_coders(void)
{
	ExceptionInfo	  ex;
	MagickInfo	**coders, **mi;
	size_t		  n = 0, other = 0;

	GetExceptionInfo(&ex);
	coders = GetMagickInfoArray(&ex);
	if (coders != NULL) {
		for (mi = coders; *mi != NULL; mi++) {
			n++;
			if (strcmp((*mi)->name, "JPEG") != 0 &&
			    strcmp((*mi)->name, "PNG") != 0 &&
			    strcmp((*mi)->name, "GIF") != 0 &&
			    strcmp((*mi)->name, "WEBP") != 0) {
				printf("# coder %s left\n", (*mi)->name);
				other++;
			}
		}
		MagickFree(coders);
	}
	ok(coders != NULL && n == 4 && other == 0, "only JPEG, PNG, GIF, WEBP "
	    "coders left (%zu coders)", n);
	DestroyExceptionInfo(&ex);
}

/* A reload may drop a format; adding one back needs a restart. */
static void
test_reload(void)
{
	struct thumbq_conf	 c = conf;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;
	char			*cause = NULL;

	c.formats = "jpeg png gif";
	is_int(image_init("test-image", &c, &cause), 0, "reload without webp");
	if ((in = load("photo.webp", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "WebP refused once not allowed");
		is_str(err.code, "unsupported_format", "WebP not allowed: "
		    "unsupported_format (%s)", err.message);
		free(in);
	}
	c.formats = "jpeg png gif webp";
	is_int(image_init("test-image", &c, &cause), -1,
	    "reload adding webp back fails");
	ok(cause != NULL && strstr(cause, "webp") != NULL,
	    "reload adding webp: says why (%s)", cause ? cause : "(null)");
	free(cause);
}

static void
test_init_errors(void)
{
	struct thumbq_conf	 c = conf;
	char			*cause = NULL;

	c.formats = "jpeg tiff";
	is_int(image_init("test-image", &c, &cause), -1, "formats with tiff "
	    "refused");
	ok(cause != NULL && strstr(cause, "tiff") != NULL,
	    "tiff: cause names it (%s)", cause ? cause : "(null)");
	free(cause);
	cause = NULL;
	c.formats = " ";
	is_int(image_init("test-image", &c, &cause), -1, "empty formats "
	    "refused");
	ok(cause != NULL, "empty formats: cause set");
	free(cause);
}

int
main(int argc, char **argv)
{
	char	*cause = NULL;

	(void)argc;
	conf.formats = "jpeg, png gif webp";
	conf.max_pixels = 50000000;
	conf.max_dimension = 20000;
	conf.jpeg_quality = 85;

	test_init_errors();
	if (!ok(image_init(argv[0], &conf, &cause) == 0, "image_init")) {
		printf("# %s\n", cause ? cause : "");
		free(cause);
		return tap_done();
	}
	image_child_init(&conf);

	test_coders();
	test_fixtures();
	test_small_and_boxes();
	test_quality();
	test_orientation();
	test_pixels();
	test_depth_and_colourspace();
	test_refusals();
	test_corrupt();
	test_decoder_limits();
	test_reload();
	image_shutdown();
	return tap_done();
}
