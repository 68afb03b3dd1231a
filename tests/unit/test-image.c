/* test-image.c: thumbnails of real images, the options of a request (mode,
 * format, quality, background), the pixels (orientation, colour, depth,
 * transparency, animation, filter quality against a reference downscale),
 * and refusals of what must never reach a decoder. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <magick/api.h>
#ifdef HAVE_AVIF
#include <libheif/heif.h>
#endif
#ifdef HAVE_JXL
#include <jxl/decode.h>
#endif

#include "conf.h"
#include "image.h"
#include "image-internal.h"
#include "imghdr.h"
#include "joberror.h"
#include "fixture.h"
#include "tap.h"

static struct thumbq_conf conf;

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The sniffed format an extension promises. */
static enum imghdr_format
ext_format(const char *ext)
{
	if (ext == NULL)
		return IMGHDR_UNKNOWN;
	if (strcmp(ext, "jpg") == 0)
		return IMGHDR_JPEG;
	if (strcmp(ext, "png") == 0)
		return IMGHDR_PNG;
	if (strcmp(ext, "webp") == 0)
		return IMGHDR_WEBP;
	if (strcmp(ext, "avif") == 0)
		return IMGHDR_HEIF;
	if (strcmp(ext, "jxl") == 0)
		return IMGHDR_JXL;
	return IMGHDR_UNKNOWN;
}

/* image_thumbnail(), and on success a check that the output is what it
 * says it is, by reading its header back (magic bytes and size). */
static int
run(const unsigned char *in, size_t len, const struct image_request *req,
    struct image_result *res, struct job_error *err)
{
	struct imghdr	hdr;
	int		rv;

	rv = image_thumbnail(in, len, req, res, err);
	if (rv == 0) {
		if (imghdr_read(res->data, res->len, &hdr) != 0 ||
		    hdr.width != res->width || hdr.height != res->height ||
		    hdr.format != ext_format(res->ext)) {
			printf("# output header does not match the result "
			    "(%s %ux%u)\n", res->ext ? res->ext : "?",
			    res->width, res->height);
			free(res->data);
			res->data = NULL;
			return -2;
		}
	} else if (res->data != NULL || err->code == NULL) {
		printf("# failure without an error code, or with data\n");
		return -2;
	}
	return rv;
}

/* The default request (what the worker sends today) for a box. */
static int
thumb(const unsigned char *in, size_t len, unsigned bw, unsigned bh,
    struct image_result *res, struct job_error *err)
{
	struct image_request	req = { .width = bw, .height = bh,
	    .quality = 85 };

	return run(in, len, &req, res, err);
}

/* Decodes bytes through GraphicsMagick with the coder of their magic. */
static Image *
decode_bytes(const unsigned char *data, size_t len)
{
	static const char *const coders[] = {
		[IMGHDR_JPEG] = "JPEG", [IMGHDR_PNG] = "PNG",
		[IMGHDR_GIF] = "GIF", [IMGHDR_WEBP] = "WEBP",
	};
	ExceptionInfo	 ex;
	ImageInfo	*info;
	Image		*image;
	enum imghdr_format f = imghdr_sniff(data, len);

	if (f == IMGHDR_UNKNOWN)
		return NULL;
	GetExceptionInfo(&ex);
	info = CloneImageInfo(NULL);
	snprintf(info->filename, sizeof info->filename, "%s:", coders[f]);
	image = BlobToImage(info, data, len, &ex);
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return image;
}

static Image *
decode(const struct image_result *res)
{
	return decode_bytes(res->data, res->len);
}

/* One pixel as 8-bit RGBA (alpha 255 = opaque). */
struct rgba {
	int	r, g, b, a;
};

static struct rgba
px_at(Image *image, long x, long y)
{
	ExceptionInfo	ex;
	PixelPacket	p;
	struct rgba	c;

	GetExceptionInfo(&ex);
	p = AcquireOnePixel(image, x, y, &ex);
	DestroyExceptionInfo(&ex);
	c.r = ScaleQuantumToChar(p.red);
	c.g = ScaleQuantumToChar(p.green);
	c.b = ScaleQuantumToChar(p.blue);
	c.a = image->matte ? 255 - ScaleQuantumToChar(p.opacity) : 255;
	return c;
}

/* One pixel of an encoded thumbnail. */
static struct rgba
pixel_of(const struct image_result *res, long x, long y)
{
	struct rgba	 c = { -1, -1, -1, -1 };
	Image		*image = decode(res);

	if (image != NULL) {
		c = px_at(image, x, y);
		DestroyImageList(image);
	}
	return c;
}

static int
near(struct rgba c, int r, int g, int b, int a, int tol)
{
	return abs(c.r - r) <= tol && abs(c.g - g) <= tol &&
	    abs(c.b - b) <= tol && abs(c.a - a) <= tol;
}

#define RGBA_FMT	"(%d,%d,%d,%d)"
#define RGBA_ARGS(c)	(c).r, (c).g, (c).b, (c).a

/*
 * log10 without libm, which the tests do not link: the binary exponent by
 * halving or doubling, then the fraction one bit at a time by squaring.
 * Good to 1e-9, far more than a PSNR figure needs.
 */
static double
log10_(double x)
{
	double	l2 = 0, bit = 1;
	int	i;

	if (x <= 0)
		return -1e9;
	while (x >= 2) {
		x /= 2;
		l2++;
	}
	while (x < 1) {
		x *= 2;
		l2--;
	}
	for (i = 0; i < 40; i++) {
		x *= x;
		bit /= 2;
		if (x >= 2) {
			x /= 2;
			l2 += bit;
		}
	}
	return l2 * 0.30102999566398119521;
}

/*
 * PSNR over R, G and B at 8 bits, from decoded pixels of two images of the
 * same size: 10 log10(255^2 / MSE).  99 for identical images, -1 if they
 * cannot be compared.
 */
static double
psnr(Image *a, Image *b)
{
	ExceptionInfo		 ex;
	const PixelPacket	*pa, *pb;
	PixelPacket		*row;
	double			 se = 0, d;
	unsigned long		 x, y;

	if (a->columns != b->columns || a->rows != b->rows)
		return -1;
	if ((row = malloc(a->columns * sizeof *row)) == NULL)
		abort();
	GetExceptionInfo(&ex);
	for (y = 0; y < a->rows; y++) {
		/* The pixels of one view: copy before the second call. */
		pa = AcquireImagePixels(a, 0, (long)y, a->columns, 1, &ex);
		if (pa == NULL)
			break;
		memcpy(row, pa, a->columns * sizeof *row);
		pb = AcquireImagePixels(b, 0, (long)y, b->columns, 1, &ex);
		if (pb == NULL)
			break;
		for (x = 0; x < a->columns; x++) {
			d = (double)ScaleQuantumToChar(row[x].red) -
			    ScaleQuantumToChar(pb[x].red);
			se += d * d;
			d = (double)ScaleQuantumToChar(row[x].green) -
			    ScaleQuantumToChar(pb[x].green);
			se += d * d;
			d = (double)ScaleQuantumToChar(row[x].blue) -
			    ScaleQuantumToChar(pb[x].blue);
			se += d * d;
		}
	}
	DestroyExceptionInfo(&ex);
	free(row);
	if (y != a->rows)
		return -1;
	se /= 3.0 * a->columns * a->rows;
	return se == 0 ? 99.0 : 10 * log10_(255.0 * 255.0 / se);
}

/* Copies a GraphicsMagick blob into malloc()ed memory. */
static unsigned char *
encode(Image *image, const char *coder, unsigned quality, size_t *len)
{
	ExceptionInfo	 ex;
	ImageInfo	*info = CloneImageInfo(NULL);
	unsigned char	*blob, *out = NULL;

	GetExceptionInfo(&ex);
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	snprintf(image->magick, sizeof image->magick, "%s", coder);
	if (quality != 0)
		info->quality = quality;
	blob = ImageToBlob(info, image, len, &ex);
	if (blob != NULL) {
		if ((out = malloc(*len)) == NULL)
			abort();
		memcpy(out, blob, *len);
		MagickFree(blob);
	}
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return out;
}

/* A WebP of image, lossy at quality or lossless, in malloc()ed memory. */
static unsigned char *
encode_webp(Image *image, unsigned quality, int lossless, size_t *len)
{
	ExceptionInfo	 ex;
	ImageInfo	*info = CloneImageInfo(NULL);
	unsigned char	*blob, *out = NULL;

	GetExceptionInfo(&ex);
	snprintf(info->magick, sizeof info->magick, "WEBP");
	snprintf(image->magick, sizeof image->magick, "WEBP");
	info->quality = quality;
	if (lossless)
		(void)AddDefinitions(info, "webp:lossless=true", &ex);
	blob = ImageToBlob(info, image, len, &ex);
	if (blob != NULL) {
		if ((out = malloc(*len)) == NULL)
			abort();
		memcpy(out, blob, *len);
		MagickFree(blob);
	}
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return out;
}

/* Does the needle occur in the bytes? */
static int
contains(const unsigned char *p, size_t n, const char *needle)
{
	size_t	i, k = strlen(needle);

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return 1;
	return 0;
}

/* The number of components in a JPEG's frame header: 1 gray, 3, 4 CMYK. */
static int
jpeg_components(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 2; i + 9 < n; i++)
		if (p[i] == 0xff && (p[i + 1] == 0xc0 || p[i + 1] == 0xc1 ||
		    p[i + 1] == 0xc2))
			return p[i + 9];
	return -1;
}

/* A JPEG without its APP2 segments (where an ICC profile lives): the same
 * compressed pixels, untagged. */
static unsigned char *
without_app2(const unsigned char *in, size_t len, size_t *outlen)
{
	unsigned char	*out;
	size_t		 i = 2, o = 2, seg;

	if ((out = malloc(len)) == NULL)
		abort();
	memcpy(out, in, 2);
	while (i + 4 <= len && in[i] == 0xff && in[i + 1] != 0xda) {
		seg = 2 + ((size_t)in[i + 2] << 8 | in[i + 3]);
		if (seg > len - i)
			break;
		if (in[i + 1] != 0xe2) {
			memcpy(out + o, in + i, seg);
			o += seg;
		}
		i += seg;
	}
	memcpy(out + o, in + i, len - i);
	*outlen = o + len - i;
	return out;
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
	{ "portrait.jpg", 67, 100, "jpg" },	/* 200x300 */
	{ "quadrants.jpg", 100, 63, "jpg" },	/* 160x100 */
	{ "exif-6.jpg", 63, 100, "jpg" },	/* 160x100 stored, turned */
	{ "cmyk.jpg", 100, 63, "jpg" },		/* 160x100 CMYK */
	{ "icc-swapped.jpg", 100, 63, "jpg" },	/* 160x100, ICC profile */
	{ "icc-adobergb.jpg", 100, 63, "jpg" },	/* 160x100, ICC profile */
	{ "icc-rec709.jpg", 100, 63, "jpg" },	/* 160x100, ICC profile */
	{ "icc-srgb.jpg", 100, 63, "jpg" },	/* 160x100, sRGB profile */
	{ "gray.jpg", 100, 50, "jpg" },		/* 120x60 gray */
	{ "gray-linear.jpg", 100, 60, "jpg" },	/* 100x60 gray, ICC */
	{ "deep.png", 96, 64, "jpg" },		/* 96x64, 16 bits a sample */
	{ "anim.webp", 100, 75, "jpg" },	/* 120x90, 3 frames */
	{ "anim-offset.webp", 100, 75, "png" },	/* 120x90, frame 1 60x40 */
	{ "offset.gif", 100, 75, "png" },	/* 120x90, frame 1 60x40 */
	/* Allowed by the formats key only (all are, in main()). */
	{ "photo.bmp", 100, 67, "jpg" },	/* 120x80, 24-bit */
	{ "photo.tiff", 100, 67, "jpg" },	/* 120x80, LZW */
	{ "pages.tiff", 64, 48, "jpg" },	/* 64x48, 2 pages */
	{ "photo.heic", 100, 67, "jpg" },	/* 240x160, HEVC */
	{ "photo.avif", 100, 67, "jpg" },	/* 240x160, AV1 */
	{ "photo.jxl", 100, 67, "jpg" },	/* 240x160, codestream */
	{ "box.jxl", 100, 67, "jpg" },		/* 240x160, container */
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
		ok(len < 50000, "%s: fixture is small (%zu bytes)", fx->name,
		    len);
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

/* A request for a box, with everything else at its default. */
static struct image_request
rq(unsigned w, unsigned h)
{
	struct image_request	req;

	memset(&req, 0, sizeof req);
	req.width = w;
	req.height = h;
	return req;
}

static const char *const mode_names[] = { "fit", "fill", "pad" };

/*
 * Each mode, on a landscape and a portrait source, a big JPEG decoded
 * scaled and a small WebP that fit never enlarges, in a square, a wide and
 * a tall box.  fill and pad are exactly the box; fit is inside it with the
 * aspect kept (the sizes are worked out by hand).
 */
static void
test_modes(void)
{
	static const struct {
		const char	*name;
		unsigned	 bw, bh;
		unsigned	 fw, fh;	/* fit */
	} cases[] = {
		{ "photo.jpg", 100, 100, 100, 67 },	/* 300x200 */
		{ "photo.jpg", 120, 50, 75, 50 },
		{ "photo.jpg", 50, 120, 50, 33 },
		{ "portrait.jpg", 100, 100, 67, 100 },	/* 200x300 */
		{ "portrait.jpg", 120, 50, 33, 50 },
		{ "portrait.jpg", 50, 120, 50, 75 },
		{ "big.jpg", 100, 100, 100, 75 },	/* 1600x1200 */
		{ "big.jpg", 120, 50, 67, 50 },
		{ "big.jpg", 50, 120, 50, 38 },
		{ "lossless.webp", 100, 100, 64, 48 },	/* 64x48 */
		{ "lossless.webp", 120, 50, 64, 48 },
		{ "lossless.webp", 50, 120, 50, 38 },
	};
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 i, len = 0;
	unsigned		 m, ww, wh;
	int			 rv;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if ((in = load(cases[i].name, &len)) == NULL) {
			ok(0, "%s loads", cases[i].name);
			continue;
		}
		for (m = IMAGE_FIT; m <= IMAGE_PAD; m++) {
			req = rq(cases[i].bw, cases[i].bh);
			req.mode = (enum image_mode)m;
			ww = m == IMAGE_FIT ? cases[i].fw : cases[i].bw;
			wh = m == IMAGE_FIT ? cases[i].fh : cases[i].bh;
			rv = run(in, len, &req, &res, &err);
			if (!ok(rv == 0 && res.width == ww && res.height == wh,
			    "%s %s %ux%u: %ux%u (want %ux%u)", cases[i].name,
			    mode_names[m], cases[i].bw, cases[i].bh,
			    res.width, res.height, ww, wh) && err.code)
				printf("#   %s: %s\n", err.code, err.message);
			free(res.data);
		}
		free(in);
	}
}

/*
 * What pad puts around the picture, and what fill keeps: white padding for
 * an opaque source, the picture centred; a 60x40 thumbnail of a small image
 * is padded, not enlarged; fill enlarges a small image to the box.
 */
