/* test-smartcrop.c: gravity smart on synthetic pictures where the answer
 * is known (this program links no image library).  A detailed patch on a
 * flat background ends up inside the crop wherever it is: each corner, each
 * side, the middle, for the crops fill makes (the whole height of a
 * landscape, the whole width of a portrait) and for a window smaller both
 * ways; the same for a saturated flat patch, for an opaque logo on
 * transparency, and over faint noise.  A picture with nothing standing out
 * (flat, or the same detail everywhere) is cropped in the centre, as
 * center would.  Sizes it does not take are
 * refused. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartcrop.h"
#include "tap.h"

/* A w x h picture of channels 3 or 4, filled with one grey (alpha 255). */
static unsigned char *
picture(unsigned long w, unsigned long h, unsigned channels, unsigned grey)
{
	unsigned char *px;
	size_t i;

	px = malloc(w * h * channels);
	if (px == NULL)
		abort();
	for (i = 0; i < w * h; i++) {
		memset(px + i * channels, (int)grey, 3);
		if (channels == 4)
			px[i * channels + 3] = 255;
	}
	return px;
}

/* A rectangle of detail: a checkerboard of 2-pixel black and white cells. */
static void
checker(unsigned char *px, unsigned long w, unsigned channels,
    unsigned long x0, unsigned long y0, unsigned long pw, unsigned long ph)
{
	unsigned long x, y;
	unsigned char v;

	for (y = y0; y < y0 + ph; y++)
		for (x = x0; x < x0 + pw; x++) {
			v = ((x / 2 + y / 2) % 2) ? 255 : 0;
			memset(px + (y * w + x) * channels, v, 3);
			if (channels == 4)
				px[(y * w + x) * channels + 3] = 255;
		}
}

/* A flat rectangle of one colour and alpha. */
static void
fill(unsigned char *px, unsigned long w, unsigned channels, unsigned long x0,
    unsigned long y0, unsigned long pw, unsigned long ph,
    const unsigned char rgba[4])
{
	unsigned long x, y;

	for (y = y0; y < y0 + ph; y++)
		for (x = x0; x < x0 + pw; x++)
			memcpy(px + (y * w + x) * channels, rgba, channels);
}

/* Does the crop found for a cw x ch window hold the patch at px0, py0 of
 * pw x ph whole? */
static void
holds(const unsigned char *px, unsigned long w, unsigned long h,
    unsigned channels, unsigned long cw, unsigned long ch, unsigned long px0,
    unsigned long py0, unsigned long pw, unsigned long ph, const char *what)
{
	long x = -1, y = -1;
	int rc;

	rc = smartcrop_find(px, w, h, channels, cw, ch, &x, &y);
	ok(rc == 0 && x >= 0 && y >= 0 && (unsigned long)x <= px0 &&
	    (unsigned long)y <= py0 && px0 + pw <= (unsigned long)x + cw &&
	    py0 + ph <= (unsigned long)y + ch && (unsigned long)x + cw <= w &&
	    (unsigned long)y + ch <= h, "%s: a %lux%lu crop of %lux%lu holds "
	    "the patch at %lu,%lu", what, cw, ch, w, h, px0, py0);
	if (rc != 0 || (unsigned long)x > px0 || (unsigned long)y > py0 ||
	    px0 + pw > (unsigned long)x + cw || py0 + ph > (unsigned long)y + ch)
		printf("#   got %d, crop at %ld,%ld\n", rc, x, y);
}

/* The nine places of a pw x ph patch in a w x h picture: the corners, the
 * middles of the sides, the centre, 8 pixels from the edges. */
static void
place(unsigned long w, unsigned long h, unsigned long pw, unsigned long ph,
    int i, unsigned long *x, unsigned long *y)
{
	unsigned long xs[3] = { 8, (w - pw) / 2, w - pw - 8 };
	unsigned long ys[3] = { 8, (h - ph) / 2, h - ph - 8 };

	*x = xs[i % 3];
	*y = ys[i / 3];
}

static const char *const places[] = {
	"top left", "top", "top right", "left", "middle", "right",
	"bottom left", "bottom", "bottom right",
};

/* A detailed patch on flat grey, in each of the nine places, for fill's
 * crops (landscape: the whole height; portrait: the whole width) and for a
 * window smaller both ways. */
static void
test_patch(void)
{
	static const struct {
		unsigned long w, h, cw, ch;
		const char *name;
	} pics[] = {
		{ 400, 200, 200, 200, "landscape to a square" },
		{ 200, 400, 200, 200, "portrait to a square" },
		{ 300, 300, 100, 100, "a square to a smaller square" },
		{ 256, 171, 90, 171, "3:2 photo to a 9:17 strip" },
	};
	unsigned char *px;
	unsigned long x, y;
	char what[96];
	size_t k;
	int i;

	for (k = 0; k < sizeof pics / sizeof pics[0]; k++)
		for (i = 0; i < 9; i++) {
			px = picture(pics[k].w, pics[k].h, 3, 128);
			place(pics[k].w, pics[k].h, 40, 40, i, &x, &y);
			checker(px, pics[k].w, 3, x, y, 40, 40);
			snprintf(what, sizeof what, "%s, detail %s",
			    pics[k].name, places[i]);
			holds(px, pics[k].w, pics[k].h, 3, pics[k].cw,
			    pics[k].ch, x, y, 40, 40, what);
			free(px);
		}
}

/* Colour alone: a flat red square on grey has edges only at its outline,
 * and its saturation inside. */
