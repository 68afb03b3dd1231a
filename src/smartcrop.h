/* smartcrop.h: where a crop keeps the most of what is interesting in a
 * picture (gravity smart), on 8-bit pixels in memory.
 *
 * Pure: no image library, so test-smartcrop checks it on synthetic
 * pictures.  The image pipeline (image.c) hands it a small copy of the
 * decoded image and scales the answer back. */
#ifndef THUMBQ_SMARTCROP_H
#define THUMBQ_SMARTCROP_H

#include <stddef.h>

/* The largest picture smartcrop_find() takes, in pixels: the caller scales
 * down first (a few hundred pixels a side is what the measure needs). */
#define SMARTCROP_MAX_PIXELS	(1UL << 18)

/*
 * Finds where a cw x ch window inside the w x h picture px (channels 3:
 * RGB, or 4: RGBA, rows without padding) holds the most of what stands
 * out (detail, colour, skin), best at its centre; *x, *y its top left
 * corner.  Windows that score alike (and a
 * picture with nothing in it) give the one nearest the centre.  Returns
 * 0, or -1 for sizes it does not take (a window larger than the picture,
 * 0 sides, more than SMARTCROP_MAX_PIXELS).
 */
int smartcrop_find(const unsigned char *px, unsigned long w, unsigned long h,
    unsigned channels, unsigned long cw, unsigned long ch, long *x, long *y);

#endif