static void
test_pad_and_fill_pixels(void)
{
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	struct rgba		 c;
	unsigned char		*in;
	size_t			 len = 0;

	if ((in = load("quadrants.jpg", &len)) == NULL) {
		ok(0, "quadrants.jpg loads");
		return;
	}
	/* 160x100 in 100x100: 100x63 at y = 18, white above and below. */
	req = rq(100, 100);
	req.mode = IMAGE_PAD;
	if (ok(run(in, len, &req, &res, &err) == 0, "pad: thumbnail made")) {
		is_str(res.ext, "jpg", "pad, opaque source: JPEG");
		c = pixel_of(&res, 50, 3);
		ok(near(c, 255, 255, 255, 255, 3), "pad: white above "
		    RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 50, 97);
		ok(near(c, 255, 255, 255, 255, 3), "pad: white below "
		    RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 10, 24);
		ok(near(c, 255, 0, 0, 255, 40), "pad: red quadrant at the "
		    "top left of the picture " RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 90, 76);
		ok(near(c, 0, 0, 0, 255, 40), "pad: black quadrant at the "
		    "bottom right " RGBA_FMT, RGBA_ARGS(c));
		free(res.data);
	}
	/* An explicit background, and the picture is not enlarged. */
	req = rq(300, 200);
	req.mode = IMAGE_PAD;
	req.has_background = 1;
	memcpy(req.background, "\x10\x20\xc0\xff", 4);
	if (ok(run(in, len, &req, &res, &err) == 0 && res.width == 300 &&
	    res.height == 200, "pad 160x100 in 300x200: 300x200")) {
		c = pixel_of(&res, 20, 20);
		ok(near(c, 0x10, 0x20, 0xc0, 255, 6), "pad: the background "
		    "colour " RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 70 + 5, 50 + 5);
		ok(near(c, 255, 0, 0, 255, 40), "pad: the picture unscaled "
		    "at 70,50 " RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 70 - 3, 50 + 5);
		ok(near(c, 0x10, 0x20, 0xc0, 255, 10), "pad: background just "
		    "left of it " RGBA_FMT, RGBA_ARGS(c));
		free(res.data);
	}
	/* fill crops the sides of a landscape in a square: the left edge is
	 * red and green is on the right, no padding anywhere. */
	req = rq(50, 50);
	req.mode = IMAGE_FILL;
	if (ok(run(in, len, &req, &res, &err) == 0 && res.width == 50 &&
	    res.height == 50, "fill 160x100 in 50x50: 50x50")) {
		c = pixel_of(&res, 1, 1);
		ok(near(c, 255, 0, 0, 255, 40), "fill: red at the top left "
		    RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 48, 1);
		ok(near(c, 0, 255, 0, 255, 40), "fill: green at the top right "
		    RGBA_FMT, RGBA_ARGS(c));
		c = pixel_of(&res, 1, 48);
		ok(near(c, 0, 0, 255, 255, 40), "fill: blue at the bottom left "
		    RGBA_FMT, RGBA_ARGS(c));
		free(res.data);
	}
	/* fill enlarges: 160x100 to 400x400 is 100x100 from the middle,
	 * four times. */
	req = rq(400, 400);
	req.mode = IMAGE_FILL;
	if (ok(run(in, len, &req, &res, &err) == 0 && res.width == 400 &&
	    res.height == 400, "fill 160x100 in 400x400: enlarged to "
	    "400x400")) {
		c = pixel_of(&res, 100, 100);
		ok(near(c, 255, 0, 0, 255, 40), "fill enlarged: red quadrant "
		    RGBA_FMT, RGBA_ARGS(c));
		free(res.data);
	}
	/* Extreme aspects: a 1-pixel line and a full box from a strip. */
	req = rq(1000, 1);
	req.mode = IMAGE_FILL;
	ok(run(in, len, &req, &res, &err) == 0 && res.width == 1000 &&
	    res.height == 1, "fill in 1000x1: 1000x1");
	free(res.data);
	req = rq(1, 1000);
	req.mode = IMAGE_PAD;
	ok(run(in, len, &req, &res, &err) == 0 && res.width == 1 &&
	    res.height == 1000, "pad in 1x1000: 1x1000");
	free(res.data);
	free(in);
}

/* Each format's magic bytes, and auto. */
static void
test_formats(void)
{
	static const struct {
		const char		*src;
		enum image_format	 format;
		const char		*ext;
		const char		*magic;
		size_t			 magic_len;
	} cases[] = {
		{ "photo.jpg", IMAGE_AUTO, "jpg", "\xff\xd8\xff", 3 },
		{ "photo.jpg", IMAGE_JPEG, "jpg", "\xff\xd8\xff", 3 },
		{ "photo.jpg", IMAGE_PNG, "png", "\x89PNG\r\n\x1a\n", 8 },
		{ "photo.jpg", IMAGE_WEBP, "webp", "RIFF", 4 },
		{ "alpha.png", IMAGE_AUTO, "png", "\x89PNG\r\n\x1a\n", 8 },
		{ "alpha.png", IMAGE_JPEG, "jpg", "\xff\xd8\xff", 3 },
		{ "alpha.png", IMAGE_WEBP, "webp", "RIFF", 4 },
		{ "photo.webp", IMAGE_AUTO, "jpg", "\xff\xd8\xff", 3 },
		{ "photo.webp", IMAGE_WEBP, "webp", "RIFF", 4 },
		{ "anim.gif", IMAGE_PNG, "png", "\x89PNG\r\n\x1a\n", 8 },
#ifdef HAVE_AVIF
		{ "photo.jpg", IMAGE_AVIF, "avif", "\0\0\0", 3 },
		{ "alpha.png", IMAGE_AVIF, "avif", "\0\0\0", 3 },
#endif
#ifdef HAVE_JXL
		{ "photo.jpg", IMAGE_JXL, "jxl", "\xff\x0a", 2 },
		{ "alpha.png", IMAGE_JXL, "jxl", "\xff\x0a", 2 },
#endif
	};
	static const char *const names[] = { "auto", "jpeg", "png", "webp",
	    "avif", "jxl" };
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 i, len = 0;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if ((in = load(cases[i].src, &len)) == NULL) {
			ok(0, "%s loads", cases[i].src);
			continue;
		}
		req = rq(100, 100);
		req.format = cases[i].format;
		if (ok(run(in, len, &req, &res, &err) == 0, "%s as %s: made",
		    cases[i].src, names[cases[i].format])) {
			is_str(res.ext, cases[i].ext, "%s as %s: .%s",
			    cases[i].src, names[cases[i].format], cases[i].ext);
			ok(res.len > 12 && memcmp(res.data, cases[i].magic,
			    cases[i].magic_len) == 0 && (cases[i].format !=
			    IMAGE_WEBP || memcmp(res.data + 8, "WEBP", 4) == 0) &&
			    (cases[i].format != IMAGE_AVIF ||
			    memcmp(res.data + 4, "ftypavif", 8) == 0),
			    "%s as %s: magic bytes", cases[i].src,
			    names[cases[i].format]);
			free(res.data);
		}
		free(in);
	}
}

#ifdef HAVE_AVIF
/* An AVIF decoded by libheif, as GraphicsMagick pixels (RGBA when it has
 * alpha); NULL if libheif refuses it. */
static Image *
decode_avif(const unsigned char *data, size_t len)
{
	struct heif_context	*ctx = heif_context_alloc();
	struct heif_image_handle *hd = NULL;
	struct heif_image	*img = NULL;
	ExceptionInfo		 ex;
	Image			*image = NULL;
	const uint8_t		*plane;
	unsigned char		*px = NULL;
	size_t			 row;
	int			 alpha, stride, w, h, y;

	GetExceptionInfo(&ex);
	if (heif_context_read_from_memory_without_copy(ctx, data, len,
	    NULL).code != heif_error_Ok ||
	    heif_context_get_primary_image_handle(ctx, &hd).code !=
	    heif_error_Ok)
		goto out;
	alpha = heif_image_handle_has_alpha_channel(hd);
	if (heif_decode_image(hd, &img, heif_colorspace_RGB, alpha ?
	    heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
	    NULL).code != heif_error_Ok)
		goto out;
	plane = heif_image_get_plane_readonly(img, heif_channel_interleaved,
	    &stride);
	w = heif_image_get_width(img, heif_channel_interleaved);
	h = heif_image_get_height(img, heif_channel_interleaved);
	row = (size_t)w * (alpha ? 4 : 3);
	if (plane == NULL || w <= 0 || h <= 0 || (size_t)stride < row)
		goto out;
	/* libheif pads its rows; ConstituteImage wants them packed. */
	if ((px = malloc(row * h)) == NULL)
		abort();
	for (y = 0; y < h; y++)
		memcpy(px + row * y, plane + (size_t)stride * y, row);
	image = ConstituteImage(w, h, alpha ? "RGBA" : "RGB", CharPixel, px,
	    &ex);
out:
	free(px);
	if (img != NULL)
		heif_image_release(img);
	if (hd != NULL)
		heif_image_handle_release(hd);
	heif_context_free(ctx);
	DestroyExceptionInfo(&ex);
	return image;
}
#endif

#ifdef HAVE_JXL
/* A JPEG XL decoded by libjxl, as GraphicsMagick pixels (RGBA when it has
 * alpha); NULL if libjxl refuses it. */
