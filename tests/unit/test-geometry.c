/* test-geometry.c: the arithmetic of thumbnail sizes, without an image
 * library (this program links no GraphicsMagick).  Fit never enlarges and
 * keeps the aspect; fill's crop has the box's aspect, lies inside the
 * source and is centred; pad centres the fit; decoding is shrunk only when
 * the image is more than twice what the thumbnail needs, never to less;
 * gravity moves fill's crop against a side, a corner or around a focus
 * point, never out of the image, through every EXIF orientation.
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

static void
gravity_is(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    enum image_gravity g, unsigned fx, unsigned fy, long x, long y,
    const char *what)
{
	struct geometry_rect	r = { 0, 0, -1, -1 };
	double			ax, ay;

	geometry_gravity_point(g, fx, fy, &ax, &ay);
	geometry_fill_crop_at(w, h, bw, bh, ax, ay, &r);
	ok(r.x == x && r.y == y, "fill %lux%lu to %ux%u, gravity %d: crop at "
	    "%ld,%ld (%s)", w, h, bw, bh, (int)g, x, y, what);
	if (r.x != x || r.y != y)
		printf("#   got %lux%lu at %ld,%ld\n", r.width, r.height, r.x,
		    r.y);
}

/* Every gravity on a landscape (the crop moves across) and a portrait (it
 * moves down): 3000x1000 to a square keeps 1000x1000, which can sit at
 * x 0 to 2000. */
static void
test_gravity(void)
{
	static const struct {
		enum image_gravity g;
		long x;		/* on 3000x1000 */
		long y;		/* on 1000x3000 */
		const char *name;
	} t[] = {
		{ IMAGE_GRAVITY_CENTER, 1000, 1000, "center" },
		{ IMAGE_GRAVITY_NORTH, 1000, 0, "north" },
		{ IMAGE_GRAVITY_SOUTH, 1000, 2000, "south" },
		{ IMAGE_GRAVITY_EAST, 2000, 1000, "east" },
		{ IMAGE_GRAVITY_WEST, 0, 1000, "west" },
		{ IMAGE_GRAVITY_NORTHEAST, 2000, 0, "northeast" },
		{ IMAGE_GRAVITY_NORTHWEST, 0, 0, "northwest" },
		{ IMAGE_GRAVITY_SOUTHEAST, 2000, 2000, "southeast" },
		{ IMAGE_GRAVITY_SOUTHWEST, 0, 2000, "southwest" },
		{ IMAGE_GRAVITY_SMART, 1000, 1000, "smart (centre until "
		    "smartcrop places it)" },
	};
	size_t i;
	char what[96];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(what, sizeof what, "%s, landscape", t[i].name);
		gravity_is(3000, 1000, 100, 100, t[i].g, 0, 0, t[i].x, 0, what);
		snprintf(what, sizeof what, "%s, portrait", t[i].name);
		gravity_is(1000, 3000, 100, 100, t[i].g, 0, 0, 0, t[i].y, what);
	}
	gravity_is(1000, 1000, 100, 100, IMAGE_GRAVITY_SOUTHEAST, 0, 0, 0, 0,
	    "the box's aspect: nothing to move");
	gravity_is(103, 100, 100, 100, IMAGE_GRAVITY_CENTER, 0, 0, 1, 0,
	    "odd: center keeps its extra pixel on the right");
	gravity_is(103, 100, 100, 100, IMAGE_GRAVITY_EAST, 0, 0, 3, 0,
	    "odd: east is against the right edge");
	gravity_is(10000, 1, 100, 100, IMAGE_GRAVITY_EAST, 0, 0, 9999, 0,
	    "10000x1 to a square: the last pixel");
}

