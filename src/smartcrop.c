/* smartcrop.c: where a crop keeps the most of what is interesting (see
 * smartcrop.h).
 *
 * What counts, per pixel, in the spirit of libvips' "attention" measure
 * (which imgproxy's smart gravity uses): edges in the brightness, colour
 * that stands out, and colours in the range of skin.  Standing out is the
 * distance of a pixel's chroma from the picture's mean chroma (the global
 * contrast of Achanta's frequency-tuned saliency), and from grey, rather
 * than saturation alone: a blue sky, most of its picture, does not count
 * while a kite in it does, and the black background of a yellow flower,
 * far from the yellow mean, is still no colour.  An edge counts up to a
 * cap: the border of a cloud is no more interesting than the outline of
 * the kite.  Last, the picture's mean score is taken off every pixel, so
 * that what is everywhere (moss, grass) counts for little and what rises
 * above it for much.  Each of these three came from looking at crops of
 * real photos, where plain edge energy chose a cloud over a kite and a
 * sky over a flower.
 *
 * libvips sums those, blurs the sum and centres the crop on its brightest
 * point; here every window the crop could be is scored by what it holds,
 * weighted by where: a pixel at the window's centre counts fully, one at
 * its edge half (a tent each way), so that of two windows holding the
 * same subject the one that centres it wins, and a subject cut by the
 * window's edge counts less.  The weights are linear in x and y on each
 * quarter of the window, so each quarter's sum comes from summed-area
 * tables of s, x s, y s and x y s: four lookups a table, whatever the
 * window, and the whole search is O(pixels).  Of windows within 1/256 of
 * the best the one nearest the centre wins, so that a picture with nothing
 * standing out is cropped as center crops it.
 *
 * Colour is integer arithmetic on 8-bit samples; a transparent pixel
 * counts as black with nothing to offer (its colour is weighted by its
 * alpha), so the outline of a logo on transparency is an edge. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "smartcrop.h"
#include "xmalloc.h"

/* Differences in brightness below this are noise (JPEG blocks, sensor
 * grain, gradients of a sky), not detail: in the sum of two central
 * differences, 0..510.  Above the floor an edge counts up to the cap. */
#define SMARTCROP_EDGE_FLOOR	16
#define SMARTCROP_EDGE_CAP	64
/* A chroma (Cb, Cr of BT.601) this far from the picture's mean starts to
 * stand out, and counts double the excess, up to the cap: a saturated red
 * flower on green leaves is at about 150. */
#define SMARTCROP_COLOUR_FLOOR	40
#define SMARTCROP_COLOUR_CAP	128
/* A skin-coloured pixel, in the units of an edge. */
#define SMARTCROP_SKIN		64
/* The weight of a pixel at a window's edge, against 1 at its centre. */
#define SMARTCROP_EDGE_WEIGHT	0.5

/* What smartcrop_find() works on: per pixel brightness and chroma, then
 * the score; and the four summed-area tables (w + 1) x (h + 1). */
struct smartcrop {
	unsigned long w, h;
	uint8_t *luma;
	int16_t *cb;
	int16_t *cr;
	uint32_t *score;
	double *sat[4];		/* s, x s, y s, x y s */
};

/* Brightness (BT.601 luma) and chroma, weighted by alpha. */
static void
smartcrop_pixels(struct smartcrop *sc, const unsigned char *px,
    unsigned channels)
{
	const unsigned char *p;
	long r, g, b, a;
	size_t i, n = sc->w * sc->h;

	for (i = 0; i < n; i++) {
		p = px + i * channels;
		r = p[0];
		g = p[1];
		b = p[2];
		a = channels == 4 ? p[3] : 255;
		sc->luma[i] = (uint8_t)((77 * r + 150 * g + 29 * b) * a /
		    (256 * 255));
		sc->cb[i] = (int16_t)((-43 * r - 85 * g + 128 * b) * a /
		    (256 * 255));
		sc->cr[i] = (int16_t)((128 * r - 107 * g - 21 * b) * a /
		    (256 * 255));
	}
}

/* The integer square root of 0 < d < 2^31, by Newton's steps (test-smartcrop
 * links no libm). */
static long
smartcrop_sqrt(long d)
{
	long r = d, next;

	while ((next = (r + d / r) / 2) < r)
		r = next;
	return r;
}