static Image *
decode_jxl(const unsigned char *data, size_t len)
{
	JxlDecoder	*d = JxlDecoderCreate(NULL);
	JxlBasicInfo	 info;
	JxlPixelFormat	 pf = { 3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0 };
	JxlDecoderStatus st;
	ExceptionInfo	 ex;
	Image		*image = NULL;
	unsigned char	*px = NULL;
	size_t		 size = 0;
	int		 have_info = 0, done = 0;

	GetExceptionInfo(&ex);
	if (JxlDecoderSubscribeEvents(d, JXL_DEC_BASIC_INFO |
	    JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS ||
	    JxlDecoderSetInput(d, data, len) != JXL_DEC_SUCCESS)
		goto out;
	JxlDecoderCloseInput(d);
	while (!done) {
		st = JxlDecoderProcessInput(d);
		if (st == JXL_DEC_BASIC_INFO) {
			if (JxlDecoderGetBasicInfo(d, &info) != JXL_DEC_SUCCESS)
				goto out;
			have_info = 1;
			pf.num_channels = info.alpha_bits ? 4 : 3;
		} else if (st == JXL_DEC_NEED_IMAGE_OUT_BUFFER && have_info) {
			size = (size_t)info.xsize * info.ysize *
			    pf.num_channels;
			if ((px = malloc(size)) == NULL)
				abort();
			if (JxlDecoderSetImageOutBuffer(d, &pf, px, size) !=
			    JXL_DEC_SUCCESS)
				goto out;
		} else if (st == JXL_DEC_FULL_IMAGE || st == JXL_DEC_SUCCESS)
			done = 1;
		else
			goto out;
	}
	if (px != NULL)
		image = ConstituteImage(info.xsize, info.ysize,
		    pf.num_channels == 4 ? "RGBA" : "RGB", CharPixel, px, &ex);
out:
	free(px);
	JxlDecoderDestroy(d);
	DestroyExceptionInfo(&ex);
	return image;
}
#endif

/* PSNR of what shows: RGB premultiplied by alpha, so that the colour of a
 * transparent pixel, which no viewer shows, does not count. */
static double
psnr_shown(Image *a, Image *b)
{
	struct rgba	pa, pb;
	double		se = 0, d;
	long		x, y;
	int		i;

	if (a->columns != b->columns || a->rows != b->rows)
		return -1;
	for (y = 0; y < (long)a->rows; y++)
		for (x = 0; x < (long)a->columns; x++) {
			pa = px_at(a, x, y);
			pb = px_at(b, x, y);
			for (i = 0; i < 3; i++) {
				d = ((i == 0 ? pa.r : i == 1 ? pa.g : pa.b) *
				    pa.a - (i == 0 ? pb.r : i == 1 ? pb.g :
				    pb.b) * pb.a) / 255.0;
				se += d * d;
			}
		}
	se /= 3.0 * a->columns * a->rows;
	return se == 0 ? 99.0 : 10 * log10_(255.0 * 255.0 / se);
}

/* The mean difference of the alpha channels of two images of one size, in
 * 8-bit steps; -1 if they differ in size. */
static double
alpha_diff(Image *a, Image *b)
{
	double	sum = 0;
	long	x, y;

	if (a->columns != b->columns || a->rows != b->rows)
		return -1;
	for (y = 0; y < (long)a->rows; y++)
		for (x = 0; x < (long)a->columns; x++)
			sum += abs(px_at(a, x, y).a - px_at(b, x, y).a);
	return sum / ((double)a->columns * a->rows);
}

/*
 * AVIF and JPEG XL through their own libraries: each output decodes back,
 * with the library that reads it (not ours), at the size the result says,
 * with pixels close to the lossless PNG of the same request (so no channel
 * is swapped and nothing is shifted), and with the PNG's transparency.
 */
static void
test_modern_formats(void)
{
	static const struct {
		enum image_format	 format;
		const char		*name;
		Image			*(*decoder)(const unsigned char *,
				    size_t);
	} fmts[] = {
#ifdef HAVE_AVIF
		{ IMAGE_AVIF, "avif", decode_avif },
#endif
#ifdef HAVE_JXL
		{ IMAGE_JXL, "jxl", decode_jxl },
#endif
		{ IMAGE_AUTO, NULL, NULL },
	};
	static const char *const srcs[] = { "photo.jpg", "alpha.png",
	    "portrait.jpg" };
	struct image_request	 req;
	struct image_result	 res, ref;
	struct job_error	 err;
	unsigned char		*in;
	Image			*got, *want;
	size_t			 i, j, len = 0;
	double			 p, ad;

	/* A build without the library: the job fails, saying why. */
	for (i = 0; i < 2; i++) {
		const char *n = i == 0 ? "avif" : "jxl";
		int built = 0;

		for (j = 0; fmts[j].name != NULL; j++)
			built |= strcmp(fmts[j].name, n) == 0;
		if (built || (in = load("photo.jpg", &len)) == NULL)
			continue;
		req = rq(100, 100);
		req.format = i == 0 ? IMAGE_AVIF : IMAGE_JXL;
		is_int(run(in, len, &req, &res, &err), -1, "%s without its "
		    "library: refused", n);
		is_str(err.code, "format_unavailable", "%s without its "
		    "library: format_unavailable (%s)", n, err.message);
		free(in);
	}
	for (j = 0; j < sizeof srcs / sizeof srcs[0]; j++) {
		if ((in = load(srcs[j], &len)) == NULL) {
			ok(0, "%s loads", srcs[j]);
			continue;
		}
		req = rq(120, 90);
		req.format = IMAGE_PNG;
		if (!ok(run(in, len, &req, &ref, &err) == 0, "%s as png "
		    "(reference)", srcs[j])) {
			free(in);
			continue;
		}
		want = decode(&ref);
		for (i = 0; fmts[i].name != NULL; i++) {
			req.format = fmts[i].format;
			req.quality = 90;
			if (!ok(run(in, len, &req, &res, &err) == 0, "%s as %s: "
			    "made (%s)", srcs[j], fmts[i].name,
			    err.code ? err.message : "ok"))
				continue;
			got = fmts[i].decoder(res.data, res.len);
			ok(got != NULL && got->columns == res.width &&
			    got->rows == res.height && res.width == ref.width &&
			    res.height == ref.height, "%s as %s: decodes back "
			    "at %ux%u", srcs[j], fmts[i].name, ref.width,
			    ref.height);
			p = got != NULL && want != NULL ? psnr_shown(got,
			    want) : -1;
			ok(p > 30, "%s as %s: %.1f dB PSNR against the png",
			    srcs[j], fmts[i].name, p);
			ad = got != NULL && want != NULL ? (got->matte ==
			    want->matte ? alpha_diff(got, want) : 999) : -1;
			ok(ad >= 0 && ad < 2, "%s as %s: alpha %s as in the "
			    "png (mean difference %.2f)", srcs[j],
			    fmts[i].name, want != NULL && want->matte ?
			    "kept" : "absent", ad);
			if (got != NULL)
				DestroyImageList(got);
			free(res.data);
		}
		if (want != NULL)
			DestroyImageList(want);
		free(ref.data);
		free(in);
	}
}

/* image_quality_map: through its points, linear between them, rounded,
 * never going down, 0..100 onto 0..100. */
static void
test_quality_map(void)
{
	static const unsigned char pts[][2] = {
		{ 0, 0 }, { 60, 49 }, { 85, 68 }, { 90, 87 }, { 100, 100 },
	};
	size_t n = sizeof pts / sizeof pts[0];
	unsigned q, prev = 0, bad = 0;

	is_int(image_quality_map(0, pts, n), 0, "quality map: 0 is 0");
	is_int(image_quality_map(85, pts, n), 68, "quality map: a point");
	is_int(image_quality_map(30, pts, n), 25, "quality map: 30 is half "
	    "of 49, rounded");
	is_int(image_quality_map(87, pts, n), 76, "quality map: 87 is 68 + "
	    "2/5 of 19, rounded");
	is_int(image_quality_map(100, pts, n), 100, "quality map: 100 is "
	    "100");
	for (q = 0; q <= 100; q++) {
		if (image_quality_map(q, pts, n) < prev ||
		    image_quality_map(q, pts, n) > 100)
			bad++;
		prev = image_quality_map(q, pts, n);
	}
	is_int(bad, 0, "quality map: never going down, within 0..100");
}

/* Quality for the lossy formats: lower is smaller; 0 is 85; PNG has none. */
static void
test_quality(void)
{
	static const enum image_format lossy[] = { IMAGE_JPEG, IMAGE_WEBP,
#ifdef HAVE_AVIF
		IMAGE_AVIF,
#endif
#ifdef HAVE_JXL
		IMAGE_JXL,
#endif
	};
	static const char *const names[] = { "auto", "jpeg", "png", "webp",
	    "avif", "jxl" };
	struct image_request	 req;
	struct image_result	 lo, hi, def, q85;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 i, len = 0;

	if ((in = load("big.jpg", &len)) == NULL) {
		ok(0, "big.jpg loads");
		return;
	}
	for (i = 0; i < sizeof lossy / sizeof lossy[0]; i++) {
		const char *n = names[lossy[i]];

		req = rq(200, 200);
		req.format = lossy[i];
		req.quality = 30;
		if (!ok(run(in, len, &req, &lo, &err) == 0, "%s quality 30",
		    n))
			continue;
		req.quality = 95;
		if (ok(run(in, len, &req, &hi, &err) == 0, "%s quality 95",
		    n)) {
			ok(hi.len > lo.len, "%s: quality 95 (%zu bytes) is "
			    "larger than quality 30 (%zu bytes)", n, hi.len,
			    lo.len);
			free(hi.data);
		}
		req.quality = 0;
		if (ok(run(in, len, &req, &def, &err) == 0, "%s quality 0 "
		    "(default)", n)) {
			req.quality = 85;
			if (ok(run(in, len, &req, &q85, &err) == 0,
			    "%s quality 85", n)) {
				ok(def.len == q85.len && memcmp(def.data,
				    q85.data, def.len) == 0, "%s: quality 0 "
				    "is quality 85 (%zu, %zu bytes)", n,
				    def.len, q85.len);
				free(q85.data);
			}
			free(def.data);
		}
		req.quality = 1;
		ok(run(in, len, &req, &hi, &err) == 0, "%s quality 1 works", n);
		free(hi.data);
		req.quality = 100;
		ok(run(in, len, &req, &hi, &err) == 0, "%s quality 100 works",
		    n);
		free(hi.data);
		free(lo.data);
	}
	req = rq(200, 200);
	req.format = IMAGE_PNG;
	req.quality = 10;
	if (run(in, len, &req, &lo, &err) == 0) {
		req.quality = 100;
		if (run(in, len, &req, &hi, &err) == 0) {
			ok(lo.len == hi.len, "png: quality is ignored (%zu, "
			    "%zu bytes)", lo.len, hi.len);
			free(hi.data);
		} else
			ok(0, "png quality 100");
		free(lo.data);
	} else
		ok(0, "png quality 10");
	free(in);
}

/* Values the API would refuse with a 422 are refused here too. */
static void
test_invalid_requests(void)
{
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;

	if ((in = load("photo.jpg", &len)) == NULL) {
		ok(0, "photo.jpg loads");
		return;
	}
	req = rq(100, 100);
	req.mode = (enum image_mode)3;
	is_int(run(in, len, &req, &res, &err), -1, "mode 3 refused");
	ok(err.code != NULL && strcmp(err.code, "image_failed") == 0 &&
	    strstr(err.message, "mode") != NULL && !err.transient,
	    "mode 3: image_failed, permanent, names the field (%s)",
	    err.message);
	req = rq(100, 100);
	req.mode = (enum image_mode)-1;
	is_int(run(in, len, &req, &res, &err), -1, "mode -1 refused");
	req = rq(100, 100);
	req.format = (enum image_format)(IMAGE_NEGOTIATE + 1);
	is_int(run(in, len, &req, &res, &err), -1, "format 7 refused");
	ok(err.code != NULL && strstr(err.message, "format") != NULL,
	    "format 7: names the field (%s)", err.message);
	/* The API resolves negotiate before a job is stored: a record that
	 * still says it was not written by thumbq's API. */
	req.format = IMAGE_NEGOTIATE;
	is_int(run(in, len, &req, &res, &err), -1, "format negotiate "
	    "refused by the image side");
	ok(err.code != NULL && strstr(err.message, "format") != NULL,
	    "format negotiate: names the field (%s)", err.message);
	req = rq(100, 100);
	req.quality = 101;
	is_int(run(in, len, &req, &res, &err), -1, "quality 101 refused");
	ok(err.code != NULL && strstr(err.message, "quality") != NULL,
	    "quality 101: names the field (%s)", err.message);
	req = rq(0, 100);
	req.mode = IMAGE_PAD;
	is_int(run(in, len, &req, &res, &err), -1, "pad in 0x100 refused");
	req = rq(conf.max_dimension + 1, 10);
	req.mode = IMAGE_PAD;
	is_int(run(in, len, &req, &res, &err), -1, "a box wider than "
	    "max_dimension refused");
	ok(err.code != NULL && strcmp(err.code, "image_failed") == 0 &&
	    strstr(err.message, "box") != NULL, "too wide a box: says so "
	    "(%s)", err.message);
	req = rq(10000, 10000);
	req.mode = IMAGE_FILL;
	is_int(run(in, len, &req, &res, &err), -1, "a box of more than "
	    "max_pixels refused");
	/* Background without has_background is not used. */
	req = rq(100, 100);
	req.mode = IMAGE_PAD;
	memcpy(req.background, "\x00\x00\x00\xff", 4);
	if (ok(run(in, len, &req, &res, &err) == 0, "background without "
	    "has_background: made")) {
		struct rgba c = pixel_of(&res, 50, 2);

		ok(near(c, 255, 255, 255, 255, 3), "background without "
		    "has_background: white padding " RGBA_FMT, RGBA_ARGS(c));
		free(res.data);
	}
	free(in);
}

/*
 * Where a pixel shown at (x, y) of a w x h display sits in the stored
 * image for each EXIF orientation (TIFF 6.0: 1 = the 0th row is the top and
 * the 0th column the left, ... 6 = the 0th row is the right side, the 0th
 * column the top, i.e. turn 90 degrees clockwise to show).
 */
static void
stored_xy(int o, long x, long y, long w, long h, long *sx, long *sy)
{
	switch (o) {
	case 2: *sx = w - 1 - x; *sy = y; break;
	case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;
	case 4: *sx = x; *sy = h - 1 - y; break;
	case 5: *sx = y; *sy = x; break;			/* transpose */
	case 6: *sx = y; *sy = w - 1 - x; break;
	case 7: *sx = h - 1 - y; *sy = w - 1 - x; break;	/* transverse */
	case 8: *sx = h - 1 - y; *sy = x; break;
	default: *sx = x; *sy = y; break;
	}
}

/* quadrants.jpg, stored 160x100: red, green / blue, black. */
static struct rgba
quadrant_colour(long sx, long sy)
{
	static const struct rgba q[2][2] = {
		{ { 255, 0, 0, 255 }, { 0, 255, 0, 255 } },
		{ { 0, 0, 255, 255 }, { 0, 0, 0, 255 } },
	};

	return q[sy >= 50][sx >= 80];
}

/* APP1 Exif, big-endian TIFF, one IFD0 entry: Orientation (0x112) SHORT. */
static unsigned char *
with_app1(const unsigned char *in, size_t len, int orientation,
    size_t *outlen)
{
	unsigned char app1[] = {
		0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
		0x00, 0x01,
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x06, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	unsigned char	*out;

	app1[29] = (unsigned char)orientation;
	if ((out = malloc(len + sizeof app1)) == NULL)
		abort();
	memcpy(out, in, 2);
	memcpy(out + 2, app1, sizeof app1);
	memcpy(out + 2 + sizeof app1, in + 2, len - 2);
	*outlen = len + sizeof app1;
	return out;
}

/* Checks the four corners of a thumbnail of quadrants.jpg as shown with
 * orientation o. */
static void
check_corners(const char *what, int o, const struct image_result *res)
{
	static const int corners[4][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 },
	    { 1, 1 } };
	Image		*image = decode(res);
	struct rgba	 want, got;
	long		 dw, dh, x, y, sx, sy, bad = 0;
	int		 i;

	if (image == NULL) {
		ok(0, "%s: decodes", what);
		return;
	}
	dw = (long)res->width;
	dh = (long)res->height;
	for (i = 0; i < 4; i++) {
		/* 4 pixels in from each corner, clear of the chroma blur. */
		x = corners[i][0] ? dw - 5 : 4;
		y = corners[i][1] ? dh - 5 : 4;
		/* The same point in the stored 160x100, through the
		 * thumbnail's scale. */
		stored_xy(o, x, y, dw, dh, &sx, &sy);
		if (o >= 5) {
			sx = sx * 160 / dh;
			sy = sy * 100 / dw;
		} else {
			sx = sx * 160 / dw;
			sy = sy * 100 / dh;
		}
		want = quadrant_colour(sx, sy);
		got = px_at(image, x, y);
		if (!near(got, want.r, want.g, want.b, 255, 60)) {
			printf("#   %s: at %ld,%ld got " RGBA_FMT ", want "
			    RGBA_FMT "\n", what, x, y, RGBA_ARGS(got),
			    RGBA_ARGS(want));
			bad++;
		}
	}
	ok(bad == 0, "%s: corners as shown", what);
	DestroyImageList(image);
}

/*
 * All 8 orientations, twice: exif-N.jpg written by exiftool (little-endian
 * EXIF with GPS, camera and date tags) and quadrants.jpg with a minimal
 * big-endian APP1 made here.  The thumbnail is turned, its size is the
 * turned picture's, the corners have the colours a browser shows there, and
 * no EXIF is left.
 */
static void
test_orientation(void)
{
	struct image_result	 res;
	struct job_error	 err;
	struct image_request	 req;
	unsigned char		*in, *quad, *mm;
	size_t			 len = 0, qlen = 0, mmlen = 0;
	char			 name[32], what[64];
	int			 o, rv;
	unsigned		 ww, wh;

	if ((quad = load("quadrants.jpg", &qlen)) == NULL) {
		ok(0, "quadrants.jpg loads");
		return;
	}
	for (o = 1; o <= 8; o++) {
		ww = o >= 5 ? 63 : 100;
		wh = o >= 5 ? 100 : 63;
		snprintf(name, sizeof name, "exif-%d.jpg", o);
		if ((in = load(name, &len)) == NULL) {
			ok(0, "%s loads", name);
			continue;
		}
		rv = thumb(in, len, 100, 100, &res, &err);
		if (ok(rv == 0 && res.width == ww && res.height == wh,
		    "%s: %ux%u (want "
		    "%ux%u)", name, res.width, res.height, ww, wh)) {
			check_corners(name, o, &res);
			ok(!contains(res.data, res.len, "Exif") &&
			    !contains(res.data, res.len, "thumbq") &&
			    !contains(res.data, res.len, "2024:01:02"),
			    "%s: no EXIF (camera, date, GPS) left", name);
			free(res.data);
		}
		free(in);

		mm = with_app1(quad, qlen, o, &mmlen);
		snprintf(what, sizeof what, "big-endian orientation %d", o);
		rv = thumb(mm, mmlen, 100, 100, &res, &err);
		if (ok(rv == 0 && res.width == ww && res.height == wh,
		    "%s: %ux%u", what,
		    res.width, res.height)) {
			check_corners(what, o, &res);
			free(res.data);
		}
		free(mm);
	}

	/* The box is for the picture as shown: exif-6 is 100 wide and 160
	 * high; in every mode and format. */
	if ((in = load("exif-6.jpg", &len)) != NULL) {
		rv = thumb(in, len, 100, 50, &res, &err);
		if (ok(rv == 0 && res.width == 31 && res.height == 50,
		    "exif-6 in 100x50: "
		    "31x50 (got %ux%u)", res.width, res.height))
			free(res.data);
		req = rq(100, 50);
		req.mode = IMAGE_FILL;
		if (ok(run(in, len, &req, &res, &err) == 0 &&
		    res.width == 100 && res.height == 50, "exif-6 fill "
		    "100x50: 100x50")) {
			/* The middle band of the turned picture: blue on the
			 * left at the top, red at the right. */
			struct rgba l = pixel_of(&res, 3, 3);
			struct rgba r = pixel_of(&res, 96, 3);

			ok(near(l, 0, 0, 255, 255, 60) &&
			    near(r, 255, 0, 0, 255, 60), "exif-6 fill: blue "
			    "left " RGBA_FMT ", red right " RGBA_FMT,
			    RGBA_ARGS(l), RGBA_ARGS(r));
			free(res.data);
		}
		req = rq(100, 100);
		req.mode = IMAGE_PAD;
		req.format = IMAGE_PNG;
		if (ok(run(in, len, &req, &res, &err) == 0 &&
		    res.width == 100 && res.height == 100, "exif-6 pad png "
		    "100x100")) {
			/* 63x100 at x = 18: white, then the turned picture
			 * (blue at its top left, red at its top right). */
			struct rgba w = pixel_of(&res, 5, 50);
			struct rgba l = pixel_of(&res, 22, 4);
			struct rgba r = pixel_of(&res, 77, 4);

			ok(near(w, 255, 255, 255, 255, 3) &&
			    near(l, 0, 0, 255, 255, 60) &&
			    near(r, 255, 0, 0, 255, 60), "exif-6 pad png: "
			    "white " RGBA_FMT ", blue " RGBA_FMT ", red "
			    RGBA_FMT, RGBA_ARGS(w), RGBA_ARGS(l), RGBA_ARGS(r));
			free(res.data);
		}
		req = rq(100, 100);
		req.format = IMAGE_WEBP;
		if (ok(run(in, len, &req, &res, &err) == 0 &&
		    res.width == 63 && res.height == 100, "exif-6 webp "
		    "63x100")) {
			check_corners("exif-6 webp", 6, &res);
			ok(!contains(res.data, res.len, "EXIF") &&
			    !contains(res.data, res.len, "Exif"),
			    "exif-6 webp: no EXIF chunk");
			free(res.data);
		}
		free(in);
	} else
		ok(0, "exif-6.jpg loads");
	free(quad);
}

/* Pixels of a thumbnail at several points, each checked against a colour. */
struct probe {
	long	x, y;
	int	r, g, b, a;
	int	tol;
};

static void
check_probes(const char *what, const struct image_result *res,
    const struct probe *p, size_t n)
{
	Image		*image = decode(res);
	struct rgba	 c;
	size_t		 i, bad = 0;

	if (image == NULL) {
		ok(0, "%s: decodes", what);
		return;
	}
	for (i = 0; i < n; i++) {
		c = px_at(image, p[i].x, p[i].y);
		if (!near(c, p[i].r, p[i].g, p[i].b, p[i].a, p[i].tol)) {
			printf("#   %s: at %ld,%ld got " RGBA_FMT ", want "
			    "(%d,%d,%d,%d) +-%d\n", what, p[i].x, p[i].y,
			    RGBA_ARGS(c), p[i].r, p[i].g, p[i].b, p[i].a,
			    p[i].tol);
			bad++;
		}
	}
	ok(bad == 0, "%s: %zu pixels as expected", what, n);
	DestroyImageList(image);
}

/* Every pixel has R = G = B. */
static int
all_gray(const struct image_result *res)
{
	Image		*image = decode(res);
	struct rgba	 c;
	unsigned long	 x, y;
	int		 gray = image != NULL;

	for (y = 0; gray && y < image->rows; y++)
		for (x = 0; gray && x < image->columns; x++) {
			c = px_at(image, (long)x, (long)y);
			gray = c.r == c.g && c.g == c.b;
		}
	if (image != NULL)
		DestroyImageList(image);
	return gray;
}

/* icc-swapped.jpg stores red and green with a profile that swaps them: its
 * quadrants show green, red, blue and black, whichever decoder read it. */
static const struct probe icc_swapped_probes[] = {
	{ 10, 8, 0, 255, 0, 255, 40 }, { 90, 8, 255, 0, 0, 255, 40 },
	{ 10, 55, 0, 0, 255, 255, 40 }, { 90, 55, 0, 0, 0, 255, 40 },
};

/*
 * Colour: CMYK and ICC-tagged sources come out as sRGB, gray stays gray,
 * 16-bit sources are written at 8 bits.  The expected values for the ICC
 * fixtures come from LittleCMS's own transicc (see tests/fixtures/README).
 */
static void
test_colour(void)
{
	static const struct probe cmyk[] = {
		{ 10, 8, 255, 0, 0, 255, 40 }, { 90, 8, 0, 255, 0, 255, 40 },
		{ 10, 55, 0, 0, 255, 255, 40 }, { 90, 55, 0, 0, 0, 255, 40 },
	};
	/* Adobe RGB (200,60,60) (60,160,60) (60,60,200) (128,128,128) are sRGB
	 * (232,57,57) (0,161,46) (57,57,205) (129,129,129); unconverted they
	 * would be 30 or 60 away. */
	static const struct probe adobe[] = {
		{ 25, 15, 232, 57, 57, 255, 8 }, { 75, 15, 0, 161, 46, 255, 8 },
		{ 25, 47, 57, 57, 205, 255, 8 }, { 75, 47, 129, 129, 129, 255, 8 },
	};
	/* The same patches with Rec. 709's curve (sRGB's primaries): sRGB
	 * (206,75,75) (75,169,75) (75,75,206) (140,140,140). */
	static const struct probe rec709[] = {
		{ 25, 15, 206, 75, 75, 255, 8 }, { 75, 15, 75, 169, 75, 255, 8 },
		{ 25, 47, 75, 75, 206, 255, 8 }, { 75, 47, 140, 140, 140, 255, 8 },
	};
	/* Linear gray 64 and 128 are sRGB 137 and 188. */
	static const struct probe linear[] = {
		{ 20, 30, 137, 137, 137, 255, 4 }, { 80, 30, 188, 188, 188, 255, 4 },
	};
	/* deep.png: blue on the left, red on the right, 16 bits a sample. */
	static const struct probe deep[] = {
		{ 0, 30, 0, 0, 255, 255, 3 }, { 95, 30, 255, 0, 0, 255, 3 },
		{ 48, 30, 128, 0, 127, 255, 4 },
	};
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in, *src;
	Image			*orig, *thumbimg;
	size_t			 len = 0;
	double			 t;
	struct rgba		 a, b;

	if ((in = load("cmyk.jpg", &len)) != NULL && ok(thumb(in, len, 100,
	    100, &res, &err) == 0, "cmyk.jpg: thumbnail made")) {
		is_int(jpeg_components(res.data, res.len), 3,
		    "cmyk.jpg: thumbnail is a 3-component (RGB) JPEG");
		check_probes("cmyk.jpg: colours", &res, cmyk, 4);
		free(res.data);
	}
	free(in);

	if ((in = load("icc-swapped.jpg", &len)) != NULL) {
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0,
		    "icc-swapped.jpg: thumbnail made")) {
			check_probes("icc-swapped.jpg: converted through its "
			    "profile", &res, icc_swapped_probes, 4);
			ok(!contains(res.data, res.len, "ICC_PROFILE"),
			    "icc-swapped.jpg: no profile in the thumbnail");
			free(res.data);
		}
		free(in);
	} else
		ok(0, "icc-swapped.jpg loads");
	/* A damaged profile (a tag count of 4 billion) is ignored, as
	 * browsers ignore it: the pixels are taken as sRGB. */
	if ((in = load("icc-adobergb.jpg", &len)) != NULL) {
		static const struct probe unconverted[] = {
			{ 25, 15, 200, 60, 60, 255, 8 },
			{ 75, 15, 60, 160, 60, 255, 8 },
		};
		size_t	acsp = 0, k;

		for (k = 0; k + 4 <= len; k++)
			if (memcmp(in + k, "acsp", 4) == 0) {
				acsp = k;
				break;
			}
		if (ok(acsp > 36 + 20, "icc-adobergb.jpg: profile found")) {
			memset(in + acsp - 36 + 128, 0xff, 4);
			if (ok(thumb(in, len, 100, 100, &res, &err) == 0,
			    "damaged ICC profile: thumbnail made")) {
				check_probes("damaged ICC profile: ignored",
				    &res, unconverted, 2);
				free(res.data);
			}
		}
		free(in);
	}

	if ((in = load("icc-rec709.jpg", &len)) != NULL) {
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0,
		    "icc-rec709.jpg: thumbnail made")) {
			check_probes("icc-rec709.jpg: sRGB primaries, another "
			    "curve: converted", &res, rec709, 4);
			free(res.data);
		}
		free(in);
	} else
		ok(0, "icc-rec709.jpg loads");

	/* A profile that is sRGB in all but its bytes is not worth lcms:
	 * the thumbnail is the untagged image's, byte for byte. */
	if ((in = load("icc-srgb.jpg", &len)) != NULL) {
		struct image_result	 plain;
		size_t			 ulen;
		unsigned char		*untagged = without_app2(in, len, &ulen);

		ok(ulen < len - 6000, "icc-srgb.jpg: untagged copy made "
		    "(%zu of %zu bytes)", ulen, len);
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0 &&
		    thumb(untagged, ulen, 100, 100, &plain, &err) == 0,
		    "icc-srgb.jpg, tagged and untagged: thumbnails made")) {
			ok(res.len == plain.len && memcmp(res.data, plain.data,
			    res.len) == 0, "icc-srgb.jpg: the same thumbnail "
			    "as untagged (%zu, %zu bytes)", res.len, plain.len);
			free(res.data);
			free(plain.data);
		}
		free(untagged);
		free(in);
	} else
		ok(0, "icc-srgb.jpg loads");

	/* What the conversion costs, per thumbnail of the same 160x100. */
	{
		static const char *const timed[] = { "quadrants.jpg",
		    "icc-srgb.jpg", "icc-adobergb.jpg", "icc-swapped.jpg" };
		size_t	k;
		int	n;

		for (k = 0; k < 4; k++) {
			if ((in = load(timed[k], &len)) == NULL)
				continue;
			t = now_ms();
			for (n = 0; n < 10; n++)
				if (thumb(in, len, 100, 100, &res, &err) == 0)
					free(res.data);
			printf("# %-17s %5.2f ms a thumbnail (%s)\n", timed[k],
			    (now_ms() - t) / 10, k == 0 ? "no profile" :
			    k == 1 ? "sRGB profile, taken as it is" :
			    "converted through lcms");
			free(in);
		}
	}

	if ((in = load("icc-adobergb.jpg", &len)) != NULL) {
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0,
		    "icc-adobergb.jpg: thumbnail made")) {
			check_probes("icc-adobergb.jpg: Adobe RGB to sRGB", &res,
			    adobe, 4);
			free(res.data);
		}
		req = rq(100, 100);
		req.format = IMAGE_WEBP;
		if (ok(run(in, len, &req, &res, &err) == 0,
		    "icc-adobergb.jpg as webp: made")) {
			check_probes("icc-adobergb.jpg as webp", &res, adobe, 4);
			ok(!contains(res.data, res.len, "ICCP"),
			    "icc-adobergb.jpg as webp: no ICCP chunk");
			free(res.data);
		}
		free(in);
	} else
		ok(0, "icc-adobergb.jpg loads");

	if ((in = load("gray.jpg", &len)) != NULL && ok(thumb(in, len, 100,
	    100, &res, &err) == 0, "gray.jpg: thumbnail made")) {
		is_int(jpeg_components(res.data, res.len), 1,
		    "gray.jpg: thumbnail is a gray JPEG");
		/* The same point of source and thumbnail (120x60 to 100x50). */
		orig = decode_bytes(in, len);
		thumbimg = decode(&res);
		if (orig != NULL && thumbimg != NULL) {
			a = px_at(orig, 12, 30);
			b = px_at(thumbimg, 10, 25);
			ok(abs(a.r - b.r) <= 4, "gray.jpg: same gray at the "
			    "left (%d, %d)", a.r, b.r);
			a = px_at(orig, 108, 30);
			b = px_at(thumbimg, 90, 25);
			ok(abs(a.r - b.r) <= 4, "gray.jpg: same gray at the "
			    "right (%d, %d)", a.r, b.r);
		} else
			ok(0, "gray.jpg: decodes");
		if (orig != NULL)
			DestroyImageList(orig);
		if (thumbimg != NULL)
			DestroyImageList(thumbimg);
		free(res.data);
	}
	free(in);
	if ((in = load("gray.jpg", &len)) != NULL) {
		req = rq(100, 100);
		req.format = IMAGE_PNG;
		if (ok(run(in, len, &req, &res, &err) == 0, "gray.jpg as png")) {
			ok(res.data[25] == 0 || all_gray(&res), "gray.jpg as "
			    "png: gray (colour type %d)", res.data[25]);
			free(res.data);
		}
		free(in);
	}

	if ((in = load("gray-linear.jpg", &len)) != NULL && ok(thumb(in, len,
	    100, 100, &res, &err) == 0, "gray-linear.jpg: thumbnail made")) {
		check_probes("gray-linear.jpg: linear gray to sRGB", &res,
		    linear, 2);
		ok(all_gray(&res), "gray-linear.jpg: still gray");
		free(res.data);
	}
	free(in);

	if ((in = load("deep.png", &len)) != NULL) {
		ok(len > 26 && in[24] == 16, "deep.png is 16 bits a sample");
		req = rq(100, 100);
		req.format = IMAGE_PNG;
		if (ok(run(in, len, &req, &res, &err) == 0, "deep.png as png: "
		    "made")) {
			is_int(res.data[24], 8, "deep.png as png: 8 bits a "
			    "sample");
			check_probes("deep.png as png", &res, deep, 3);
			free(res.data);
		}
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0, "deep.png: "
		    "thumbnail made")) {
			check_probes("deep.png as jpeg", &res, deep, 2);
			free(res.data);
		}
		free(in);
	} else
		ok(0, "deep.png loads");

	/* 16-bit with alpha, made here from alpha.png. */
	src = NULL;
	if ((in = load("alpha.png", &len)) != NULL) {
		Image *image = decode_bytes(in, len);

		if (image != NULL) {
			image->depth = 16;
			src = encode(image, "PNG", 0, &len);
			DestroyImageList(image);
		}
		free(in);
	}
	ok(src != NULL && len > 25 && src[24] == 16, "16-bit RGBA PNG made");
	if (src != NULL && ok(thumb(src, len, 100, 100, &res, &err) == 0,
	    "16-bit RGBA PNG: thumbnail made")) {
		is_str(res.ext, "png", "16-bit RGBA PNG: written as PNG");
		is_int(res.data[24], 8, "16-bit RGBA PNG: thumbnail is 8-bit");
		ok(res.len < 20000, "16-bit RGBA PNG: %zu bytes", res.len);
		free(res.data);
	}
	free(src);
}

