/* test-variants.c: image_thumbnails(), several thumbnails of one image from
 * one decode: each at its own size, mode and format, in the order asked,
 * as good as the same thumbnail made alone; a request the image side
 * refuses fails them all; and the placeholder (BlurHash, dominant colour)
 * of synthetic images whose answer is known. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <magick/api.h>

#include "conf.h"
#include "image.h"
#include "joberror.h"
#include "fixture.h"
#include "tap.h"

static struct thumbq_conf conf;

/* 8-bit RGB of an encoded thumbnail, and its size; NULL if it does not
 * decode. */
static unsigned char *
pixels(const struct image_result *res, unsigned *w, unsigned *h)
{
	ExceptionInfo ex;
	ImageInfo *info = CloneImageInfo(NULL);
	Image *image;
	unsigned char *px = NULL;

	GetExceptionInfo(&ex);
	image = BlobToImage(info, res->data, res->len, &ex);
	if (image != NULL) {
		*w = (unsigned)image->columns;
		*h = (unsigned)image->rows;
		px = malloc((size_t)*w * *h * 3);
		if (px == NULL || DispatchImage(image, 0, 0, *w, *h, "RGB",
		    CharPixel, px, &ex) != MagickPass) {
			free(px);
			px = NULL;
		}
		DestroyImage(image);
	}
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return px;
}

/* PSNR in dB of two thumbnails of the same size (0 if they are not). */
static double
psnr(const struct image_result *a, const struct image_result *b)
{
	unsigned aw, ah, bw, bh;
	unsigned char *pa = pixels(a, &aw, &ah), *pb = pixels(b, &bw, &bh);
	double se = 0, db = 0;
	size_t n = (size_t)aw * ah * 3;

	if (pa != NULL && pb != NULL && aw == bw && ah == bh) {
		for (size_t i = 0; i < n; i++)
			se += (double)(pa[i] - pb[i]) * (pa[i] - pb[i]);
		se /= (double)n;
		db = se == 0 ? 99 : 10 * log10(255.0 * 255.0 / se);
	}
	free(pa);
	free(pb);
	return db;
}

static void
free_results(struct image_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(res[i].data);
		res[i].data = NULL;
	}
}

/* Three variants of each fixture: the right sizes and formats, in the
 * order asked, and each close to the same thumbnail made alone (the
 * shared decode is at least as large as each one's own). */
static void
test_sizes(void)
{
	static const struct {
		const char *name;
		const char *want[3];
	} cases[] = {
		{ "big.jpg", { "webp 400x300", "jpg 200x150", "png 100x75" } },
		{ "photo.jpg", { "webp 400x300", "jpg 200x133", "png 100x67" } },
		/* stored 160x100, shown 100x160 (EXIF 6): boxes apply to
		 * the picture as shown */
		{ "exif-6.jpg", { "webp 400x300", "jpg 100x160", "png 63x100" } },
		{ "photo.webp", { "webp 400x300", "jpg 200x150", "png 100x75" } },
		{ "alpha.png", { "webp 400x300", "png 200x200", "png 100x100" } },
	};
	struct image_request reqs[3] = {
		{ .width = 400, .height = 300, .mode = IMAGE_FILL,
		    .format = IMAGE_WEBP, .quality = 85 },
		{ .width = 200, .height = 200, .quality = 85 },
		{ .width = 100, .height = 100, .format = IMAGE_PNG },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct image_result res[3], alone;
		struct job_error err;
		unsigned char *in;
		size_t len = 0;
		char got[32];

		if (!ok((in = load(cases[c].name, &len)) != NULL, "%s loads",
		    cases[c].name))
			continue;
		if (!ok(image_thumbnails(in, len, reqs, 3, res, NULL,
		    &err) == 0, "%s: three variants (%s)", cases[c].name,
		    err.message)) {
			free(in);
			continue;
		}
		for (size_t i = 0; i < 3; i++) {
			snprintf(got, sizeof got, "%s %ux%u", res[i].ext,
			    res[i].width, res[i].height);
			is_str(got, cases[c].want[i], "%s: variant %zu",
			    cases[c].name, i);
			if (image_thumbnail(in, len, &reqs[i], &alone,
			    &err) != 0) {
				ok(0, "%s: variant %zu alone", cases[c].name,
				    i);
				continue;
			}
			ok(psnr(&res[i], &alone) >= 35, "%s: variant %zu is the "
			    "thumbnail made alone (%.1f dB)", cases[c].name, i,
			    psnr(&res[i], &alone));
			free(alone.data);
		}
		free_results(res, 3);
		free(in);
	}
}