/*
 * What the colour of each pixel is worth: its chroma's distance from the
 * mean (standing out), and skin, the usual YCbCr box (Cb 77-127, Cr
 * 133-173) above a floor of brightness, which catches sand and wood too:
 * spread evenly over a picture they tilt no window.
 */
static void
smartcrop_colour(struct smartcrop *sc)
{
	size_t i, n = sc->w * sc->h;
	long mcb = 0, mcr = 0, dcb, dcr, d, c, v;

	for (i = 0; i < n; i++) {
		mcb += sc->cb[i];
		mcr += sc->cr[i];
	}
	mcb /= (long)n;
	mcr /= (long)n;
	for (i = 0; i < n; i++) {
		dcb = sc->cb[i] - mcb;
		dcr = sc->cr[i] - mcr;
		d = dcb * dcb + dcr * dcr;
		/* Far from the mean and from grey: black and white are far
		 * from the mean of a colourful picture, but not colour. */
		c = (long)sc->cb[i] * sc->cb[i] + (long)sc->cr[i] * sc->cr[i];
		if (c < d)
			d = c;
		v = 0;
		if (d > SMARTCROP_COLOUR_FLOOR * SMARTCROP_COLOUR_FLOOR) {
			v = 2 * (smartcrop_sqrt(d) - SMARTCROP_COLOUR_FLOOR);
			if (v > SMARTCROP_COLOUR_CAP)
				v = SMARTCROP_COLOUR_CAP;
		}
		if (sc->luma[i] > 40 && sc->cb[i] >= -51 && sc->cb[i] <= -1 &&
		    sc->cr[i] >= 5 && sc->cr[i] <= 45)
			v += SMARTCROP_SKIN;
		sc->score[i] = (uint32_t)v;
	}
}

/* Adds the edges: the central differences across and down (one-sided at
 * the borders), above the noise floor, up to the cap. */
static void
smartcrop_edges(struct smartcrop *sc)
{
	const uint8_t *row, *up, *down;
	unsigned long x, y, l, r, w = sc->w, h = sc->h;
	long e;

	for (y = 0; y < h; y++) {
		row = sc->luma + y * w;
		up = y > 0 ? row - w : row;
		down = y + 1 < h ? row + w : row;
		for (x = 0; x < w; x++) {
			l = x > 0 ? x - 1 : x;
			r = x + 1 < w ? x + 1 : x;
			e = labs((long)row[r] - row[l]) +
			    labs((long)down[x] - up[x]) - SMARTCROP_EDGE_FLOOR;
			if (e > SMARTCROP_EDGE_CAP)
				e = SMARTCROP_EDGE_CAP;
			if (e > 0)
				sc->score[y * w + x] += (uint32_t)e;
		}
	}
}

/* What is everywhere is not what a crop should keep: the picture's mean
 * score is taken off every pixel, so that the grass of a meadow or the moss
 * of a forest floor counts for little and what rises above it for much. */
static void
smartcrop_relative(struct smartcrop *sc)
{
	size_t i, n = sc->w * sc->h;
	uint64_t sum = 0;
	uint32_t mean;

	for (i = 0; i < n; i++)
		sum += sc->score[i];
	mean = (uint32_t)(sum / n);
	for (i = 0; i < n; i++)
		sc->score[i] = sc->score[i] > mean ? sc->score[i] - mean : 0;
}

/* The summed-area tables: sat[k][y * (w + 1) + x] sums s, x s, y s or
 * x y s over the pixels above and left of x, y (the first row and column
 * are 0).  Every term is an integer below 2^53, so the sums are exact. */
static void
smartcrop_tables(struct smartcrop *sc)
{
	unsigned long x, y, w = sc->w, s = w + 1;
	double v, run[4];
	int k;

	for (y = 1; y <= sc->h; y++) {
		run[0] = run[1] = run[2] = run[3] = 0;
		for (x = 1; x <= w; x++) {
			v = sc->score[(y - 1) * w + x - 1];
			run[0] += v;
			run[1] += v * (double)(x - 1);
			run[2] += v * (double)(y - 1);
			run[3] += v * (double)(x - 1) * (double)(y - 1);
			for (k = 0; k < 4; k++)
				sc->sat[k][y * s + x] =
				    sc->sat[k][(y - 1) * s + x] + run[k];
		}
	}
}