/* The first frame, placed on its canvas as a browser shows it. */
static void
test_animation(void)
{
	static const struct probe red[] = {
		{ 50, 37, 255, 0, 0, 255, 25 }, { 3, 3, 255, 0, 0, 255, 25 },
	};
	/* anim-offset.webp: frame 1 is alpha.png at 60x40 on 120x90 at
	 * 30,20: transparent around it, its blue square, its
	 * half-transparent red disc. */
	static const struct probe offset_webp[] = {
		{ 3, 3, 0, 0, 0, 0, 0 }, { 95, 70, 0, 0, 0, 0, 0 },
		{ 37, 25, 0, 0, 255, 255, 40 }, { 55, 37, 255, 0, 0, 128, 50 },
	};
	/* offset.gif: a red 60x40 frame at 30,20 of a 120x90 screen. */
	static const struct probe offset_gif[] = {
		{ 3, 3, 0, 0, 0, 0, 0 }, { 95, 70, 0, 0, 0, 0, 0 },
		{ 50, 33, 255, 0, 0, 255, 0 }, { 30, 21, 255, 0, 0, 255, 0 },
	};
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0, i;

	if ((in = load("anim.gif", &len)) != NULL && ok(thumb(in, len, 100,
	    100, &res, &err) == 0, "anim.gif: thumbnail")) {
		check_probes("anim.gif: the first (red) frame", &res, red, 2);
		free(res.data);
	}
	free(in);
	if ((in = load("anim.webp", &len)) != NULL && ok(thumb(in, len, 100,
	    100, &res, &err) == 0, "anim.webp: thumbnail")) {
		check_probes("anim.webp: the first (red) frame", &res, red, 2);
		free(res.data);
	}
	free(in);
	if ((in = load("anim-offset.webp", &len)) != NULL && ok(thumb(in, len,
	    100, 100, &res, &err) == 0, "anim-offset.webp: thumbnail")) {
		check_probes("anim-offset.webp: first frame at its offset",
		    &res, offset_webp, 4);
		free(res.data);
	}
	free(in);
	if ((in = load("offset.gif", &len)) != NULL && ok(thumb(in, len,
	    100, 100, &res, &err) == 0, "offset.gif: thumbnail")) {
		check_probes("offset.gif: first frame at its offset", &res,
		    offset_gif, 4);
		free(res.data);
	}
	free(in);

	/* Broken animations are corrupt images, never a crash. */
	if ((in = load("anim.webp", &len)) != NULL) {
		unsigned char	*bad = malloc(len);
		size_t		 anmf = 0;

		if (bad == NULL)
			abort();
		for (i = 12; i + 4 <= len; i++)
			if (memcmp(in + i, "ANMF", 4) == 0) {
				anmf = i;
				break;
			}
		ok(anmf != 0, "anim.webp has an ANMF chunk at %zu", anmf);
		memcpy(bad, in, len);
		bad[anmf + 8 + 6] = 0xff;	/* frame 256 wide: > canvas */
		is_int(thumb(bad, len, 100, 100, &res, &err), -1,
		    "frame wider than the canvas refused");
		is_str(err.code, "image_corrupt", "frame wider than the "
		    "canvas: image_corrupt (%s)", err.message);
		is_int(thumb(in, anmf + 20, 100, 100, &res, &err), -1,
		    "animation cut inside its first frame refused");
		is_str(err.code, "image_corrupt", "cut inside the first frame: "
		    "image_corrupt (%s)", err.message);
		/* Unknown chunks are skipped: with every ANMF renamed, there
		 * is no frame at all. */
		memcpy(bad, in, len);
		for (i = 12; i + 4 <= len; i++)
			if (memcmp(bad + i, "ANMF", 4) == 0)
				memcpy(bad + i, "JUNK", 4);
		is_int(thumb(bad, len, 100, 100, &res, &err), -1,
		    "animation without a frame refused");
		is_str(err.code, "image_corrupt", "no frame: image_corrupt");
		memcpy(bad, in, len);
		memcpy(bad + anmf + 8 + 16 + 4, "\xff\xff\xff\x7f", 4);
		is_int(thumb(bad, len, 100, 100, &res, &err), -1,
		    "frame chunk claiming 2 GB refused");
		is_str(err.code, "image_corrupt", "2 GB frame chunk: "
		    "image_corrupt");
		/* Every truncation: refused or made, never a crash. */
		for (i = 12; i < len; i++) {
			if (thumb(in, i, 100, 100, &res, &err) == 0)
				free(res.data);
			else if (err.code == NULL)
				break;
		}
		ok(i == len, "anim.webp cut at every length: no crash, an "
		    "error code each time");
		free(bad);
		free(in);
	}
}