/* One request the image side refuses fails every thumbnail, with no
 * data left behind; one thumbnail goes exactly as image_thumbnail. */
static void
test_refusals(void)
{
	struct image_request reqs[2] = {
		{ .width = 100, .height = 100 },
		{ .width = 0, .height = 100 },
	};
	struct image_result res[2], one, alone;
	struct job_error err;
	unsigned char *in;
	size_t len = 0;

	if ((in = load("photo.jpg", &len)) == NULL) {
		ok(0, "photo.jpg loads");
		return;
	}
	memset(res, 0x5a, sizeof res);
	is_int(image_thumbnails(in, len, reqs, 2, res, NULL, &err), -1,
	    "a refused variant fails the job");
	ok(res[0].data == NULL && res[1].data == NULL, "and leaves no data");
	is_str(err.code, "image_failed", "image_failed (%s)", err.message);
	is_int(image_thumbnails(in, len, reqs, 0, res, NULL, &err), -1,
	    "no request: refused");
	is_int(image_thumbnails(in, len, reqs, IMAGE_MAX_OUTPUTS + 1, res,
	    NULL, &err), -1, "more than IMAGE_MAX_OUTPUTS: refused");
	if (image_thumbnails(in, len, reqs, 1, &one, NULL, &err) == 0 &&
	    image_thumbnail(in, len, reqs, &alone, &err) == 0) {
		ok(one.len == alone.len && memcmp(one.data, alone.data,
		    one.len) == 0, "one request: the same bytes as "
		    "image_thumbnail");
		free(one.data);
		free(alone.data);
	} else
		ok(0, "one request thumbnails");
	free(in);
}

/* A PNG of w x h pixels of colour bg, with a square of fg over its
 * left half's lower middle; alpha 0 for the square when clear. */
static unsigned char *
synthetic(unsigned w, unsigned h, const unsigned char bg[4],
    const unsigned char fg[4], size_t *len)
{
	ExceptionInfo ex;
	ImageInfo *info = CloneImageInfo(NULL);
	unsigned char *px = malloc((size_t)w * h * 4), *blob, *out = NULL;
	Image *image;

	GetExceptionInfo(&ex);
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < w; x++) {
			int in = x >= w / 8 && x < w * 3 / 8 && y >= h / 2 &&
			    y < h * 3 / 4;

			memcpy(px + ((size_t)y * w + x) * 4, in ? fg : bg, 4);
		}
	image = ConstituteImage(w, h, "RGBA", CharPixel, px, &ex);
	snprintf(info->magick, sizeof info->magick, "PNG");
	snprintf(image->magick, sizeof image->magick, "PNG");
	blob = ImageToBlob(info, image, len, &ex);
	if (blob != NULL) {
		out = malloc(*len);
		memcpy(out, blob, *len);
		MagickFree(blob);
	}
	DestroyImage(image);
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	free(px);
	return out;
}

/* A PNG is decoded whole: variants share it brought down once to twice
 * what the largest needs (image_share), and still come out at the sizes
 * made alone, as good. */