/* Focus: the point as near the crop's centre as the image allows. */
static void
test_focus(void)
{
	gravity_is(3000, 1000, 100, 100, IMAGE_GRAVITY_FOCUS, 2500, 5000,
	    250, 0, "x 0.25 of 3000 is 750: the crop 250 to 1250");
	gravity_is(3000, 1000, 100, 100, IMAGE_GRAVITY_FOCUS, 1000, 0, 0, 0,
	    "x 0.1 (300) is clamped: the crop starts at 0");
	gravity_is(3000, 1000, 100, 100, IMAGE_GRAVITY_FOCUS, 9000, 10000,
	    2000, 0, "x 0.9 (2700) is clamped at the right edge");
	gravity_is(3000, 1000, 100, 100, IMAGE_GRAVITY_FOCUS, 0, 0, 0, 0,
	    "0,0: the top left corner");
	gravity_is(3000, 1000, 100, 100, IMAGE_GRAVITY_FOCUS, 10000, 10000,
	    2000, 0, "1,1: the right edge");
	gravity_is(1000, 3000, 100, 100, IMAGE_GRAVITY_FOCUS, 0, 7500, 0,
	    1750, "portrait: y 0.75 of 3000 is 2250, the crop 1750 to 2750");
	gravity_is(1000, 3000, 100, 100, IMAGE_GRAVITY_FOCUS, 5000, 5000, 0,
	    1000, "0.5, 0.5 is center");
	gravity_is(4000, 3000, 100, 67, IMAGE_GRAVITY_FOCUS, 5000, 0, 0, 0,
	    "a wider box: the crop moves down only, to the top");
	gravity_is(4000, 3000, 100, 67, IMAGE_GRAVITY_FOCUS, 5000, 5000, 0,
	    160, "a wider box, 0.5: center's 160");
	/* Rounding: the crop's centre is at a * w, halves down. */
	gravity_is(7, 4, 1, 1, IMAGE_GRAVITY_FOCUS, 5000, 0, 1, 0,
	    "7x4 to a square, x 0.5: 3.5 - 2 = 1.5 rounds down to 1, as "
	    "center");
	gravity_is(7, 4, 1, 1, IMAGE_GRAVITY_FOCUS, 6000, 0, 2, 0,
	    "7x4, x 0.6: 4.2 - 2 = 2.2 rounds to 2");
	gravity_is(7, 4, 1, 1, IMAGE_GRAVITY_FOCUS, 6500, 0, 3, 0,
	    "7x4, x 0.65: 4.55 - 2 = 2.55 rounds to 3, the last place");
	is_int(geometry_place(4, 7, 0.65), 3, "place 4 in 7 around 4.55: 2.55 "
	    "rounds to 3");
	is_int(geometry_place(4, 7, 0.7), 3, "place 4 in 7 around 4.9: "
	    "clamped at 3");
	is_int(geometry_place(3, 7, 0.5), 2, "place 3 in 7 around 3.5: 2, "
	    "geometry_centre's");
	is_int(geometry_place(2, 5, 0.5), 1, "place 2 in 5 around 2.5: 1.5 "
	    "rounds down to 1, geometry_centre's");
	is_int(geometry_place(7, 7, 0.9), 0, "inner as large as outer: 0");
	is_int(geometry_place(1, 7, -1), 0, "a point before the start: 0");
	is_int(geometry_place(1, 7, 2), 6, "a point past the end: the end");
	is_int(geometry_place(1, 7, 0.0 / 0.0), 0, "NaN: 0");
}

/* Focus over the grid: the crop is fill's size, inside the source, and its
 * centre is within half a pixel of the point unless that would take it
 * out of the image, where it is against the edge. */