/*
 * Transparency kept in PNG and WebP, flattened onto the background
 * (default white) for JPEG; padding transparent only for a transparent
 * source in a format with alpha, unless a background is given.
 */
static void
test_transparency(void)
{
	/* alpha.png in 100x100: transparent corner, opaque blue square,
	 * half-transparent red disc. */
	static const struct probe kept[] = {
		{ 2, 2, 0, 0, 0, 0, 0 }, { 25, 25, 0, 0, 255, 255, 30 },
		{ 75, 75, 255, 0, 0, 128, 40 },
	};
	static const struct probe on_white[] = {
		{ 2, 2, 255, 255, 255, 255, 20 }, { 25, 25, 0, 0, 255, 255, 30 },
		{ 75, 75, 255, 127, 127, 255, 30 },
	};
	/* JPEG rings a little around the blue square. */
	static const struct probe on_black[] = {
		{ 2, 2, 0, 0, 0, 255, 20 }, { 25, 25, 0, 0, 255, 255, 30 },
		{ 75, 75, 128, 0, 0, 255, 30 },
	};
	/* Padded 200x100: 100x100 at x = 50. */
	static const struct probe pad_clear[] = {
		{ 10, 50, 0, 0, 0, 0, 0 }, { 52, 2, 0, 0, 0, 0, 0 },
		{ 75, 25, 0, 0, 255, 255, 30 },
	};
	static const struct probe pad_white[] = {
		{ 10, 50, 255, 255, 255, 255, 3 },
		{ 52, 2, 255, 255, 255, 255, 20 },
		{ 75, 25, 0, 0, 255, 255, 30 },
	};
	static const struct probe pad_red[] = {
		{ 10, 50, 255, 0, 0, 255, 3 }, { 52, 2, 0, 0, 0, 0, 0 },
		{ 75, 25, 0, 0, 255, 255, 30 },
	};
	static const struct probe photo_pad_clear[] = {
		{ 50, 3, 0, 0, 0, 0, 0 },
	};
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in, *photo;
	size_t			 len = 0, plen = 0;

	if ((in = load("alpha.png", &len)) == NULL ||
	    (photo = load("photo.jpg", &plen)) == NULL) {
		ok(0, "alpha.png and photo.jpg load");
		free(in);
		return;
	}
	req = rq(100, 100);
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png: made")) {
		is_str(res.ext, "png", "alpha.png: auto is png");
		check_probes("alpha.png as png: alpha kept", &res, kept, 3);
		free(res.data);
	}
	req.format = IMAGE_WEBP;
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png as webp")) {
		check_probes("alpha.png as webp: alpha kept", &res, kept, 3);
		free(res.data);
	}
	req.format = IMAGE_JPEG;
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png as jpeg")) {
		check_probes("alpha.png as jpeg: on white", &res, on_white, 3);
		free(res.data);
	}
	req.has_background = 1;
	memcpy(req.background, "\x00\x00\x00\xff", 4);
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png as jpeg on "
	    "black")) {
		check_probes("alpha.png as jpeg: on black", &res, on_black, 3);
		free(res.data);
	}
	/* A transparent background means white in JPEG. */
	memcpy(req.background, "\x00\x00\x00\x00", 4);
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png as jpeg on "
	    "transparent")) {
		check_probes("alpha.png as jpeg: transparent is white", &res,
		    on_white, 3);
		free(res.data);
	}
	/* The background fills the padding; PNG keeps the picture's own
	 * transparency. */
	req = rq(200, 100);
	req.mode = IMAGE_PAD;
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png pad")) {
		is_str(res.ext, "png", "alpha.png pad: auto is png");
		check_probes("alpha.png pad: transparent padding", &res,
		    pad_clear, 3);
		free(res.data);
	}
	req.format = IMAGE_WEBP;
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png pad webp")) {
		check_probes("alpha.png pad webp: transparent padding", &res,
		    pad_clear, 3);
		free(res.data);
	}
	req.format = IMAGE_JPEG;
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png pad jpeg")) {
		check_probes("alpha.png pad jpeg: white", &res, pad_white, 3);
		free(res.data);
	}
	req.format = IMAGE_PNG;
	req.has_background = 1;
	memcpy(req.background, "\xff\x00\x00\xff", 4);
	if (ok(run(in, len, &req, &res, &err) == 0, "alpha.png pad red png")) {
		check_probes("alpha.png pad red png: red padding, picture's "
		    "alpha kept", &res, pad_red, 3);
		free(res.data);
	}

	/* An opaque photo padded as PNG: white, and no alpha channel. */
	req = rq(100, 100);
	req.mode = IMAGE_PAD;
	req.format = IMAGE_PNG;
	if (ok(run(photo, plen, &req, &res, &err) == 0, "photo.jpg pad png")) {
		struct rgba c = pixel_of(&res, 50, 3);

		ok(near(c, 255, 255, 255, 255, 0), "photo.jpg pad png: white "
		    RGBA_FMT, RGBA_ARGS(c));
		ok(res.data[25] == 2 || res.data[25] == 3, "photo.jpg pad png: "
		    "no alpha channel (colour type %d)", res.data[25]);
		free(res.data);
	}
	/* Translucent padding asked for: auto picks PNG to keep it. */
	req.format = IMAGE_AUTO;
	req.has_background = 1;
	memcpy(req.background, "\x00\x00\x00\x00", 4);
	if (ok(run(photo, plen, &req, &res, &err) == 0, "photo.jpg pad "
	    "transparent")) {
		is_str(res.ext, "png", "photo.jpg pad transparent: auto is png");
		check_probes("photo.jpg pad transparent", &res,
		    photo_pad_clear, 1);
		free(res.data);
	}
	/* ... but only when there is padding. */
	req = rq(150, 100);
	req.mode = IMAGE_PAD;
	req.has_background = 1;
	memcpy(req.background, "\x00\x00\x00\x00", 4);
	if (ok(run(photo, plen, &req, &res, &err) == 0, "photo.jpg pad "
	    "150x100")) {
		is_str(res.ext, "jpg", "photo.jpg pad 150x100 (no padding): "
		    "auto is jpg");
		free(res.data);
	}
	free(photo);
	free(in);
}

/*
 * A binary zone plate: rings whose frequency grows with the distance from
 * the centre, one pixel wide at the edges.  Any downscaler that samples
 * instead of filtering turns the fine rings into false coarse ones (moire),
 * which a PSNR against a filtered reference shows plainly.
 */
static Image *
zone_plate(unsigned long n)
{
	ExceptionInfo	 ex;
	Image		*image;
	unsigned char	*buf;
	unsigned long	 x, y;
	long		 dx, dy;

	if ((buf = malloc(n * n)) == NULL)
		abort();
	for (y = 0; y < n; y++)
		for (x = 0; x < n; x++) {
			dx = (long)x - (long)n / 2;
			dy = (long)y - (long)n / 2;
			buf[y * n + x] = ((unsigned long)(dx * dx + dy * dy) /
			    n) & 1 ? 255 : 0;
		}
	GetExceptionInfo(&ex);
	image = ConstituteImage(n, n, "I", CharPixel, buf, &ex);
	DestroyExceptionInfo(&ex);
	free(buf);
	return image;
}

/*
 * The reference downscale: the whole source decoded at full size (no
 * shrink-on-load, no box pre-scaling) and resized with GraphicsMagick's
 * Lanczos straight to the thumbnail, which is what `gm convert SRC -filter
 * Lanczos -resize WxH! REF` does.  For fill, the other way round from the
 * pipeline: resize to cover the box, then cut the middle.
 */
static Image *
reference(const unsigned char *in, size_t len, enum image_mode mode,
    unsigned long w, unsigned long h)
{
	ExceptionInfo	 ex;
	Image		*full, *r, *c;
	RectangleInfo	 g;
	double		 s, sw, sh;

	if ((full = decode_bytes(in, len)) == NULL)
		return NULL;
	GetExceptionInfo(&ex);
	if (mode == IMAGE_FILL) {
		sw = (double)w / full->columns;
		sh = (double)h / full->rows;
		s = sw > sh ? sw : sh;
		g.width = (unsigned long)(full->columns * s + 0.5);
		g.height = (unsigned long)(full->rows * s + 0.5);
		if (g.width < w)
			g.width = w;
		if (g.height < h)
			g.height = h;
		r = ResizeImage(full, g.width, g.height, LanczosFilter, 1.0,
		    &ex);
		c = NULL;
		if (r != NULL) {
			g.x = (long)(g.width - w) / 2;
			g.y = (long)(g.height - h) / 2;
			g.width = w;
			g.height = h;
			c = CropImage(r, &g, &ex);
			DestroyImageList(r);
		}
		r = c;
	} else
		r = ResizeImage(full, w, h, LanczosFilter, 1.0, &ex);
	DestroyImageList(full);
	DestroyExceptionInfo(&ex);
	return r;
}

/*
 * The thumbnail against the reference downscale of the same source.  PNG
 * output measures the pipeline alone (shrink-on-load, box pre-scaling,
 * Lanczos, crop order); JPEG and WebP output add their own loss, so their
 * floors are lower.  The floors are explained in test_psnr().
 */
struct psnr_case {
	const char		*src;	/* a fixture, or NULL: the zone plate */
	const char		*what;
	enum image_mode		 mode;
	enum image_format	 format;
	unsigned		 bw, bh;
	double			 floor;
};

static double
psnr_case(const struct psnr_case *pc, const unsigned char *in, size_t len)
{
	static const char *const fmts[] = { "auto", "jpeg", "png", "webp" };
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	Image			*out, *ref;
	double			 p = -1;

	req = rq(pc->bw, pc->bh);
	req.mode = pc->mode;
	req.format = pc->format;
	if (run(in, len, &req, &res, &err) != 0) {
		ok(0, "psnr %s: thumbnail made (%s)", pc->what,
		    err.message);
		return -1;
	}
	out = decode(&res);
	ref = reference(in, len, pc->mode, res.width, res.height);
	if (out != NULL && ref != NULL)
		p = psnr(out, ref);
	printf("# psnr %-34s %s %ux%u %-4s %ux%u: %5.1f dB (floor %.0f)\n",
	    pc->what, mode_names[pc->mode], pc->bw, pc->bh, fmts[pc->format],
	    res.width, res.height, p, pc->floor);
	ok(p >= pc->floor, "psnr %s %s %ux%u as %s: %.1f dB >= %.0f dB",
	    pc->what, mode_names[pc->mode], pc->bw, pc->bh, fmts[pc->format],
	    p, pc->floor);
	if (out != NULL)
		DestroyImageList(out);
	if (ref != NULL)
		DestroyImageList(ref);
	free(res.data);
	return p;
}

