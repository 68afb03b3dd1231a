/* test-geometry.c: the arithmetic of thumbnail sizes, without an image
 * library (this program links no GraphicsMagick).  Fit never enlarges and
 * keeps the aspect; fill's crop has the box's aspect, lies inside the
 * source and is centred; pad centres the fit; decoding is shrunk only when
 * the image is more than twice what the thumbnail needs, never to less.
 * Named cases first, then properties over a grid of sizes that includes
 * 1-pixel sides and extreme aspect ratios. */
#include "config.h"

#include <stdio.h>

#include "geometry.h"
#include "tap.h"

/* Sizes for the grid: 1-pixel and tiny sides, around a 100 box, the odd
 * and even neighbours of twice it, big photos, GraphicsMagick's side
 * limit. */
static const unsigned long sides[] = {
	1, 2, 3, 7, 50, 99, 100, 101, 199, 200, 201, 202, 333, 1000, 1500,
	4096, 5640, 30000, 65535,
};
#define NSIDES	(sizeof sides / sizeof sides[0])

/* Boxes: square, landscape, portrait, a 1-pixel side, the API's largest. */
static const unsigned boxes[][2] = {
	{ 100, 100 }, { 100, 67 }, { 67, 100 }, { 1, 1 }, { 1, 100 },
	{ 100, 1 }, { 640, 480 }, { 2048, 2048 },
};
#define NBOXES	(sizeof boxes / sizeof boxes[0])

static void
fit_is(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    unsigned long ww, unsigned long wh, const char *what)
{
	unsigned long	tw = 0, th = 0;

	geometry_fit(w, h, bw, bh, &tw, &th);
	ok(tw == ww && th == wh, "fit %lux%lu in %ux%u is %lux%lu (%s)", w, h,
	    bw, bh, ww, wh, what);
	if (tw != ww || th != wh)
		printf("#   got %lux%lu\n", tw, th);
}

static void
test_fit(void)
{
	fit_is(1500, 1000, 100, 100, 100, 67, "Pillow's thumbnail()");
	fit_is(1000, 1500, 100, 100, 67, 100, "portrait");
	fit_is(4000, 3000, 100, 67, 89, 67, "the height limits");
	fit_is(50, 30, 100, 100, 50, 30, "smaller: never enlarged");
	fit_is(100, 100, 100, 100, 100, 100, "exactly the box");
	fit_is(100, 30, 100, 100, 100, 30, "one side on the box");
	fit_is(50, 300, 100, 100, 17, 100, "one side over, one under");
	fit_is(1, 1, 100, 100, 1, 1, "1x1 stays 1x1");
	fit_is(1500, 1000, 1, 1, 1, 1, "into a 1x1 box");
	fit_is(1, 10000, 100, 100, 1, 100, "1x10000: width kept at 1");
	fit_is(10000, 1, 100, 100, 100, 1, "10000x1: height kept at 1");
	fit_is(30000, 2, 100, 100, 100, 1, "30000x2 rounds to 1, not 0");
	fit_is(65535, 65535, 100, 100, 100, 100, "the largest square");
	fit_is(201, 100, 100, 100, 100, 50, "49.75 rounds up");
	fit_is(203, 100, 100, 100, 100, 49, "49.26 rounds down");
}

/* Within half a pixel of exact, or 1 where exact is below one pixel. */
static int
rounded(unsigned long got, double exact)
{
	return (got - exact <= 0.5 && exact - got <= 0.5) ||
	    (got == 1 && exact < 1);
}

/* Fit over the grid: inside the box, never larger than the source, at
 * least 1x1, the source as it is when it fits, else one side on the box
 * and the other within half a pixel of the source's aspect. */
static void
test_fit_grid(void)
{
	unsigned long	w, h, tw, th;
	unsigned	bw, bh;
	size_t		i, j, b, n = 0, bad = 0;
	int		good;

	for (i = 0; i < NSIDES; i++)
	for (j = 0; j < NSIDES; j++)
	for (b = 0; b < NBOXES; b++) {
		w = sides[i];
		h = sides[j];
		bw = boxes[b][0];
		bh = boxes[b][1];
		geometry_fit(w, h, bw, bh, &tw, &th);
		n++;
		if (tw < 1 || th < 1 || tw > bw || th > bh || tw > w || th > h)
			good = 0;
		else if (w <= bw && h <= bh)
			good = tw == w && th == h;
		else
			good = (tw == bw && rounded(th, (double)h * bw / w)) ||
			    (th == bh && rounded(tw, (double)w * bh / h));
		if (!good && bad++ == 0)
			printf("# fit %lux%lu in %ux%u gave %lux%lu\n", w, h, bw,
			    bh, tw, th);
	}
	ok(bad == 0, "fit over %zu sizes and boxes: inside the box, never "
	    "enlarged, at least 1x1, aspect within half a pixel (%zu wrong)",
	    n, bad);
}

