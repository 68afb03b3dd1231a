/* geometry.c: the arithmetic of thumbnail sizes (see geometry.h).
 *
 * The image pipeline (image.c) and the WebP decoder (image-webp.c) ask here
 * how large a thumbnail is, which part of the source fill keeps, and how
 * small a decoder may make the source; none of it needs the pixels. */
#include "config.h"

#include <stddef.h>

#include "geometry.h"

/*
 * Fits w x h inside bw x bh keeping the aspect ratio, never enlarging,
 * rounding to the nearest pixel and keeping at least one: what Pillow's
 * thumbnail() gives, 1500x1000 in 100x100 is 100x67.
 */
void
geometry_fit(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    unsigned long *tw, unsigned long *th)
{
	double n;

	if (w <= bw && h <= bh) {
		*tw = w;
		*th = h;
		return;
	}
	if ((double)w * bh >= (double)h * bw) {
		*tw = bw;
		n = (double)h * bw / w + 0.5;
		*th = n < 1 ? 1 : (unsigned long)n;
	} else {
		*th = bh;
		n = (double)w * bh / h + 0.5;
		*tw = n < 1 ? 1 : (unsigned long)n;
	}
}

/*
 * For fill: the centred part of a w x h image that has the aspect ratio of
 * bw x bh, as large as possible.  Cropping first and scaling the crop to the
 * box gives the same pixels as scaling to cover the box and cropping after,
 * without ever making the intermediate image (1x1000 to cover 1024x1024
 * would be 1024x1024000).
 */
void
geometry_fill_crop(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    struct geometry_rect *r)
{
	geometry_fill_crop_at(w, h, bw, bh, 0.5, 0.5, r);
}

/*
 * The crop of geometry_fill_crop() placed by gravity: the point ax, ay as
 * near its centre as the image allows.  The crop spans the whole width or
 * the whole height, so only one of the two ever moves.
 */
void
geometry_fill_crop_at(unsigned long w, unsigned long h, unsigned bw,
    unsigned bh, double ax, double ay, struct geometry_rect *r)
{
	double n;

	if ((double)w * bh > (double)h * bw) {
		n = (double)h * bw / bh + 0.5;
		r->width = n < 1 ? 1 : (unsigned long)n;
		if (r->width > w)
			r->width = w;
		r->height = h;
	} else {
		n = (double)w * bh / bw + 0.5;
		r->height = n < 1 ? 1 : (unsigned long)n;
		if (r->height > h)
			r->height = h;
		r->width = w;
	}
	r->x = geometry_place(r->width, w, ax);
	r->y = geometry_place(r->height, h, ay);
}

/*
 * Centres inner on the point a * outer, then moves it back inside outer:
 * a compass gravity is a point on an edge (0 or 1), so it lands against
 * that edge.  Halves round down, so that a = 0.5 is geometry_centre()
 * exactly, the extra pixel of an odd difference on the right or bottom as
 * before gravity existed.  Written without libm: test-geometry links none.
 */
long
geometry_place(unsigned long inner, unsigned long outer, double a)
{
	unsigned long n, max;
	double v;

	if (inner >= outer)
		return 0;
	max = outer - inner;
	if (!(a > 0))		/* NaN too */
		return 0;
	if (a >= 1)
		return (long)max;
	v = a * (double)outer - (double)inner / 2 - 0.5;
	if (v <= 0)
		return 0;
	n = (unsigned long)v;
	if ((double)n < v)
		n++;
	return (long)(n > max ? max : n);
}

/* The points of the compass gravities, on the edges of the picture. */
static const struct {
	double x;
	double y;
} geometry_gravity_points[] = {
	[IMAGE_GRAVITY_CENTER] = { 0.5, 0.5 },
	[IMAGE_GRAVITY_NORTH] = { 0.5, 0 },
	[IMAGE_GRAVITY_SOUTH] = { 0.5, 1 },
	[IMAGE_GRAVITY_EAST] = { 1, 0.5 },
	[IMAGE_GRAVITY_WEST] = { 0, 0.5 },
	[IMAGE_GRAVITY_NORTHEAST] = { 1, 0 },
	[IMAGE_GRAVITY_NORTHWEST] = { 0, 0 },
	[IMAGE_GRAVITY_SOUTHEAST] = { 1, 1 },
	[IMAGE_GRAVITY_SOUTHWEST] = { 0, 1 },
	[IMAGE_GRAVITY_FOCUS] = { 0.5, 0.5 },
	[IMAGE_GRAVITY_SMART] = { 0.5, 0.5 },
};
#define GEOMETRY_NGRAVITIES \
	(sizeof geometry_gravity_points / sizeof geometry_gravity_points[0])

