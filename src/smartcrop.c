/* smartcrop.c: where a crop keeps the most of what is interesting (see
 * smartcrop.h).
 *
 * What counts, per pixel, in the spirit of libvips' "attention" measure
 * (which imgproxy's smart gravity uses): edges in the brightness, strongly
 * saturated colour, and colours in the range of skin.  libvips sums those,
 * blurs the sum and centres the crop on its brightest point; here every
 * window the crop could be is scored by the sum of what it holds, read from
 * a summed-area table, so the crop keeps the most of it, not just one
 * point: a picture of w x h costs a few passes over its pixels, whatever
 * the window.  Of windows within 1/256 of the best, the one nearest the
 * centre wins, so that a picture with nothing standing out is cropped as
 * center would crop it, and a subject is not pushed against an edge of the
 * crop by noise.
 *
 * Everything is integer arithmetic on 8-bit samples; a transparent pixel
 * counts as black with nothing to offer (its colour is weighted by its
 * alpha), so the outline of a logo on transparency is an edge. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "smartcrop.h"
#include "xmalloc.h"

/* Differences in brightness below this are noise (JPEG blocks, sensor
 * grain, gradients of a sky), not detail: in the sum of two central
 * differences, 0..510. */
#define SMARTCROP_EDGE_FLOOR	16
/* Weights of a saturated pixel and of a skin-coloured one, in the units of
 * an edge: a strong edge and a red flower count about the same. */
#define SMARTCROP_SATURATED	64
#define SMARTCROP_SKIN		64
/* Chroma, as sqrt(Cb^2 + Cr^2) of BT.601 YCbCr, above which a colour is
 * saturated: a blue sky (about 45) is not, a red or yellow flower (80 and
 * more) is. */
#define SMARTCROP_CHROMA	60

/*
 * Brightness (BT.601 luma, weighted by alpha) into luma, and what the
 * colour of each pixel is worth into score.  Skin is the usual YCbCr box
 * (Cb 77-127, Cr 133-173) above a floor of brightness: it catches sand
 * and wood too, which then spread evenly over the picture and tilt no
 * window.
 */
static void
smartcrop_colour(const unsigned char *px, size_t n, unsigned channels,
    uint8_t *luma, uint32_t *score)
{
	const unsigned char *p;
	long r, g, b, a, y, cb, cr, s;
	size_t i;

	for (i = 0; i < n; i++) {
		p = px + i * channels;
		r = p[0];
		g = p[1];
		b = p[2];
		a = channels == 4 ? p[3] : 255;
		y = (77 * r + 150 * g + 29 * b) >> 8;
		cb = (-43 * r - 85 * g + 128 * b) / 256;
		cr = (128 * r - 107 * g - 21 * b) / 256;
		s = 0;
		if (cb * cb + cr * cr > SMARTCROP_CHROMA * SMARTCROP_CHROMA)
			s += SMARTCROP_SATURATED;
		if (y > 40 && cb >= -51 && cb <= -1 && cr >= 5 && cr <= 45)
			s += SMARTCROP_SKIN;
		luma[i] = (uint8_t)(y * a / 255);
		score[i] = (uint32_t)(s * a / 255);
	}
}

/* Adds the edges: the central differences across and down (one-sided at
 * the borders), above the noise floor. */
static void
smartcrop_edges(const uint8_t *luma, unsigned long w, unsigned long h,
    uint32_t *score)
{
	const uint8_t *row, *up, *down;
	unsigned long x, y, l, r;
	long e;

	for (y = 0; y < h; y++) {
		row = luma + y * w;
		up = y > 0 ? row - w : row;
		down = y + 1 < h ? row + w : row;
		for (x = 0; x < w; x++) {
			l = x > 0 ? x - 1 : x;
			r = x + 1 < w ? x + 1 : x;
			e = labs((long)row[r] - row[l]) +
			    labs((long)down[x] - up[x]) - SMARTCROP_EDGE_FLOOR;
			if (e > 0)
				score[y * w + x] += (uint32_t)e;
		}
	}
}

/* The summed-area table: sat[(y) * (w + 1) + x] is the sum of score over
 * the pixels above and left of x, y; the first row and column are 0. */
static void
smartcrop_table(const uint32_t *score, unsigned long w, unsigned long h,
    uint64_t *sat)
{
	unsigned long x, y;
	uint64_t run;

	for (x = 0; x <= w; x++)
		sat[x] = 0;
	for (y = 1; y <= h; y++) {
		run = 0;
		sat[y * (w + 1)] = 0;
		for (x = 1; x <= w; x++) {
			run += score[(y - 1) * w + x - 1];
			sat[y * (w + 1) + x] = sat[(y - 1) * (w + 1) + x] + run;
		}
	}
}

/* The sum of score over the cw x ch window at x, y. */
static uint64_t
smartcrop_sum(const uint64_t *sat, unsigned long w, unsigned long x,
    unsigned long y, unsigned long cw, unsigned long ch)
{
	unsigned long s = w + 1;

	return sat[(y + ch) * s + x + cw] - sat[y * s + x + cw] -
	    sat[(y + ch) * s + x] + sat[y * s + x];
}

/* How far a window at x, y is from the centred one at cx, cy. */
static unsigned long
smartcrop_distance(unsigned long x, unsigned long y, unsigned long cx,
    unsigned long cy)
{
	return (x > cx ? x - cx : cx - x) + (y > cy ? y - cy : cy - y);
}

int
smartcrop_find(const unsigned char *px, unsigned long w, unsigned long h,
    unsigned channels, unsigned long cw, unsigned long ch, long *x, long *y)
{
	uint8_t *luma;
	uint32_t *score;
	uint64_t *sat, best = 0, s, floor;
	unsigned long i, j, cx, cy, d, nearest = (unsigned long)-1;

	if (w == 0 || h == 0 || cw == 0 || ch == 0 || cw > w || ch > h ||
	    w > SMARTCROP_MAX_PIXELS / h || (channels != 3 && channels != 4))
		return -1;
	cx = (w - cw) / 2;
	cy = (h - ch) / 2;
	*x = (long)cx;
	*y = (long)cy;

	luma = xcalloc(w * h, sizeof *luma);
	score = xcalloc(w * h, sizeof *score);
	sat = xcalloc((w + 1) * (h + 1), sizeof *sat);
	smartcrop_colour(px, w * h, channels, luma, score);
	smartcrop_edges(luma, w, h, score);
	smartcrop_table(score, w, h, sat);

	for (j = 0; j + ch <= h; j++) {
		for (i = 0; i + cw <= w; i++) {
			if ((s = smartcrop_sum(sat, w, i, j, cw, ch)) > best)
				best = s;
		}
	}
	floor = best - best / 256;
	for (j = 0; best > 0 && j + ch <= h; j++) {
		for (i = 0; i + cw <= w; i++) {
			if (smartcrop_sum(sat, w, i, j, cw, ch) < floor)
				continue;
			if ((d = smartcrop_distance(i, j, cx, cy)) < nearest) {
				nearest = d;
				*x = (long)i;
				*y = (long)j;
			}
		}
	}
	free(sat);
	free(score);
	free(luma);
	return 0;
}