static void
crop_is(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    unsigned long cw, unsigned long ch, long x, long y, const char *what)
{
	struct geometry_rect	r = { 0, 0, -1, -1 };

	geometry_fill_crop(w, h, bw, bh, &r);
	ok(r.width == cw && r.height == ch && r.x == x && r.y == y,
	    "fill %lux%lu to %ux%u crops %lux%lu at %ld,%ld (%s)", w, h, bw, bh,
	    cw, ch, x, y, what);
	if (r.width != cw || r.height != ch || r.x != x || r.y != y)
		printf("#   got %lux%lu at %ld,%ld\n", r.width, r.height, r.x,
		    r.y);
}

static void
test_fill(void)
{
	crop_is(2000, 1000, 100, 100, 1000, 1000, 500, 0, "landscape, centred");
	crop_is(1000, 2000, 100, 100, 1000, 1000, 0, 500, "portrait, centred");
	crop_is(200, 100, 100, 50, 200, 100, 0, 0, "same aspect: all of it");
	crop_is(50, 50, 100, 100, 50, 50, 0, 0, "smaller: all of it, enlarged "
	    "later");
	crop_is(101, 100, 100, 100, 100, 100, 0, 0, "one column over: the "
	    "extra pixel is dropped on the right");
	crop_is(103, 100, 100, 100, 100, 100, 1, 0, "three over: 1 left, 2 "
	    "right");
	crop_is(4000, 3000, 100, 67, 4000, 2680, 0, 160, "wider box");
	crop_is(1, 1000, 1024, 1024, 1, 1, 0, 499, "1x1000 to cover 1024x1024");
	crop_is(10000, 1, 100, 100, 1, 1, 4999, 0, "10000x1");
	crop_is(1, 1, 100, 67, 1, 1, 0, 0, "1x1");
	crop_is(1000, 1000, 1, 100, 10, 1000, 495, 0, "a 1x100 box");
	crop_is(65535, 65535, 100, 67, 65535, 43908, 0, 10813, "the largest "
	    "square");
}

/* Fill over the grid: the crop lies inside the source and is centred,
 * keeps one whole side of it, and has the box's aspect within half a pixel
 * of the cut side, so that scaled to the box it covers it. */
static void
test_fill_grid(void)
{
	struct geometry_rect	r;
	unsigned long		w, h;
	unsigned		bw, bh;
	size_t			i, j, b, n = 0, bad = 0;
	int			good;

	for (i = 0; i < NSIDES; i++)
	for (j = 0; j < NSIDES; j++)
	for (b = 0; b < NBOXES; b++) {
		w = sides[i];
		h = sides[j];
		bw = boxes[b][0];
		bh = boxes[b][1];
		geometry_fill_crop(w, h, bw, bh, &r);
		n++;
		if (r.width < 1 || r.height < 1 || r.width > w ||
		    r.height > h || r.x != (long)((w - r.width) / 2) ||
		    r.y != (long)((h - r.height) / 2))
			good = 0;
		else
			good = (r.height == h && (r.width == w ||
			    rounded(r.width, (double)h * bw / bh))) ||
			    (r.width == w && rounded(r.height,
			    (double)w * bh / bw));
		/* Both whole: the source has the box's aspect already. */
		if (good && r.width == w && r.height == h)
			good = rounded(w, (double)h * bw / bh) ||
			    rounded(h, (double)w * bh / bw);
		if (!good && bad++ == 0)
			printf("# fill %lux%lu to %ux%u gave %lux%lu at %ld,%ld\n",
			    w, h, bw, bh, r.width, r.height, r.x, r.y);
	}
	ok(bad == 0, "fill over %zu sizes and boxes: the crop is inside, "
	    "centred, keeps a whole side and has the box's aspect (%zu wrong)",
	    n, bad);
}