static void
test_focus_grid(void)
{
	static const double	points[] = { 0, 0.25, 0.5, 0.7777, 1 };
	struct geometry_rect	r, c;
	unsigned long		w, h;
	unsigned		bw, bh;
	size_t			i, j, b, p, q, n = 0, bad = 0;
	double			want_x, want_y;

	for (i = 0; i < NSIDES; i++)
	for (j = 0; j < NSIDES; j++)
	for (b = 0; b < NBOXES; b++)
	for (p = 0; p < 5; p++)
	for (q = 0; q < 5; q++) {
		w = sides[i];
		h = sides[j];
		bw = boxes[b][0];
		bh = boxes[b][1];
		geometry_fill_crop(w, h, bw, bh, &c);
		geometry_fill_crop_at(w, h, bw, bh, points[p], points[q], &r);
		n++;
		want_x = points[p] * w - r.width / 2.0;
		want_y = points[q] * h - r.height / 2.0;
		if (want_x < 0)
			want_x = 0;
		if (want_x > (double)(w - r.width))
			want_x = (double)(w - r.width);
		if (want_y < 0)
			want_y = 0;
		if (want_y > (double)(h - r.height))
			want_y = (double)(h - r.height);
		if (r.width != c.width || r.height != c.height || r.x < 0 ||
		    r.y < 0 || (unsigned long)r.x + r.width > w ||
		    (unsigned long)r.y + r.height > h ||
		    r.x - want_x > 0.5 || want_x - r.x > 0.5 ||
		    r.y - want_y > 0.5 || want_y - r.y > 0.5) {
			if (bad++ == 0)
				printf("# fill %lux%lu to %ux%u at %g,%g gave "
				    "%lux%lu at %ld,%ld\n", w, h, bw, bh,
				    points[p], points[q], r.width, r.height,
				    r.x, r.y);
		}
	}
	ok(bad == 0, "focus over %zu sizes, boxes and points: fill's size, "
	    "inside, centred on the point within half a pixel or against an "
	    "edge (%zu wrong)", n, bad);
}

/* A point of the picture as shown, in the pixels as stored, for each EXIF
 * orientation: where the top middle (north) and the top right corner
 * (northeast) of what the viewer sees are in the stored pixels. */
static void
test_orient(void)
{
	static const struct {
		int o;
		double nx, ny;	/* north */
		double ex, ey;	/* northeast */
		const char *name;
	} t[] = {
		{ 1, 0.5, 0, 1, 0, "1, as stored" },
		{ 2, 0.5, 0, 0, 0, "2, mirrored: the right is stored left" },
		{ 3, 0.5, 1, 0, 1, "3, upside down: the top is stored at the "
		    "bottom" },
		{ 4, 0.5, 1, 1, 1, "4, flipped: the top is stored at the bottom" },
		{ 5, 0, 0.5, 0, 1, "5, transposed" },
		{ 6, 0, 0.5, 0, 0, "6, shown turned clockwise: the top is the "
		    "stored left column" },
		{ 7, 1, 0.5, 1, 0, "7, transversed" },
		{ 8, 1, 0.5, 1, 1, "8, shown turned anticlockwise: the top is "
		    "the stored right column" },
		{ 0, 0.5, 0, 1, 0, "0, no orientation: as stored" },
		{ 9, 0.5, 0, 1, 0, "9, not an orientation: as stored" },
	};
	double x, y, x2, y2;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		x = 0.5;
		y = 0;
		geometry_orient_point(t[i].o, &x, &y);
		x2 = 1;
		y2 = 0;
		geometry_orient_point(t[i].o, &x2, &y2);
		ok(x == t[i].nx && y == t[i].ny && x2 == t[i].ex &&
		    y2 == t[i].ey, "orientation %s: north is stored at %g,%g, "
		    "northeast at %g,%g", t[i].name, t[i].nx, t[i].ny, t[i].ex,
		    t[i].ey);
		if (!(x == t[i].nx && y == t[i].ny && x2 == t[i].ex &&
		    y2 == t[i].ey))
			printf("#   got %g,%g and %g,%g\n", x, y, x2, y2);
		x = y = 0.5;
		geometry_orient_point(t[i].o, &x, &y);
		ok(x == 0.5 && y == 0.5, "orientation %d keeps the centre",
		    t[i].o);
	}
	x = 0.25;
	y = 0.75;
	geometry_orient_point(6, &x, &y);
	ok(x == 0.75 && y == 0.75, "orientation 6: shown 0.25,0.75 (left, "
	    "low) is stored at 0.75,0.75");
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
	test_gravity();
	test_focus();
	test_focus_grid();
	test_orient();
	test_pad();
	test_shrink();
	test_shrink_grid();
	test_scale();
	return tap_done();
}