static void
test_shared(void)
{
	static const unsigned char bg[4] = { 40, 90, 160, 255 };
	static const unsigned char fg[4] = { 240, 200, 30, 255 };
	struct image_request reqs[3] = {
		{ .width = 64, .height = 64, .mode = IMAGE_PAD },
		{ .width = 300, .height = 300, .mode = IMAGE_FILL,
		    .format = IMAGE_WEBP },
		{ .width = 200, .height = 200 },
	};
	struct image_result res[3], alone;
	struct job_error err;
	size_t len;
	unsigned char *in = synthetic(2000, 1500, bg, fg, &len);

	if (!ok(in != NULL && image_thumbnails(in, len, reqs, 3, res, NULL,
	    &err) == 0, "three variants of a 2000x1500 PNG (%s)",
	    err.message)) {
		free(in);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		if (image_thumbnail(in, len, &reqs[i], &alone, &err) != 0) {
			ok(0, "variant %zu alone", i);
			continue;
		}
		ok(res[i].width == alone.width && res[i].height == alone.height &&
		    strcmp(res[i].ext, alone.ext) == 0, "variant %zu: %s %ux%u, "
		    "as made alone", i, res[i].ext, res[i].width, res[i].height);
		ok(psnr(&res[i], &alone) >= 35, "variant %zu: as good as made "
		    "alone (%.1f dB)", i, psnr(&res[i], &alone));
		free(alone.data);
	}
	free_results(res, 3);
	free(in);
}

/* The DC of a BlurHash: characters 2-5 in base 83, 0xRRGGBB. */
static unsigned long
dc(const char *hash)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
	unsigned long v = 0;

	for (int i = 2; i < 6 && hash[i] != '\0'; i++)
		v = v * 83 + (unsigned long)(strchr(digits, hash[i]) - digits);
	return v;
}

static void
test_placeholder(void)
{
	static const unsigned char blue[4] = { 0x20, 0x40, 0x60, 255 };
	static const unsigned char yellow[4] = { 250, 220, 40, 255 };
	static const unsigned char clear[4] = { 0, 0, 0, 0 };
	struct image_request req = { .width = 50, .height = 50 };
	struct image_placeholder ph;
	struct image_result res;
	struct job_error err;
	unsigned char *in;
	size_t len;

	char flat[BLURHASH_MAX];

	/* A flat picture: 4x3 components (L), and the average colour (DC,
	 * characters 2-5) is its colour. */
	in = synthetic(300, 200, blue, blue, &len);
	ok(image_thumbnails(in, len, &req, 1, &res, &ph, &err) == 0,
	    "a flat picture's placeholder");
	is_str(ph.color, "#204060", "its dominant colour is its colour");
	ok(strlen(ph.blurhash) == 28 && ph.blurhash[0] == 'L',
	    "its BlurHash: 4x3 components (%s)", ph.blurhash);
	is_int(dc(ph.blurhash), 0x204060, "its BlurHash's DC is its colour");
	snprintf(flat, sizeof flat, "%s", ph.blurhash);
	free(res.data);
	free(in);

	/* A yellow patch on blue: blue dominates; the hash differs, and
	 * its average is yellower. */
	in = synthetic(300, 200, blue, yellow, &len);
	ok(image_thumbnails(in, len, &req, 1, &res, &ph, &err) == 0,
	    "a patch on a flat picture");
	is_str(ph.color, "#204060", "the background dominates");
	ok(strcmp(ph.blurhash + 6, flat + 6) != 0, "the patch is in the "
	    "BlurHash's AC components (%s)", ph.blurhash);
	ok((dc(ph.blurhash) >> 16) > 0x20, "and in its average (%06lx)",
	    dc(ph.blurhash));
	free(res.data);
	free(in);

	/* A hole in blue: the transparent pixels do not count for the
	 * colour, and are white (the page) in the hash. */
	in = synthetic(300, 200, blue, clear, &len);
	ok(image_thumbnails(in, len, &req, 1, &res, &ph, &err) == 0,
	    "a picture with a transparent hole");
	is_str(ph.color, "#204060", "the hole does not count");
	free(res.data);
	free(in);
}

int
main(int argc, char **argv)
{
	char *cause = NULL;

	(void)argc;
	conf.formats = "jpeg, png gif webp";
	conf.max_pixels = 50000000;
	conf.max_dimension = 20000;
	conf.quality = 85;
	if (!ok(image_init(argv[0], &conf, &cause) == 0, "image_init")) {
		printf("# %s\n", cause ? cause : "");
		free(cause);
		return tap_done();
	}
	image_child_init(&conf);
	test_sizes();
	test_refusals();
	test_placeholder();
	test_shared();
	image_shutdown();
	return tap_done();
}
