/* image-placeholder.c: what a client shows while the thumbnails load
 * (placeholder: true, see image.h): a BlurHash and the dominant colour,
 * computed from the image the thumbnails are made from, already decoded.
 *
 * Both come from a copy at most IMAGE_PH_SIDE pixels a side, averaged
 * down (ScaleImage counts every source pixel), made sRGB and turned as
 * shown: a BlurHash of 4 x 3 components cannot hold more detail than that,
 * and its cost is cosines per pixel and component. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geometry.h"
#include "image-internal.h"
#include "xmalloc.h"

#define IMAGE_PH_SIDE	32
/* Wolt's suggested default: 4 across, 3 down. */
#define IMAGE_PH_CX	4
#define IMAGE_PH_CY	3

/* The small copy, sRGB and turned; NULL with err filled. */
static Image *
image_ph_small(Image *image, const struct imghdr *hdr, ExceptionInfo *ex,
    struct job_error *err)
{
	unsigned long tw, th;
	Image *small, *next;

	geometry_fit(image->columns, image->rows, IMAGE_PH_SIDE, IMAGE_PH_SIDE,
	    &tw, &th);
	if ((small = ScaleImage(image, tw, th, ex)) == NULL) {
		image_error_step("scaling for the placeholder", ex, err);
		return NULL;
	}
	image_icc_to_srgb(small, hdr);
	if (small->orientation > TopLeftOrientation &&
	    small->orientation <= LeftBottomOrientation) {
		next = AutoOrientImage(small, small->orientation, ex);
		DestroyImage(small);
		if (next == NULL) {
			image_error_step("turning the placeholder", ex, err);
			return NULL;
		}
		small = next;
	}
	return small;
}

/* A pixel's cell of the colour histogram: 4 bits a channel. */
static size_t
image_ph_cell(const unsigned char *p)
{
	return (size_t)((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4);
}

/*
 * The dominant colour: the fullest cell of a histogram of 16 levels a
 * channel, as the mean of its pixels (a cell's corner would be up to 15
 * levels off).  Transparent pixels do not count, unless nothing else is
 * there.
 */
static void
image_ph_color(const unsigned char *rgba, size_t npx, const int *seen,
    char color[8])
{
	unsigned *count = xcalloc(4096, sizeof *count);
	unsigned long sum[3] = { 0, 0, 0 };
	size_t best = 0;
	unsigned n = 0;

	for (size_t i = 0; i < npx; i++)
		if (seen[i])
			count[image_ph_cell(rgba + i * 4)]++;
	for (size_t c = 1; c < 4096; c++)
		if (count[c] > count[best])
			best = c;
	for (size_t i = 0; i < npx; i++) {
		const unsigned char *p = rgba + i * 4;

		if (!seen[i] || image_ph_cell(p) != best)
			continue;
		for (int c = 0; c < 3; c++)
			sum[c] += p[c];
		n++;
	}
	if (n == 0)
		n = 1;
	snprintf(color, 8, "#%02lx%02lx%02lx", sum[0] / n, sum[1] / n,
	    sum[2] / n);
	free(count);
}

int
image_placeholder(Image *image, const struct imghdr *hdr,
    struct image_placeholder *ph, ExceptionInfo *ex, struct job_error *err)
{
	Image *small;
	unsigned char *px = NULL;
	int *seen = NULL, any = 0, rv = -1;
	size_t npx;
	unsigned w, h;

	if ((small = image_ph_small(image, hdr, ex, err)) == NULL)
		return -1;
	w = (unsigned)small->columns;
	h = (unsigned)small->rows;
	npx = (size_t)w * h;
	px = xcalloc(npx, 4);
	seen = xcalloc(npx, sizeof *seen);
	/* Without matte the opacity channel may hold anything (K, after
	 * a CMYK conversion): opaque, then. */
	if (DispatchImage(small, 0, 0, w, h, small->matte ? "RGBA" : "RGBP",
	    CharPixel, px, ex) != MagickPass) {
		image_error_step("reading the placeholder's pixels", ex, err);
		goto out;
	}
	for (size_t i = 0; i < npx; i++) {
		unsigned char *p = px + i * 4;
		unsigned a = small->matte ? p[3] : 255;

		/* Over white, as the thumbnails' JPEGs are. */
		for (int c = 0; c < 3; c++)
			p[c] = (unsigned char)((p[c] * a + 255 * (255 - a) +
			    127) / 255);
		p[3] = 255;
		seen[i] = a >= 128;
		any |= seen[i];
	}
	for (size_t i = 0; i < npx && !any; i++)
		seen[i] = 1;
	if (blurhash_encode(px, w, h, IMAGE_PH_CX, IMAGE_PH_CY,
	    ph->blurhash) != 0) {
		job_error_set(err, "image_failed", 0, "no placeholder for a "
		    "%ux%u image", w, h);
		goto out;
	}
	image_ph_color(px, npx, seen, ph->color);
	rv = 0;
out:
	free(px);
	free(seen);
	DestroyImage(small);
	return rv;
}