static void
test_psnr(void)
{
	/*
	 * The floors, from figures measured on these sources against the same
	 * references (GraphicsMagick 1.3.40 Q16):
	 *
	 *                          ours  ThumbnailImage  box  triangle  sample
	 *   zone plate to 100x100  34.6       21.5      29.4    36.3      6.0
	 *   big.jpg as png, 100    59.2       45.3      49.6    45.3     32.8
	 *   photo.png, 100x67      99 *       46.0      48.2    44.4     31.4
	 *
	 * (* the pipeline is the reference there: no pre-scaling below 4x.)
	 * The zone plate is what tells filters apart: 30 dB rejects point
	 * sampling, GraphicsMagick's ThumbnailImage (sampling to 5x, then a
	 * filter) and a plain box average, all of which leave moire rings.
	 * On photographs, PNG output (the pipeline alone) must reach 50 dB,
	 * above every cheaper filter in the table; fill 40 dB, since its
	 * reference crops after resizing and the pipeline before, which moves
	 * the picture by up to half a pixel; JPEG and WebP output at quality
	 * 85 measure 36-38 dB, the encoder's loss dominating, so 33.
	 *
	 * WebP sources are decoded by libwebp straight to twice the
	 * thumbnail (an area average while decoding, 8 bits a sample, where
	 * GraphicsMagick's box average kept 16), then Lanczos; fill crops at
	 * full resolution first.  Against the full decode: zone plate 34.7
	 * (lossless) and 34.6 (q95); big.jpg as WebP q90 57.3 (fit 100),
	 * 56.9 (fit 300), 53.1 (fill 120x50), where GraphicsMagick's full
	 * decode, box average and Lanczos gave 58.7, 63.2 and 54.0: the same
	 * floors apply.
	 */
	static const struct psnr_case cases[] = {
		{ "photo.jpg", "photo.jpg", IMAGE_FIT, IMAGE_PNG, 100, 100, 50 },
		{ "big.jpg", "big.jpg (1/8 decode)", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 50 },
		{ "big.jpg", "big.jpg (1/4 decode)", IMAGE_FIT, IMAGE_PNG,
		    300, 300, 50 },
		{ "photo.png", "photo.png", IMAGE_FIT, IMAGE_PNG, 100, 100, 50 },
		{ "portrait.jpg", "portrait.jpg", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 50 },
		{ "photo.jpg", "photo.jpg", IMAGE_FILL, IMAGE_PNG, 100, 100, 40 },
		{ "portrait.jpg", "portrait.jpg", IMAGE_FILL, IMAGE_PNG,
		    120, 50, 40 },
		{ "big.jpg", "big.jpg", IMAGE_FILL, IMAGE_PNG, 120, 50, 40 },
		{ "photo.jpg", "photo.jpg", IMAGE_FIT, IMAGE_JPEG, 100, 100, 33 },
		{ "big.jpg", "big.jpg", IMAGE_FIT, IMAGE_JPEG, 100, 100, 33 },
		{ "photo.jpg", "photo.jpg", IMAGE_FIT, IMAGE_WEBP, 100, 100, 33 },
	};
	/* Sources made here: the zone plate losslessly and as a JPEG (decoded
	 * at 1/4), and big.jpg as a 1600x1200 PNG, where a box average to
	 * twice the size comes before Lanczos. */
	static const struct psnr_case made[] = {
		{ NULL, "zone plate 800x800 png", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 30 },
		{ NULL, "zone plate 800x800 jpeg q95", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 30 },
		{ NULL, "big.jpg as png (box, then Lanczos)", IMAGE_FIT,
		    IMAGE_PNG, 100, 100, 50 },
		{ NULL, "big.jpg as png", IMAGE_FILL, IMAGE_PNG, 120, 50, 40 },
	};
	static const struct psnr_case webp[] = {
		{ NULL, "zone plate 800x800 webp lossless", IMAGE_FIT,
		    IMAGE_PNG, 100, 100, 30 },
		{ NULL, "zone plate 800x800 webp q95", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 30 },
		{ NULL, "big.jpg as webp q90", IMAGE_FIT, IMAGE_PNG,
		    100, 100, 50 },
		{ NULL, "big.jpg as webp q90", IMAGE_FIT, IMAGE_PNG,
		    300, 300, 50 },
		{ NULL, "big.jpg as webp q90", IMAGE_FILL, IMAGE_PNG,
		    120, 50, 40 },
		{ NULL, "big.jpg as webp q90", IMAGE_FIT, IMAGE_JPEG,
		    100, 100, 33 },
	};
	ExceptionInfo	 ex;
	Image		*plate, *big, *ref, *sampled;
	unsigned char	*in;
	size_t		 i, len = 0;
	double		 p;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if ((in = load(cases[i].src, &len)) == NULL) {
			ok(0, "%s loads", cases[i].src);
			continue;
		}
		psnr_case(&cases[i], in, len);
		free(in);
	}

	if ((plate = zone_plate(800)) == NULL) {
		ok(0, "zone plate made");
		return;
	}
	for (i = 0; i < sizeof made / sizeof made[0]; i++) {
		if (i < 2)
			in = encode(plate, i == 0 ? "PNG" : "JPEG",
			    i == 0 ? 0 : 95, &len);
		else if ((in = load("big.jpg", &len)) != NULL) {
			/* Fresh each time: encoding leaves attributes behind. */
			big = decode_bytes(in, len);
			free(in);
			in = big != NULL ? encode(big, "PNG", 0, &len) : NULL;
			if (big != NULL)
				DestroyImageList(big);
		}
		if (!ok(in != NULL, "%s: encoded (%zu bytes)", made[i].what,
		    len))
			continue;
		psnr_case(&made[i], in, len);
		free(in);
	}
	/*
	 * WebP, which libwebp decodes at twice the thumbnail (an area average
	 * while decoding), against GraphicsMagick's full decode of the same
	 * file: the zone plate lossless and lossy, big.jpg lossy in each
	 * mode.
	 */
	for (i = 0; i < sizeof webp / sizeof webp[0]; i++) {
		if (i < 2)
			in = encode_webp(plate, 95, i == 0, &len);
		else if ((in = load("big.jpg", &len)) != NULL) {
			big = decode_bytes(in, len);
			free(in);
			in = big != NULL ? encode_webp(big, 90, 0, &len) : NULL;
			if (big != NULL)
				DestroyImageList(big);
		}
		if (!ok(in != NULL, "%s: encoded (%zu bytes)", webp[i].what,
		    len))
			continue;
		psnr_case(&webp[i], in, len);
		free(in);
	}
	/* What the floor rejects, on the same plate. */
	GetExceptionInfo(&ex);
	ref = ResizeImage(plate, 100, 100, LanczosFilter, 1.0, &ex);
	sampled = SampleImage(plate, 100, 100, &ex);
	p = ref != NULL && sampled != NULL ? psnr(sampled, ref) : 99;
	printf("# psnr %-34s (point sampling, for comparison): %5.1f dB\n",
	    "zone plate 800x800", p);
	ok(p < made[0].floor, "zone plate: point sampling scores %.1f dB, "
	    "under the floor", p);
	if (sampled != NULL)
		DestroyImageList(sampled);
	sampled = ThumbnailImage(plate, 100, 100, &ex);
	p = ref != NULL && sampled != NULL ? psnr(sampled, ref) : 99;
	printf("# psnr %-34s (ThumbnailImage, for comparison): %5.1f dB\n",
	    "zone plate 800x800", p);
	ok(p < made[0].floor, "zone plate: ThumbnailImage scores %.1f dB, "
	    "under the floor", p);
	if (sampled != NULL)
		DestroyImageList(sampled);
	if (ref != NULL)
		DestroyImageList(ref);
	DestroyExceptionInfo(&ex);
	DestroyImageList(plate);
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