/* A table's sum over columns x0..x1 - 1 and rows y0..y1 - 1. */
static double
smartcrop_rect(const struct smartcrop *sc, int k, unsigned long x0,
    unsigned long y0, unsigned long x1, unsigned long y1)
{
	const double *t = sc->sat[k];
	unsigned long s = sc->w + 1;

	return t[y1 * s + x1] - t[y0 * s + x1] - t[y1 * s + x0] +
	    t[y0 * s + x0];
}

/* The tent's two linear pieces along one side: over [at, at + mid) the
 * weight is a[0] + b[0] u, over [at + mid, at + len) a[1] + b[1] u, u the
 * pixel's coordinate; 1 at the centre, SMARTCROP_EDGE_WEIGHT at the ends. */
static void
smartcrop_tent(unsigned long at, unsigned long len, double a[2], double b[2])
{
	double m = (double)at + ((double)len - 1) / 2;
	double k = (1 - SMARTCROP_EDGE_WEIGHT) / ((double)len / 2);

	a[0] = 1 - k * m;
	b[0] = k;
	a[1] = 1 + k * m;
	b[1] = -k;
}

/* A window's score: each quarter's sum of s (a + b x)(c + d y). */
static double
smartcrop_score(const struct smartcrop *sc, unsigned long x, unsigned long y,
    unsigned long cw, unsigned long ch)
{
	double a[2], b[2], c[2], d[2], sum = 0;
	unsigned long xs[3] = { x, x + cw / 2, x + cw };
	unsigned long ys[3] = { y, y + ch / 2, y + ch };
	int i, j;

	smartcrop_tent(x, cw, a, b);
	smartcrop_tent(y, ch, c, d);
	for (j = 0; j < 2; j++)
		for (i = 0; i < 2; i++) {
			if (xs[i] == xs[i + 1] || ys[j] == ys[j + 1])
				continue;
			sum += a[i] * c[j] * smartcrop_rect(sc, 0, xs[i],
			    ys[j], xs[i + 1], ys[j + 1]) +
			    b[i] * c[j] * smartcrop_rect(sc, 1, xs[i], ys[j],
			    xs[i + 1], ys[j + 1]) +
			    a[i] * d[j] * smartcrop_rect(sc, 2, xs[i], ys[j],
			    xs[i + 1], ys[j + 1]) +
			    b[i] * d[j] * smartcrop_rect(sc, 3, xs[i], ys[j],
			    xs[i + 1], ys[j + 1]);
		}
	return sum;
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
	struct smartcrop sc;
	double best = 0, v, floor;
	unsigned long i, j, cx, cy, d, nearest = (unsigned long)-1;
	int k;

	if (w == 0 || h == 0 || cw == 0 || ch == 0 || cw > w || ch > h ||
	    w > SMARTCROP_MAX_PIXELS / h || (channels != 3 && channels != 4))
		return -1;
	cx = (w - cw) / 2;
	cy = (h - ch) / 2;
	*x = (long)cx;
	*y = (long)cy;

	sc.w = w;
	sc.h = h;
	sc.luma = xcalloc(w * h, sizeof *sc.luma);
	sc.cb = xcalloc(w * h, sizeof *sc.cb);
	sc.cr = xcalloc(w * h, sizeof *sc.cr);
	sc.score = xcalloc(w * h, sizeof *sc.score);
	for (k = 0; k < 4; k++)
		sc.sat[k] = xcalloc((w + 1) * (h + 1), sizeof *sc.sat[k]);
	smartcrop_pixels(&sc, px, channels);
	smartcrop_colour(&sc);
	smartcrop_edges(&sc);
	smartcrop_relative(&sc);
	smartcrop_tables(&sc);

	for (j = 0; j + ch <= h; j++) {
		for (i = 0; i + cw <= w; i++) {
			if ((v = smartcrop_score(&sc, i, j, cw, ch)) > best)
				best = v;
		}
	}
	floor = best - best / 256;
	for (j = 0; best > 0 && j + ch <= h; j++) {
		for (i = 0; i + cw <= w; i++) {
			if (smartcrop_score(&sc, i, j, cw, ch) < floor)
				continue;
			if ((d = smartcrop_distance(i, j, cx, cy)) < nearest) {
				nearest = d;
				*x = (long)i;
				*y = (long)j;
			}
		}
	}
	for (k = 0; k < 4; k++)
		free(sc.sat[k]);
	free(sc.score);
	free(sc.cr);
	free(sc.cb);
	free(sc.luma);
	return 0;
}
