/* geometry.c: the arithmetic of thumbnail sizes (see geometry.h).
 *
 * The image pipeline (image.c) and the WebP decoder (image-webp.c) ask here
 * how large a thumbnail is, which part of the source fill keeps, and how
 * small a decoder may make the source; none of it needs the pixels. */
#include "config.h"

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
	r->x = geometry_centre(r->width, w);
	r->y = geometry_centre(r->height, h);
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