/* Is name one of the space-separated words of list? */
static int
word_in(const char *list, const char *name)
{
	size_t		n = strlen(name);
	const char	*p;

	for (p = list; (p = strstr(p, name)) != NULL; p++) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

/* Defence in depth: whatever slips past the sniffing, no other decoder is
 * left to run (PostScript, SVG, MSL, delegates ...): exactly the coders of
 * the space-separated list are registered. */
static void
test_coders_are(const char *want)
{
	ExceptionInfo	  ex;
	MagickInfo	**coders, **mi;
	size_t		  n = 0, other = 0, nwant = 1, i;

	for (i = 0; want[i] != '\0'; i++)
		nwant += want[i] == ' ';
	GetExceptionInfo(&ex);
	coders = GetMagickInfoArray(&ex);
	if (coders != NULL) {
		for (mi = coders; *mi != NULL; mi++) {
			n++;
			if (!word_in(want, (*mi)->name)) {
				printf("# coder %s left\n", (*mi)->name);
				other++;
			}
		}
		MagickFree(coders);
	}
	ok(coders != NULL && n == nwant && other == 0, "only the %s coders "
	    "left (%zu coders)", want, n);
	DestroyExceptionInfo(&ex);
}

static void
test_coders(void)
{
	test_coders_are("JPEG PNG GIF WEBP");
}

/*
 * A reload may drop an input format; adding one back needs a restart.  The
 * output coders stay whatever the input formats: WebP bytes are refused by
 * their sniffed magic before any decoder runs, yet WebP thumbnails are
 * still written.
 */
static void
test_reload(void)
{
	struct thumbq_conf	 c = conf;
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0;
	char			*cause = NULL;

	c.formats = "jpeg png gif";
	is_int(image_init("test-image", &c, &cause), 0, "reload without webp");
	test_coders();
	if ((in = load("photo.webp", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "WebP refused once not allowed");
		is_str(err.code, "unsupported_format", "WebP not allowed: "
		    "unsupported_format (%s)", err.message);
		ok(strstr(err.message, "not accepted") != NULL, "WebP not "
		    "allowed: refused from its header, before decoding");
		free(in);
	}
	if ((in = load("anim.webp", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "animated WebP refused once not allowed");
		is_str(err.code, "unsupported_format", "animated WebP not "
		    "allowed: unsupported_format");
		free(in);
	}
	if ((in = load("photo.jpg", &len)) != NULL) {
		req = rq(100, 100);
		req.format = IMAGE_WEBP;
		if (ok(run(in, len, &req, &res, &err) == 0, "webp output "
		    "without webp input")) {
			is_str(res.ext, "webp", "webp output without webp "
			    "input: .webp");
			free(res.data);
		}
		free(in);
	}
	c.formats = "jpeg png gif webp";
	is_int(image_init("test-image", &c, &cause), 0, "reload adding webp "
	    "back works: its coder never left (output)");
	c.formats = "jpeg png webp";
	is_int(image_init("test-image", &c, &cause), 0, "reload without gif");
	if ((in = load("anim.gif", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1,
		    "GIF refused once not allowed");
		free(in);
	}
	c.formats = "jpeg png gif webp";
	is_int(image_init("test-image", &c, &cause), -1,
	    "reload adding gif back fails");
	ok(cause != NULL && strstr(cause, "gif") != NULL,
	    "reload adding gif: says why (%s)", cause ? cause : "(null)");
	free(cause);
}

static void
put16le(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
put32le(unsigned char *p, uint32_t v)
{
	put16le(p, v & 0xffff);
	put16le(p + 2, v >> 16);
}

/*
 * A 24-bit BMP of w x |h| (h < 0: top-down) with the given DIB header size
 * (12: OS/2 core, 40: BITMAPINFOHEADER), the top half red and the bottom
 * half blue; pixels = 0 leaves the pixel data out (a lying header).
 * Returns the length; buf must hold it.
 */
static size_t
make_bmp(unsigned char *buf, unsigned dib, int32_t w, int32_t h, int pixels)
{
	unsigned	rows = (unsigned)(h < 0 ? -h : h), stride, r, x, top;
	size_t		off = 14 + dib, n;
	unsigned char	*row;

	stride = ((unsigned)w * 3 + 3) & ~3U;
	n = off + (pixels ? (size_t)stride * rows : 0);
	memset(buf, 0, n);
	buf[0] = 'B';
	buf[1] = 'M';
	put32le(buf + 2, (uint32_t)n);
	put32le(buf + 10, (uint32_t)off);
	put32le(buf + 14, dib);
	if (dib == 12) {
		put16le(buf + 18, (unsigned)w & 0xffff);
		put16le(buf + 20, (unsigned)h & 0xffff);
		put16le(buf + 22, 1);
		put16le(buf + 24, 24);
	} else {
		put32le(buf + 18, (uint32_t)w);
		put32le(buf + 22, (uint32_t)h);
		put16le(buf + 26, 1);
		put16le(buf + 28, 24);
		put32le(buf + 34, (uint32_t)(n - off));
	}
	for (r = 0; pixels && r < rows; r++) {
		/* File row r is picture row r top-down, rows-1-r bottom-up. */
		top = (h < 0 ? r : rows - 1 - r) < rows / 2;
		row = buf + off + (size_t)r * stride;
		for (x = 0; x < (unsigned)w; x++) {
			row[x * 3 + 0] = top ? 0 : 255;		/* B */
			row[x * 3 + 1] = 0;			/* G */
			row[x * 3 + 2] = top ? 255 : 0;		/* R */
		}
	}
	return n;
}

static void
tput16(unsigned char *p, int be, unsigned v)
{
	if (be) {
		p[0] = (v >> 8) & 0xff;
		p[1] = v & 0xff;
	} else
		put16le(p, v);
}

static void
tput32(unsigned char *p, int be, uint32_t v)
{
	if (be) {
		tput16(p, 1, v >> 16);
		tput16(p + 2, 1, v & 0xffff);
	} else
		put32le(p, v);
}

static void
tiff_entry(unsigned char *e, int be, unsigned tag, unsigned type, uint32_t v)
{
	tput16(e, be, tag);
	tput16(e + 2, be, type);
	tput32(e + 4, be, 1);
	memset(e + 8, 0, 4);
	if (type == 3)
		tput16(e + 8, be, v);
	else
		tput32(e + 8, be, v);
}

/*
 * An 8-bit gray, uncompressed, one-strip TIFF of w x h in either byte
 * order, its sizes as SHORT (3) or LONG (4); the top half black, the bottom
 * half white.  pixels = 0 leaves the pixel data out (a lying header).
 */
static size_t
make_tiff(unsigned char *buf, int be, unsigned type, uint32_t w, uint32_t h,
    int pixels)
{
	const unsigned	 n = 9;
	const size_t	 data = 8 + 2 + n * 12 + 4;
	unsigned char	*e = buf + 10;
	size_t		 len = data + (pixels ? (size_t)w * h : 0), y;

	memcpy(buf, be ? "MM\0*" : "II*\0", 4);
	tput32(buf + 4, be, 8);
	tput16(buf + 8, be, n);
	tiff_entry(e, be, 256, type, w);		/* ImageWidth */
	tiff_entry(e + 12, be, 257, type, h);		/* ImageLength */
	tiff_entry(e + 24, be, 258, 3, 8);		/* BitsPerSample */
	tiff_entry(e + 36, be, 259, 3, 1);		/* no compression */
	tiff_entry(e + 48, be, 262, 3, 1);		/* BlackIsZero */
	tiff_entry(e + 60, be, 273, 4, (uint32_t)data);	/* StripOffsets */
	tiff_entry(e + 72, be, 277, 3, 1);		/* SamplesPerPixel */
	tiff_entry(e + 84, be, 278, 4, h);		/* RowsPerStrip */
	tiff_entry(e + 96, be, 279, 4, w * h);		/* StripByteCounts */
	tput32(e + 108, be, 0);				/* no next IFD */
	for (y = 0; pixels && y < h; y++)
		memset(buf + data + y * w, y < h / 2 ? 0 : 255, w);
	return len;
}

/* Overwrites every ispe property of a HEIF file with w x h. */
static int
heif_set_ispe(unsigned char *buf, size_t len, uint32_t w, uint32_t h)
{
	size_t	i;
	int	n = 0;

	for (i = 4; i + 16 <= len; i++) {
		if (memcmp(buf + i, "ispe", 4) == 0) {
			put32(buf + i + 8, w);
			put32(buf + i + 12, h);
			n++;
		}
	}
	return n;
}

/* A JPEG XL codestream start: SizeHeader with a 30-bit height and a 1:1
 * ratio, as LSB-first bits. */
static size_t
make_jxl(unsigned char *buf, uint32_t side)
{
	uint64_t	bits = 0;
	unsigned	pos = 0, i;

	memset(buf, 0, 16);
	buf[0] = 0xff;
	buf[1] = 0x0a;
	bits |= 0ULL << pos, pos += 1;				/* not small */
	bits |= 3ULL << pos, pos += 2;				/* 30 bits */
	bits |= (uint64_t)(side - 1) << pos, pos += 30;
	bits |= 1ULL << pos, pos += 3;				/* ratio 1:1 */
	for (i = 0; i < 8; i++)
		buf[2 + i] = (bits >> (i * 8)) & 0xff;
	return 16;
}

/* Refused as image_too_large from the header, without decoding. */
static void
too_large(const char *what, const unsigned char *in, size_t len)
{
	struct image_result	res;
	struct job_error	err;
	double			t;

	t = now_ms();
	is_int(thumb(in, len, 100, 100, &res, &err), -1, "%s refused", what);
	t = now_ms() - t;
	is_str(err.code, "image_too_large", "%s: image_too_large (%s)", what,
	    err.message);
	ok(strstr(err.message, "limit") != NULL &&
	    strstr(err.message, "decoding limits") == NULL, "%s: refused from "
	    "its header", what);
	ok(t < 100, "%s: refused without decoding (%.2f ms)", what, t);
}

/* image_corrupt, or at the very least a failure that leaves the process
 * standing: what a truncated or damaged file must give. */
static void
corrupt(const char *what, const unsigned char *in, size_t len)
{
	struct image_result	res;
	struct job_error	err;
	int			rv;

	rv = thumb(in, len, 100, 100, &res, &err);
	if (rv == 0)
		free(res.data);
	is_int(rv, -1, "%s fails", what);
	is_str(err.code, "image_corrupt", "%s: image_corrupt (%s)", what,
	    err.message);
}

/*
 * BMP, TIFF, HEIF and JPEG XL when the formats key allows them (main()
 * allows all): the pixels come out the right way up, the first page of a
 * TIFF, lying headers refused before decoding, broken files image_corrupt.
 */
static void
test_more_formats(void)
{
	static const char *const cut[] = { "photo.bmp", "photo.tiff",
	    "photo.heic", "photo.avif", "photo.jxl", "box.jxl" };
	struct image_request	 req = rq(100, 100);
	struct image_result	 res;
	struct job_error	 err;
	struct rgba		 c;
	unsigned char		*buf, *in;
	size_t			 n, len = 0, i;
	int			 be, type;
	char			 what[96];

	if ((buf = malloc(64 * 1024)) == NULL)
		abort();
	req.format = IMAGE_PNG;		/* exact colours */

	/* Top-down (negative height) and bottom-up BMPs, both header kinds. */
	for (i = 0; i < 4; i++) {
		unsigned dib = i < 2 ? 40 : 12;
		int32_t h = i % 2 ? -8 : 8;

		snprintf(what, sizeof what, "BMP %s header, %s",
		    dib == 12 ? "core" : "info", h < 0 ? "top-down" :
		    "bottom-up");
		n = make_bmp(buf, dib, 8, h, 1);
		if (!ok(run(buf, n, &req, &res, &err) == 0, "%s: thumbnail "
		    "made", what)) {
			printf("#   %s: %s\n", err.code, err.message);
			continue;
		}
		ok(res.width == 8 && res.height == 8, "%s: 8x8", what);
		c = pixel_of(&res, 0, 0);
		ok(near(c, 255, 0, 0, 255, 2), "%s: red at the top "
		    RGBA_FMT, what, RGBA_ARGS(c));
		c = pixel_of(&res, 7, 7);
		ok(near(c, 0, 0, 255, 255, 2), "%s: blue at the bottom "
		    RGBA_FMT, what, RGBA_ARGS(c));
		free(res.data);
	}

	/* Hand-made TIFFs: both byte orders, SHORT and LONG sizes. */
	for (i = 0; i < 4; i++) {
		be = (int)(i / 2);
		type = i % 2 ? 4 : 3;
		snprintf(what, sizeof what, "TIFF %s, %s sizes",
		    be ? "big-endian" : "little-endian", type == 3 ? "SHORT" :
		    "LONG");
		n = make_tiff(buf, be, (unsigned)type, 12, 10, 1);
		if (!ok(run(buf, n, &req, &res, &err) == 0, "%s: thumbnail "
		    "made", what)) {
			printf("#   %s: %s\n", err.code, err.message);
			continue;
		}
		ok(res.width == 12 && res.height == 10, "%s: 12x10", what);
		c = pixel_of(&res, 0, 0);
		ok(near(c, 0, 0, 0, 255, 2), "%s: black at the top " RGBA_FMT,
		    what, RGBA_ARGS(c));
		c = pixel_of(&res, 11, 9);
		ok(near(c, 255, 255, 255, 255, 2), "%s: white at the bottom "
		    RGBA_FMT, what, RGBA_ARGS(c));
		free(res.data);
	}

	/* A 2-page TIFF: red, then blue.  Only the first is read. */
	if ((in = load("pages.tiff", &len)) != NULL) {
		if (ok(run(in, len, &req, &res, &err) == 0, "2-page TIFF: "
		    "thumbnail made")) {
			c = pixel_of(&res, 32, 24);
			ok(near(c, 255, 0, 0, 255, 2), "2-page TIFF: the first "
			    "page (red) " RGBA_FMT, RGBA_ARGS(c));
			free(res.data);
		}
		free(in);
	}

	/* GraphicsMagick 1.3.40 refuses animated JPEG XL: not corrupt, but a
	 * kind of image this server cannot decode. */
	if ((in = load("anim.jxl", &len)) != NULL) {
		is_int(thumb(in, len, 100, 100, &res, &err), -1, "animated JPEG "
		    "XL refused");
		is_str(err.code, "unsupported_format", "animated JPEG XL: "
		    "unsupported_format (%s)", err.message);
		is_int(err.transient, 0, "animated JPEG XL: permanent");
		free(in);
	}

	/* Lying headers. */
	n = make_bmp(buf, 40, 100000, 100000, 0);
	too_large("BMP claiming 100000x100000", buf, n);
	n = make_bmp(buf, 40, 10, -100000, 0);
	too_large("top-down BMP claiming 10x100000", buf, n);
	n = make_bmp(buf, 12, 30000, 30000, 0);
	too_large("core BMP claiming 30000x30000", buf, n);
	n = make_tiff(buf, 0, 4, 100000, 100000, 0);
	too_large("TIFF (II) claiming 100000x100000", buf, n);
	n = make_tiff(buf, 1, 4, 100000, 100000, 0);
	too_large("TIFF (MM) claiming 100000x100000", buf, n);
	n = make_tiff(buf, 1, 3, 60000, 60000, 0);
	too_large("TIFF with SHORT sizes claiming 60000x60000", buf, n);
	n = make_tiff(buf, 0, 4, conf.max_dimension + 1, 1, 0);
	too_large("TIFF wider than max_dimension", buf, n);
	n = make_jxl(buf, 100000);
	too_large("JPEG XL claiming 100000x100000", buf, n);
	if ((in = load("photo.heic", &len)) != NULL) {
		ok(heif_set_ispe(in, len, 100000, 100000) > 0, "HEIC: ispe "
		    "patched");
		too_large("HEIC claiming 100000x100000", in, len);
		/* Smaller than the coded picture: libheif must not write
		 * past the pixels GraphicsMagick allocated from ispe. */
		heif_set_ispe(in, len, 16, 16);
		if (thumb(in, len, 100, 100, &res, &err) == 0) {
			ok(res.width <= 16 && res.height <= 16, "HEIC whose "
			    "ispe says 16x16: no larger (%ux%u)", res.width,
			    res.height);
			free(res.data);
		} else
			ok(err.code != NULL, "HEIC whose ispe says 16x16: "
			    "fails (%s: %s)", err.code, err.message);
		free(in);
	}
	if ((in = load("photo.avif", &len)) != NULL) {
		heif_set_ispe(in, len, 0x7fffffff, 2);
		too_large("AVIF claiming 2147483647x2", in, len);
		free(in);
	}

	/* Truncated files, and headers damaged by a flipped byte. */
	for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		if ((in = load(cut[i], &len)) == NULL)
			continue;
		snprintf(what, sizeof what, "%s cut in half", cut[i]);
		corrupt(what, in, len / 2);
		snprintf(what, sizeof what, "%s cut to 20 bytes", cut[i]);
		corrupt(what, in, 20);
		free(in);
	}
	n = make_bmp(buf, 40, 8, 8, 1);
	put16le(buf + 26, 2);				/* planes */
	corrupt("BMP with 2 planes", buf, n);
	n = make_bmp(buf, 40, 8, 8, 1);
	corrupt("BMP missing its last row", buf, n - 24);
	n = make_tiff(buf, 0, 3, 12, 10, 1);
	buf[10 + 12 + 4] = 2;				/* ImageLength count */
	corrupt("TIFF with 2 ImageLength values", buf, n);
	n = make_tiff(buf, 1, 3, 12, 10, 1);
	corrupt("TIFF missing its last rows", buf, n - 30);
	free(buf);
}

/*
 * With the default formats (what a reload to them leaves), BMP, TIFF, HEIF
 * and JPEG XL are refused from their sniffed magic, and their coders are
 * gone: GraphicsMagick never sees the bytes.  Adding one back needs a
 * restart.
 */
static void
test_default_formats(void)
{
	static const char *const names[] = { "photo.bmp", "photo.tiff",
	    "pages.tiff", "photo.heic", "photo.avif", "photo.jxl", "box.jxl",
	    "anim.jxl" };
	struct thumbq_conf	 c = conf;
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*in;
	size_t			 len = 0, i;
	char			*cause = NULL;

	c.formats = "jpeg png gif webp";
	is_int(image_init("test-image", &c, &cause), 0, "reload to the default "
	    "formats");
	test_coders();
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((in = load(names[i], &len)) == NULL) {
			ok(0, "%s loads", names[i]);
			continue;
		}
		is_int(thumb(in, len, 100, 100, &res, &err), -1, "%s refused "
		    "with the default formats", names[i]);
		is_str(err.code, "unsupported_format", "%s: unsupported_format",
		    names[i]);
		ok(strstr(err.message, "not accepted") != NULL, "%s: refused "
		    "from its header (%s)", names[i], err.message);
		free(in);
	}
	c.formats = "jpeg png gif webp tiff";
	is_int(image_init("test-image", &c, &cause), -1, "reload adding tiff "
	    "back fails");
	ok(cause != NULL && strstr(cause, "tiff") != NULL && strstr(cause,
	    "restart") != NULL, "reload adding tiff: says why (%s)",
	    cause ? cause : "(null)");
	free(cause);
}

static void
test_init_errors(void)
{
	struct thumbq_conf	 c = conf;
	char			*cause = NULL;

	c.formats = "jpeg tga";
	is_int(image_init("test-image", &c, &cause), -1, "formats with tga "
	    "refused");
	ok(cause != NULL && strstr(cause, "tga") != NULL &&
	    strstr(cause, "jpeg png gif webp bmp tiff heif jxl") != NULL,
	    "tga: cause names it and the known formats (%s)",
	    cause ? cause : "(null)");
	free(cause);
	cause = NULL;
	c.formats = " ";
	is_int(image_init("test-image", &c, &cause), -1, "empty formats "
	    "refused");
	ok(cause != NULL, "empty formats: cause set");
	free(cause);
}

static void
put24le(unsigned char *p, uint32_t v)
{
	put16le(p, v & 0xffff);
	p[2] = (v >> 16) & 0xff;
}

/* A GraphicsMagick image resized to w x h with Lanczos, as a WebP. */
static unsigned char *
webp_of(const char *fixture, unsigned long w, unsigned long h,
    unsigned quality, int lossless, size_t *len)
{
	ExceptionInfo	 ex;
	Image		*src, *big;
	unsigned char	*in, *out = NULL;
	size_t		 n = 0;

	if ((in = load(fixture, &n)) == NULL)
		return NULL;
	src = decode_bytes(in, n);
	free(in);
	if (src == NULL)
		return NULL;
	GetExceptionInfo(&ex);
	big = ResizeImage(src, w, h, LanczosFilter, 1.0, &ex);
	if (big != NULL) {
		out = encode_webp(big, quality, lossless, len);
		DestroyImageList(big);
	}
	DestroyImageList(src);
	DestroyExceptionInfo(&ex);
	return out;
}

/*
 * An animated WebP of one frame: the bitstream chunk of a simple still
 * (lossy "VP8 " or lossless "VP8L" right after the RIFF header), at x,y
 * (even) on a transparent cw x ch canvas.
 */
static unsigned char *
anim_of(const unsigned char *still, size_t slen, unsigned long cw,
    unsigned long ch, unsigned long x, unsigned long y, unsigned long fw,
    unsigned long fh, size_t *len)
{
	unsigned char	*out, *p;
	size_t		 bits = slen - 12, n;

	n = 12 + 18 + 14 + 8 + 16 + bits;
	if ((out = p = calloc(1, n)) == NULL)
		abort();
	memcpy(p, "RIFF", 4);
	put32le(p + 4, (uint32_t)(n - 8));
	memcpy(p + 8, "WEBPVP8X", 8);
	put32le(p + 16, 10);
	p[20] = 0x02 | 0x10;		/* animation, alpha */
	put24le(p + 24, (uint32_t)(cw - 1));
	put24le(p + 27, (uint32_t)(ch - 1));
	p += 30;
	memcpy(p, "ANIM", 4);
	put32le(p + 4, 6);		/* background 0,0,0,0; loop 0 */
	p += 14;
	memcpy(p, "ANMF", 4);
	put32le(p + 4, (uint32_t)(16 + bits));
	put24le(p + 8, (uint32_t)(x / 2));
	put24le(p + 11, (uint32_t)(y / 2));
	put24le(p + 14, (uint32_t)(fw - 1));
	put24le(p + 17, (uint32_t)(fh - 1));
	put24le(p + 20, 100);		/* 100 ms */
	memcpy(p + 24, still + 12, bits);
	*len = n;
	return out;
}

/*
 * WebP is decoded by libwebp straight to twice the thumbnail: what the
 * full-size decode gave (alpha, ICC profile, an animation's first frame on
 * its canvas, errors for damaged files) must not change.  The pixel
 * quality is in test_psnr().
 */
static void
test_webp_scaled(void)
{
	/* alpha.png at 400x400 in 100x100. */
	static const struct probe alpha_kept[] = {
		{ 2, 2, 0, 0, 0, 0, 0 }, { 25, 25, 0, 0, 255, 255, 30 },
		{ 75, 75, 255, 0, 0, 128, 40 }, { 97, 3, 0, 0, 0, 0, 0 },
	};
	static const struct probe alpha_white[] = {
		{ 2, 2, 255, 255, 255, 255, 20 }, { 25, 25, 0, 0, 255, 255, 30 },
		{ 75, 75, 255, 127, 127, 255, 30 },
	};
	/* The 800x600 frame at 400,296 of 1600x1200, in 100x75: x 25-75,
	 * y 18.5-56; transparent on each side (Lanczos rings colour, not
	 * alpha, into the pixels next to it), opaque inside. */
	static const struct probe framed[] = {
		{ 5, 5, 0, 0, 0, 0, 0 }, { 95, 70, 0, 0, 0, 0, 0 },
		{ 15, 37, 0, 0, 0, 0, 0 }, { 85, 37, 0, 0, 0, 0, 0 },
		{ 50, 8, 0, 0, 0, 0, 0 }, { 50, 66, 0, 0, 0, 0, 0 },
	};
	static const char *const cuts[] = { "photo.webp", "alpha.webp",
	    "lossless.webp" };
	struct image_request	 req;
	struct image_result	 res;
	struct job_error	 err;
	ExceptionInfo		 ex;
	Image			*frame, *canvas, *ref, *out;
	unsigned char		*in, *png, *anim, *bad;
	unsigned char		*rgba;
	size_t			 len = 0, plen = 0, alen = 0, i, k, bad_cuts;
	double			 p;
	int			 lossless, rv;

	/*
	 * Decoded at the reduced size: under a GraphicsMagick limit of 1000
	 * pixels a side, which refuses the same picture as a PNG (decoded at
	 * full size), the 1600x1200 WebP still makes its thumbnail.
	 */
	in = webp_of("big.jpg", 1600, 1200, 90, 0, &len);
	png = NULL;
	if ((frame = decode_bytes(in != NULL ? in : (unsigned char *)"", len))
	    != NULL) {
		png = encode(frame, "PNG", 0, &plen);
		DestroyImageList(frame);
	}
	if (ok(in != NULL && png != NULL, "big.jpg as 1600x1200 webp and "
	    "png")) {
		SetMagickResourceLimit(WidthResource, 1000);
		SetMagickResourceLimit(HeightResource, 1000);
		rv = thumb(png, plen, 100, 100, &res, &err);
		ok(rv == -1, "1600x1200 png refused under a 1000-pixel width "
		    "limit (%s)", rv == 0 ? "made" : err.message);
		if (rv == 0)
			free(res.data);
		rv = thumb(in, len, 100, 100, &res, &err);
		ok(rv == 0 && res.width == 100 && res.height == 75,
		    "1600x1200 webp made under the same limit: decoded at "
		    "200x150 (%s)", rv == 0 ? "made" : err.message);
		if (rv == 0)
			free(res.data);
		req = rq(120, 50);
		req.mode = IMAGE_FILL;
		rv = run(in, len, &req, &res, &err);
		ok(rv == 0 && res.width == 120 && res.height == 50,
		    "1600x1200 webp fill 120x50 under the same limit: cropped "
		    "and decoded at 240x100 (%s)", rv == 0 ? "made" :
		    err.message);
		if (rv == 0)
			free(res.data);
		image_child_init(&conf);
	}
	free(png);
	free(in);

	/* Alpha kept, lossy (ALPH chunk) and lossless, and flattened for
	 * JPEG. */
	for (lossless = 0; lossless <= 1; lossless++) {
		const char *kind = lossless ? "lossless" : "lossy";

		if (!ok((in = webp_of("alpha.png", 400, 400, 90, lossless,
		    &len)) != NULL, "alpha.png as 400x400 %s webp", kind))
			continue;
		req = rq(100, 100);
		if (ok(run(in, len, &req, &res, &err) == 0 &&
		    res.width == 100 && res.height == 100, "alpha %s webp: "
		    "100x100", kind)) {
			is_str(res.ext, "png", "alpha %s webp: auto is png",
			    kind);
			check_probes(lossless ? "alpha lossless webp: alpha kept"
			    : "alpha lossy webp: alpha kept", &res, alpha_kept,
			    4);
			free(res.data);
		}
		req.format = IMAGE_JPEG;
		if (ok(run(in, len, &req, &res, &err) == 0, "alpha %s webp "
		    "as jpeg", kind)) {
			check_probes(lossless ? "alpha lossless webp as jpeg: "
			    "on white" : "alpha lossy webp as jpeg: on white",
			    &res, alpha_white, 3);
			free(res.data);
		}
		free(in);
	}

	/* The ICC profile is still applied. */
	if (ok((in = webp_of("icc-swapped.jpg", 480, 300, 90, 0, &len)) !=
	    NULL && contains(in, len, "ICCP"), "icc-swapped.jpg as 480x300 "
	    "webp with its ICCP chunk")) {
		if (ok(thumb(in, len, 100, 100, &res, &err) == 0 &&
		    res.width == 100 && res.height == 63, "icc webp: 100x63")) {
			check_probes("icc webp: converted through its profile",
			    &res, icc_swapped_probes, 4);
			ok(!contains(res.data, res.len, "ICC_PROFILE"),
			    "icc webp: no profile in the thumbnail");
			free(res.data);
		}
	}
	free(in);

	/*
	 * An animation's first frame, scaled with its canvas: an 800x600
	 * frame at 400,296 of a 1600x1200 canvas, against the frame decoded
	 * at full size, put on the canvas and resized.
	 */
	in = webp_of("big.jpg", 800, 600, 90, 0, &len);
	anim = in != NULL && memcmp(in + 12, "VP8 ", 4) == 0 ?
	    anim_of(in, len, 1600, 1200, 400, 296, 800, 600, &alen) : NULL;
	if (ok(anim != NULL, "animated webp: 800x600 frame on 1600x1200")) {
		req = rq(100, 100);
		rv = run(anim, alen, &req, &res, &err);
		if (ok(rv == 0 && res.width == 100 && res.height == 75,
		    "animated webp: 100x75 (%s)", rv == 0 ? "made" :
		    err.message)) {
			check_probes("animated webp: transparent around the "
			    "frame", &res, framed, 6);
			ref = NULL;
			GetExceptionInfo(&ex);
			frame = decode_bytes(in, len);
			if ((rgba = calloc(1600 * 1200, 4)) == NULL)
				abort();
			canvas = ConstituteImage(1600, 1200, "RGBA", CharPixel,
			    rgba, &ex);
			free(rgba);
			if (frame != NULL && canvas != NULL &&
			    CompositeImage(canvas, CopyCompositeOp, frame, 400,
			    296) == MagickPass)
				ref = ResizeImage(canvas, 100, 75,
				    LanczosFilter, 1.0, &ex);
			out = decode(&res);
			p = out != NULL && ref != NULL ? psnr(out, ref) : -1;
			printf("# psnr %-34s fit 100x100 png  100x75: %5.1f dB "
			    "(floor 40)\n", "animated webp frame", p);
			ok(p >= 40, "psnr animated webp, frame on its canvas: "
			    "%.1f dB >= 40 dB", p);
			if (out != NULL)
				DestroyImageList(out);
			if (ref != NULL)
				DestroyImageList(ref);
			if (canvas != NULL)
				DestroyImageList(canvas);
			if (frame != NULL)
				DestroyImageList(frame);
			DestroyExceptionInfo(&ex);
			free(res.data);
		}
	}
	free(anim);
	free(in);

	/*
	 * Damage, in a box small enough for every fixture to be decoded
	 * scaled: every truncation is image_corrupt, a flipped byte anywhere
	 * gives a thumbnail or image_corrupt, never a crash.
	 */
	for (k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
		if ((in = load(cuts[k], &len)) == NULL) {
			ok(0, "%s loads", cuts[k]);
			continue;
		}
		bad_cuts = 0;
		for (i = 12; i < len; i++) {
			if (thumb(in, i, 20, 20, &res, &err) == 0) {
				free(res.data);
				bad_cuts++;
			} else if (err.code == NULL ||
			    strcmp(err.code, "image_corrupt") != 0) {
				printf("# %s cut at %zu: %s\n", cuts[k], i,
				    err.code ? err.code : "(no code)");
				bad_cuts++;
			}
		}
		ok(bad_cuts == 0, "%s cut at each of %zu lengths, box 20x20: "
		    "image_corrupt each time", cuts[k], len - 12);
		if ((bad = malloc(len)) == NULL)
			abort();
		bad_cuts = 0;
		for (i = 12; i < len; i++) {
			memcpy(bad, in, len);
			bad[i] ^= 0xff;
			if (thumb(bad, len, 20, 20, &res, &err) == 0)
				free(res.data);
			else if (err.code == NULL ||
			    (strcmp(err.code, "image_corrupt") != 0 &&
			    strcmp(err.code, "image_too_large") != 0 &&
			    strcmp(err.code, "unsupported_format") != 0)) {
				printf("# %s byte %zu flipped: %s (%s)\n",
				    cuts[k], i, err.code ? err.code :
				    "(no code)", err.message);
				bad_cuts++;
			}
		}
		ok(bad_cuts == 0, "%s with each byte flipped, box 20x20: a "
		    "thumbnail or a refusal each time", cuts[k]);
		free(bad);
		free(in);
	}

	/* A VP8X canvas that is not the bitstream's size. */
	if ((in = load("alpha.webp", &len)) != NULL &&
	    ok(memcmp(in + 12, "VP8X", 4) == 0, "alpha.webp is VP8X")) {
		put24le(in + 24, 1000 - 1);
		put24le(in + 27, 800 - 1);
		is_int(thumb(in, len, 100, 100, &res, &err), -1, "alpha.webp "
		    "with a 1000x800 canvas refused");
		is_str(err.code, "image_corrupt", "canvas not the bitstream's "
		    "size: image_corrupt (%s)", err.message);
	}
	free(in);
}

/* A thumbnail of in with gravity g, and the colour at x, y of it. */
static struct rgba
gravity_pixel(const unsigned char *in, size_t len, unsigned bw, unsigned bh,
    enum image_gravity g, unsigned fx, unsigned fy, long x, long y)
{
	struct image_request	 req = rq(bw, bh);
	struct image_result	 res;
	struct job_error	 err;
	struct rgba		 c = { -1, -1, -1, -1 };

	req.mode = IMAGE_FILL;
	req.gravity = g;
	req.focus_x = fx;
	req.focus_y = fy;
	if (run(in, len, &req, &res, &err) == 0) {
		if (res.width == bw && res.height == bh)
			c = pixel_of(&res, x, y);
		free(res.data);
	}
	return c;
}

/* A 400x200 JPEG, flat grey, with a 40x40 patch of black and white squares
 * and a red bar under it, at x0. */
static unsigned char *
patch_picture(long x0, size_t *len)
{
	unsigned char	*rgb, *out;
	ExceptionInfo	 ex;
	Image		*image;
	long		 x, y;

	if ((rgb = malloc(400 * 200 * 3)) == NULL)
		abort();
	memset(rgb, 128, 400 * 200 * 3);
	for (y = 60; y < 140; y++)
		for (x = x0; x < x0 + 40; x++) {
			unsigned char *p = rgb + (y * 400 + x) * 3;

			if (y < 100)
				memset(p, ((x / 4 + y / 4) % 2) ? 255 : 0, 3);
			else {
				p[0] = 230;
				p[1] = 20;
				p[2] = 20;
			}
		}
	GetExceptionInfo(&ex);
	image = ConstituteImage(400, 200, "RGB", CharPixel, rgb, &ex);
	DestroyExceptionInfo(&ex);
	free(rgb);
	if (image == NULL)
		return NULL;
	out = encode(image, "JPEG", 95, len);
	DestroyImage(image);
	return out;
}

/*
 * gravity through the pipeline.  quadrants.jpg is 160x100 (red, green /
 * blue, black); a 100x100 fill keeps 100 columns: center 30-129, west
 * 0-99, east 60-159.  exif-6.jpg is the same turned: shown 100x160, top
 * half blue (left) and red, bottom half black and green; north and south
 * are the top and bottom of the picture as shown, which are the left and
 * right of the stored pixels.
 */
static void
test_gravity(void)
{
	static const struct {
		int six;		/* exif-6.jpg, else quadrants.jpg */
		enum image_gravity g;
		unsigned fx, fy;
		long x, y;
		int r, gr, b;
		const char *what;
	} t[] = {
		{ 0, IMAGE_GRAVITY_CENTER, 0, 0, 70, 10, 0, 255, 0,
		    "center: column 70 is source 100, green" },
		{ 0, IMAGE_GRAVITY_WEST, 0, 0, 70, 10, 255, 0, 0,
		    "west: column 70 is source 70, red" },
		{ 0, IMAGE_GRAVITY_EAST, 0, 0, 30, 10, 0, 255, 0,
		    "east: column 30 is source 90, green" },
		{ 0, IMAGE_GRAVITY_SOUTHWEST, 0, 0, 70, 90, 0, 0, 255,
		    "southwest: column 70 is source 70, blue at the bottom" },
		{ 0, IMAGE_GRAVITY_FOCUS, 0, 5000, 70, 10, 255, 0, 0,
		    "focus 0, 0.5: as west, red" },
		{ 0, IMAGE_GRAVITY_FOCUS, 9000, 5000, 30, 10, 0, 255, 0,
		    "focus 0.9, 0.5: as east, green" },
		{ 1, IMAGE_GRAVITY_CENTER, 0, 0, 5, 70, 0, 0, 0,
		    "exif-6, center: row 70 is shown row 100, black" },
		{ 1, IMAGE_GRAVITY_CENTER, 0, 0, 5, 30, 0, 0, 255,
		    "exif-6, center: row 30 is shown row 60, blue" },
		{ 1, IMAGE_GRAVITY_NORTH, 0, 0, 5, 70, 0, 0, 255,
		    "exif-6, north: the top as shown, row 70 blue" },
		{ 1, IMAGE_GRAVITY_SOUTH, 0, 0, 5, 30, 0, 0, 0,
		    "exif-6, south: the bottom as shown, row 30 is shown row "
		    "90, black" },
		{ 1, IMAGE_GRAVITY_FOCUS, 5000, 0, 5, 70, 0, 0, 255,
		    "exif-6, focus 0.5, 0: the top as shown, blue" },
	};
	unsigned char	*in[2];
	size_t		 len[2] = { 0, 0 }, i;
	struct rgba	 c;

	in[0] = load("quadrants.jpg", &len[0]);
	in[1] = load("exif-6.jpg", &len[1]);
	if (in[0] == NULL || in[1] == NULL) {
		ok(0, "quadrants.jpg and exif-6.jpg load");
		free(in[0]);
		free(in[1]);
		return;
	}
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		c = gravity_pixel(in[t[i].six], len[t[i].six], 100, 100,
		    t[i].g, t[i].fx, t[i].fy, t[i].x, t[i].y);
		ok(near(c, t[i].r, t[i].gr, t[i].b, 255, 60), "%s " RGBA_FMT,
		    t[i].what, RGBA_ARGS(c));
	}
	free(in[0]);
	free(in[1]);
}

/* smart finds a detailed patch and the red bar under it on grey, at the
 * left, in the middle and at the right, where center would cut it off:
 * 400x200 to 100x100 is a 200x200 crop at half the size, the bar (source
 * rows 100-139, 40 columns) 20 columns across row 60. */
static void
test_gravity_smart(void)
{
	struct image_request	 req = rq(100, 100);
	struct image_result	 res;
	struct job_error	 err;
	unsigned char		*pic;
	size_t			 plen = 0;
	Image			*image;
	long			 x0, x, reds;

	req.mode = IMAGE_FILL;
	req.gravity = IMAGE_GRAVITY_SMART;
	for (x0 = 10; x0 <= 350; x0 += 170) {
		if ((pic = patch_picture(x0, &plen)) == NULL) {
			ok(0, "the patch picture encodes");
			break;
		}
		if (run(pic, plen, &req, &res, &err) != 0 ||
		    (image = decode(&res)) == NULL) {
			ok(0, "smart, patch at %ld: thumbnail", x0);
			free(pic);
			continue;
		}
		for (x = 0, reds = 0; x < 100; x++)
			reds += near(px_at(image, x, 60), 230, 20, 20, 255, 50);
		ok(reds >= 16 && reds <= 22, "smart, patch at %ld of 400: its "
		    "red bar, 20 columns, whole in the thumbnail (%ld red)",
		    x0, reds);
		DestroyImageList(image);
		free(res.data);
		free(pic);
	}
	/* Every kind of decoded image reaches smartcrop as 8-bit RGB(A):
	 * transparency, a palette, CMYK, grey, 16 bits, a turned photo. */
	static const char *const kinds[] = {
		"alpha.png", "alpha.webp", "anim.gif", "cmyk.jpg", "gray.jpg",
		"deep.png", "exif-6.jpg", "big.jpg",
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		if ((pic = load(kinds[k], &plen)) == NULL) {
			ok(0, "%s loads", kinds[k]);
			continue;
		}
		req = rq(50, 30);
		req.mode = IMAGE_FILL;
		req.gravity = IMAGE_GRAVITY_SMART;
		ok(run(pic, plen, &req, &res, &err) == 0 && res.width == 50 &&
		    res.height == 30, "smart %s in 50x30: 50x30", kinds[k]);
		if (res.data != NULL)
			free(res.data);
		free(pic);
	}
}

int
main(int argc, char **argv)
{
	char	*cause = NULL;

	(void)argc;
	/* Every format, so that every coder stays: a reload can drop one
	 * (test_default_formats) but not add it back. */
	conf.formats = "jpeg, png gif webp bmp TIFF heic avif jxl";
	conf.max_pixels = 50000000;
	conf.max_dimension = 20000;
	conf.quality = 85;

	test_init_errors();
	if (!ok(image_init(argv[0], &conf, &cause) == 0, "image_init")) {
		printf("# %s\n", cause ? cause : "");
		free(cause);
		return tap_done();
	}
	image_child_init(&conf);

	test_coders_are("JPEG PNG GIF WEBP BMP TIFF HEIF JXL");
	test_fixtures();
	test_more_formats();
	test_small_and_boxes();
	test_modes();
	test_pad_and_fill_pixels();
	test_gravity();
	test_gravity_smart();
	test_formats();
	test_quality();
	test_quality_map();
	test_modern_formats();
	test_invalid_requests();
	test_orientation();
	test_colour();
	test_animation();
	test_transparency();
	test_psnr();
	test_webp_scaled();
	test_refusals();
	test_corrupt();
	test_decoder_limits();
	test_default_formats();
	test_reload();
	image_shutdown();
	return tap_done();
}