static void
test_colour(void)
{
	static const unsigned char red[4] = { 220, 30, 30, 255 };
	unsigned char *px;
	unsigned long x, y;
	char what[64];
	int i;

	for (i = 0; i < 9; i++) {
		px = picture(400, 200, 3, 128);
		place(400, 200, 50, 50, i, &x, &y);
		fill(px, 400, 3, x, y, 50, 50, red);
		snprintf(what, sizeof what, "flat red patch %s", places[i]);
		holds(px, 400, 200, 3, 200, 200, x, y, 50, 50, what);
		free(px);
	}
}

/* RGBA: a logo (opaque, detailed) on a transparent picture whose hidden
 * colour is noise, which must not count. */
static void
test_alpha(void)
{
	unsigned char *px;
	size_t i;

	px = picture(400, 200, 4, 0);
	srand(7);
	for (i = 0; i < 400 * 200; i++) {
		px[i * 4] = (unsigned char)(rand() & 0xff);
		px[i * 4 + 1] = (unsigned char)(rand() & 0xff);
		px[i * 4 + 3] = 0;
	}
	checker(px, 400, 4, 320, 60, 40, 40);
	holds(px, 400, 200, 4, 200, 200, 320, 60, 40, 40, "an opaque logo on "
	    "transparency with noise under it");
	free(px);
}

/* Faint noise everywhere (below what counts as detail), and a patch. */
static void
test_noise(void)
{
	unsigned char *px;
	long x = -1, y = -1;
	size_t i;

	px = picture(400, 200, 3, 128);
	srand(11);
	for (i = 0; i < 400 * 200 * 3; i++)
		px[i] = (unsigned char)(124 + rand() % 9);
	ok(smartcrop_find(px, 400, 200, 3, 200, 200, &x, &y) == 0 &&
	    x == 100 && y == 0, "faint noise alone: the centre (got %ld,%ld)",
	    x, y);
	checker(px, 400, 3, 10, 80, 30, 30);
	holds(px, 400, 200, 3, 200, 200, 10, 80, 30, 30, "faint noise and a "
	    "patch on the left");
	free(px);
}

/* Nothing stands out: the centre, as center crops; two equal patches at
 * both ends: neither wins over the other, the centre-most window that
 * holds one does. */
static void
test_centre(void)
{
	unsigned char *px;
	long x = -1, y = -1;

	px = picture(400, 200, 3, 90);
	ok(smartcrop_find(px, 400, 200, 3, 200, 200, &x, &y) == 0 &&
	    x == 100 && y == 0, "flat grey: the centre (got %ld,%ld)", x, y);
	free(px);
	px = picture(401, 200, 3, 90);
	ok(smartcrop_find(px, 401, 200, 3, 200, 200, &x, &y) == 0 &&
	    x == 100 && y == 0, "flat grey, odd: the centre rounded down, as "
	    "center (got %ld,%ld)", x, y);
	free(px);
	px = picture(300, 300, 3, 90);
	checker(px, 300, 3, 0, 0, 300, 300);
	ok(smartcrop_find(px, 300, 300, 3, 100, 100, &x, &y) == 0 &&
	    x == 100 && y == 100, "detail everywhere: the centre (got "
	    "%ld,%ld)", x, y);
	free(px);
	px = picture(600, 200, 3, 90);
	checker(px, 600, 3, 0, 80, 40, 40);
	checker(px, 600, 3, 560, 80, 40, 40);
	ok(smartcrop_find(px, 600, 200, 3, 200, 200, &x, &y) == 0 &&
	    (x == 0 || x == 400), "two equal patches at both ends: one of "
	    "them whole, as near the centre as it allows (got %ld,%ld)", x, y);
	free(px);
}

static void
test_refusals(void)
{
	unsigned char px[4 * 4 * 4] = { 0 };
	long x = 5, y = 5;

	is_int(smartcrop_find(px, 4, 4, 3, 5, 4, &x, &y), -1, "a window wider "
	    "than the picture");
	is_int(smartcrop_find(px, 4, 4, 3, 4, 5, &x, &y), -1, "a window taller "
	    "than the picture");
	is_int(smartcrop_find(px, 0, 4, 3, 0, 4, &x, &y), -1, "a 0 side");
	is_int(smartcrop_find(px, 4, 4, 3, 0, 4, &x, &y), -1, "a 0 window");
	is_int(smartcrop_find(px, 4, 4, 2, 4, 4, &x, &y), -1, "2 channels");
	is_int(smartcrop_find(px, 1UL << 10, 1UL << 9, 3, 1, 1, &x, &y), -1,
	    "more than SMARTCROP_MAX_PIXELS (the pixels are not read)");
	ok(smartcrop_find(px, 1, 1, 4, 1, 1, &x, &y) == 0 && x == 0 && y == 0,
	    "1x1: the only place");
	ok(smartcrop_find(px, 4, 4, 4, 4, 4, &x, &y) == 0 && x == 0 && y == 0,
	    "a window as large as the picture: 0,0");
}

/* The largest picture it takes, detail everywhere, a window that can sit
 * anywhere both ways (the most windows): the time, for the record. */
static void
test_cost(void)
{
	struct timespec t0, t1;
	unsigned char *px;
	long x, y;
	double ms;

	px = picture(512, 512, 3, 0);
	checker(px, 512, 3, 0, 0, 512, 512);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(smartcrop_find(px, 512, 512, 3, 256, 256, &x, &y) == 0,
	    "512x512, a 256x256 window: found");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("# 512x512 with 66049 windows: %.1f ms\n", ms);
	free(px);
}

int
main(void)
{
	test_patch();
	test_colour();
	test_alpha();
	test_noise();
	test_centre();
	test_refusals();
	test_cost();
	return tap_done();
}