void
geometry_gravity_point(enum image_gravity gravity, unsigned focus_x,
    unsigned focus_y, double *ax, double *ay)
{
	size_t g = (size_t)gravity;

	if (gravity == IMAGE_GRAVITY_FOCUS) {
		*ax = (double)(focus_x > IMAGE_FOCUS_ONE ? IMAGE_FOCUS_ONE :
		    focus_x) / IMAGE_FOCUS_ONE;
		*ay = (double)(focus_y > IMAGE_FOCUS_ONE ? IMAGE_FOCUS_ONE :
		    focus_y) / IMAGE_FOCUS_ONE;
		return;
	}
	if (g >= GEOMETRY_NGRAVITIES)
		g = IMAGE_GRAVITY_CENTER;
	*ax = geometry_gravity_points[g].x;
	*ay = geometry_gravity_points[g].y;
}

/*
 * The crop is made in the pixels as stored, before the EXIF turn (fewer
 * pixels to turn), but gravity speaks of the picture as shown: north is
 * the top the viewer sees.  For each orientation, where a shown point
 * (x, y) is in the stored pixels; 5 to 8 swap the axes.  1 - 0.5 is 0.5
 * exactly, so centre stays centre.
 */
void
geometry_orient_point(int orientation, double *ax, double *ay)
{
	double x = *ax, y = *ay;

	switch (orientation) {
	case 2:			/* mirrored left to right */
		*ax = 1 - x;
		break;
	case 3:			/* turned half round */
		*ax = 1 - x;
		*ay = 1 - y;
		break;
	case 4:			/* mirrored top to bottom */
		*ay = 1 - y;
		break;
	case 5:			/* transposed */
		*ax = y;
		*ay = x;
		break;
	case 6:			/* shown turned a quarter clockwise */
		*ax = y;
		*ay = 1 - x;
		break;
	case 7:			/* transversed */
		*ax = 1 - y;
		*ay = 1 - x;
		break;
	case 8:			/* shown turned a quarter anticlockwise */
		*ax = 1 - y;
		*ay = x;
		break;
	default:
		break;
	}
}

/*
 * The size to decode a big image at, when its decoder can scale (libjpeg's
 * DCT scaling, libwebp's rescaler): twice what the resize will make from
 * the whole image, so Lanczos still has enough pixels, in the image's
 * proportions.  The EXIF orientation is not known before decoding, so the
 * box is taken as a square of its larger side: fit and pad fit the image in
 * it, fill (cover) covers it (the crop is then at least twice the box
 * either way round).  Returns 0 when the image is not larger than that on
 * both sides: decode it as it is (libjpeg would upscale, and nothing would
 * be saved).
 */
int
geometry_shrink(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    int cover, unsigned long *dw, unsigned long *dh)
{
	unsigned long tw, th, m;
	unsigned side;

	side = bw > bh ? bw : bh;
	if (cover) {
		m = w < h ? w : h;
		tw = (unsigned long)((double)w * side / m + 0.999);
		th = (unsigned long)((double)h * side / m + 0.999);
	} else
		geometry_fit(w, h, side, side, &tw, &th);
	if (tw * 2 >= w || th * 2 >= h)
		return 0;
	*dw = tw * 2;
	*dh = th * 2;
	return 1;
}

/* Scales a frame's side with its canvas (an animation decoded smaller):
 * never to nothing, never past the scaled canvas. */
unsigned long
geometry_scale_len(unsigned long n, unsigned long to, unsigned long from,
    unsigned long max)
{
	unsigned long r;

	r = (unsigned long)((double)n * to / from + 0.5);
	if (r < 1)
		r = 1;
	return r > max ? max : r;
}

/* Scales a frame's offset with its canvas; max keeps the scaled frame
 * inside the scaled canvas whatever the rounding of its size did. */
long
geometry_scale_pos(long n, unsigned long to, unsigned long from,
    unsigned long max)
{
	unsigned long r;

	r = (unsigned long)((double)n * to / from + 0.5);
	return (long)(r > max ? max : r);
}

/* An odd difference leaves the extra pixel on the right or at the bottom,
 * for the crop of fill and the padding of pad alike. */
long
geometry_centre(unsigned long inner, unsigned long outer)
{
	return (long)((outer - inner) / 2);
}