/* Pad: the fit, centred on exactly the box; an odd margin leaves its extra
 * pixel on the right or at the bottom. */
static void
test_pad(void)
{
	unsigned long	tw, th;

	geometry_fit(1500, 1000, 100, 100, &tw, &th);
	is_int(geometry_centre(tw, 100), 0, "pad 1500x1000 in 100x100: "
	    "no margin left and right");
	is_int(geometry_centre(th, 100), 16, "pad 1500x1000 in 100x100: 16 "
	    "rows above the 67, 17 below");
	geometry_fit(50, 30, 100, 100, &tw, &th);
	is_int(geometry_centre(tw, 100), 25, "pad 50x30 (not enlarged): 25 "
	    "columns either side");
	is_int(geometry_centre(th, 100), 35, "pad 50x30: 35 rows either side");
	geometry_fit(1, 10000, 100, 100, &tw, &th);
	is_int(geometry_centre(tw, 100), 49, "pad 1x10000: the 1-pixel "
	    "column at x 49 (49 left, 50 right)");
	is_int(geometry_centre(1, 1), 0, "pad 1 in 1: no margin");
	is_int(geometry_centre(65535, 65535), 0, "pad a full side: no margin");
}

static void
shrink_is(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    int cover, int want, unsigned long wdw, unsigned long wdh,
    const char *what)
{
	unsigned long	dw = 0, dh = 0;
	int		r;

	r = geometry_shrink(w, h, bw, bh, cover, &dw, &dh);
	if (want)
		ok(r == 1 && dw == wdw && dh == wdh, "%s %lux%lu for %ux%u "
		    "decodes at %lux%lu (%s)", cover ? "fill" : "fit", w, h,
		    bw, bh, wdw, wdh, what);
	else
		ok(r == 0, "%s %lux%lu for %ux%u decodes whole (%s)",
		    cover ? "fill" : "fit", w, h, bw, bh, what);
	if (r != want || (want && (dw != wdw || dh != wdh)))
		printf("#   got %d, %lux%lu\n", r, dw, dh);
}

static void
test_shrink(void)
{
	shrink_is(4000, 3000, 100, 100, 0, 1, 200, 150, "twice the fit");
	shrink_is(3000, 4000, 100, 100, 0, 1, 150, 200, "portrait");
	shrink_is(4000, 3000, 100, 50, 0, 1, 200, 150, "the box's larger "
	    "side, since the orientation is not known yet");
	shrink_is(4000, 3000, 50, 100, 0, 1, 200, 150, "turned box: the same");
	shrink_is(400, 400, 100, 100, 0, 1, 200, 200, "four times the box");
	shrink_is(201, 201, 100, 100, 0, 1, 200, 200, "one pixel over twice "
	    "the box");
	shrink_is(200, 200, 100, 100, 0, 0, 0, 0, "exactly twice the box");
	shrink_is(150, 150, 100, 100, 0, 0, 0, 0, "between the box and twice "
	    "it");
	shrink_is(50, 50, 100, 100, 0, 0, 0, 0, "smaller than the box: "
	    "libjpeg would upscale");
	shrink_is(4000, 300, 100, 100, 0, 1, 200, 16, "wide but tall enough "
	    "(the fit is 100x8)");
	shrink_is(10000, 1, 100, 100, 0, 0, 0, 0, "a 1-pixel side cannot "
	    "shrink");
	shrink_is(1, 1, 100, 100, 0, 0, 0, 0, "1x1");
	shrink_is(4000, 3000, 1, 1, 0, 1, 2, 2, "a 1x1 box: 2x2 (the fit of "
	    "4000x3000 in 1x1 is 1x1)");
	shrink_is(4000, 3000, 100, 100, 1, 1, 268, 200, "fill covers the "
	    "square twice");
	shrink_is(402, 201, 100, 100, 1, 1, 400, 200, "fill, one pixel over "
	    "twice");
	shrink_is(400, 200, 100, 100, 1, 0, 0, 0, "fill, exactly twice");
	shrink_is(30000, 100, 100, 100, 1, 0, 0, 0, "fill of a strip no "
	    "taller than the box");
	shrink_is(65535, 65535, 2048, 2048, 1, 1, 4096, 4096, "the largest "
	    "square, the largest box");
}

