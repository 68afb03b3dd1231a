/* geometry.h: the arithmetic of thumbnail sizes, without GraphicsMagick.
 *
 * Sizes in pixels as unsigned long (GraphicsMagick's columns and rows), a
 * box as the request's unsigned width and height.  Everything here is pure:
 * it reads its arguments and writes its results, and test-geometry checks
 * it without an image library. */
#ifndef THUMBQ_GEOMETRY_H
#define THUMBQ_GEOMETRY_H

#include "image-request.h"

/* A part of an image: its size and where its top left corner is. */
struct geometry_rect {
	unsigned long	width;
	unsigned long	height;
	long		x;
	long		y;
};

/* Fits w x h inside bw x bh, aspect kept, never enlarged, at least 1x1. */
void geometry_fit(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    unsigned long *tw, unsigned long *th);
/* The largest centred part of w x h with the aspect ratio of bw x bh. */
void geometry_fill_crop(unsigned long w, unsigned long h, unsigned bw,
    unsigned bh, struct geometry_rect *r);
/* The same part, placed so that the point ax, ay (0..1 of the width and
 * height) is as near its centre as the image allows. */
void geometry_fill_crop_at(unsigned long w, unsigned long h, unsigned bw,
    unsigned bh, double ax, double ay, struct geometry_rect *r);
/* Where inner starts in outer when the point a (0..1 of outer) is as near
 * its centre as outer allows (inner <= outer). */
long geometry_place(unsigned long inner, unsigned long outer, double a);
/* The point of a gravity, as the picture is shown: 0..1 each way (centre
 * and smart: the middle; focus: focus_x, focus_y). */
void geometry_gravity_point(enum image_gravity gravity, unsigned focus_x,
    unsigned focus_y, double *ax, double *ay);
/* A point of the picture as shown, moved to where it is in the pixels as
 * stored, for an EXIF orientation (1-8; anything else is 1). */
void geometry_orient_point(int orientation, double *ax, double *ay);
/* The size to decode w x h at for a box of bw x bh (cover: the fill mode)
 * when its decoder can scale; 1 with *dw and *dh, or 0 to decode it whole. */
int geometry_shrink(unsigned long w, unsigned long h, unsigned bw,
    unsigned bh, int cover, unsigned long *dw, unsigned long *dh);
/* n scaled by to / from, rounded, within [1, max]. */
unsigned long geometry_scale_len(unsigned long n, unsigned long to,
    unsigned long from, unsigned long max);
/* An offset scaled by to / from, rounded, within [0, max]. */
long geometry_scale_pos(long n, unsigned long to, unsigned long from,
    unsigned long max);
/* Where inner starts when it is centred in outer (inner <= outer). */
long geometry_centre(unsigned long inner, unsigned long outer);

#endif
