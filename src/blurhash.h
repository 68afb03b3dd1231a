/* blurhash.h: BlurHash, the placeholder a client draws while an image
 * loads (https://blurha.sh, Wolt's published algorithm). */
#ifndef THUMBQ_BLURHASH_H
#define THUMBQ_BLURHASH_H

/* The longest hash (9 x 9 components) and its NUL. */
#define BLURHASH_MAX (2 + 4 + 2 * 80 + 1)

/* Encodes w x h pixels of 8-bit RGBA (alpha ignored, as the reference
 * encoder does) with cx x cy components (1-9 each) into out.  Returns 0,
 * or -1 for arguments out of range. */
int blurhash_encode(const unsigned char *rgba, unsigned w, unsigned h,
    unsigned cx, unsigned cy, char out[BLURHASH_MAX]);

#endif