/* Shrinking over the grid: only ever to a size below the source on both
 * sides (libjpeg upscales a hint larger than the image), in its aspect,
 * and never below twice the thumbnail: for fit, twice the fit in either
 * orientation of the box; for fill, a crop of at least twice the box
 * either way round.  The aspect: the size is twice one rounded at half
 * (fit to the nearest pixel, fill up, so that the crop is never short),
 * so within 2 decoded pixels of the source's; except a side of 2, twice
 * the 1-pixel minimum of a fit, which can be wider than the proportion. */
static int
shrink_good(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    int cover, unsigned long dw, unsigned long dh)
{
	struct geometry_rect	r;
	unsigned long		tw, th;
	double			slack = 2.0 * (w > h ? w : h);
	int			t;

	if (dw >= w || dh >= h || dw < 1 || dh < 1)
		return 0;
	if (dw != 2 && dh != 2 && ((double)dw * h - (double)dh * w > slack ||
	    (double)dh * w - (double)dw * h > slack))
		return 0;
	for (t = 0; t <= 1; t++) {
		if (!cover) {
			geometry_fit(w, h, t ? bh : bw, t ? bw : bh, &tw, &th);
			if (dw < 2 * tw || dh < 2 * th)
				return 0;
		} else {
			geometry_fill_crop(dw, dh, t ? bh : bw, t ? bw : bh, &r);
			if (r.width < 2UL * (t ? bh : bw) ||
			    r.height < 2UL * (t ? bw : bh))
				return 0;
		}
	}
	return 1;
}

static void
test_shrink_grid(void)
{
	unsigned long	w, h, dw, dh;
	unsigned	bw, bh;
	size_t		i, j, b, n = 0, shrunk = 0, bad = 0;
	int		cover;

	for (cover = 0; cover <= 1; cover++)
	for (i = 0; i < NSIDES; i++)
	for (j = 0; j < NSIDES; j++)
	for (b = 0; b < NBOXES; b++) {
		w = sides[i];
		h = sides[j];
		bw = boxes[b][0];
		bh = boxes[b][1];
		n++;
		if (!geometry_shrink(w, h, bw, bh, cover, &dw, &dh))
			continue;
		shrunk++;
		if (!shrink_good(w, h, bw, bh, cover, dw, dh) && bad++ == 0)
			printf("# %s %lux%lu for %ux%u decodes at %lux%lu\n",
			    cover ? "fill" : "fit", w, h, bw, bh, dw, dh);
	}
	ok(bad == 0 && shrunk > 0, "shrink over %zu cases (%zu shrunk): below "
	    "the source, in its aspect, at least twice the thumbnail (%zu "
	    "wrong)", n, shrunk, bad);
}

/* An animation's frame scaled with its canvas: sides never 0 nor past the
 * scaled canvas, offsets never pushing the frame out of it. */
static void
test_scale(void)
{
	is_int(geometry_scale_len(1000, 200, 4000, 200), 50, "a 1000 side of "
	    "a 4000 canvas scaled to 200 is 50");
	is_int(geometry_scale_len(1, 200, 4000, 200), 1, "a 1-pixel side "
	    "stays 1, not 0");
	is_int(geometry_scale_len(4000, 200, 4000, 200), 200, "the whole "
	    "canvas is the whole scaled canvas");
	is_int(geometry_scale_len(3999, 201, 4000, 150), 150, "capped at max");
	is_int(geometry_scale_len(30, 200, 4000, 200), 2, "1.5 rounds up");
	is_int(geometry_scale_pos(0, 200, 4000, 150), 0, "offset 0 stays 0");
	is_int(geometry_scale_pos(2000, 200, 4000, 150), 100, "offset 2000 of "
	    "4000 at 200 is 100");
	is_int(geometry_scale_pos(3998, 200, 4000, 150), 150, "capped so the "
	    "frame stays inside");
	is_int(geometry_scale_pos(3998, 200, 4000, 0), 0, "a frame as large "
	    "as the canvas: offset 0");
}

int
main(void)
{
	test_fit();
	test_fit_grid();
	test_fill();
	test_fill_grid();
	test_pad();
	test_shrink();
	test_shrink_grid();
	test_scale();
	return tap_done();
}
