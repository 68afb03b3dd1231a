/* blurhash.c: the BlurHash encoder (see blurhash.h).
 *
 * The picture as a few cosine components (a DCT of the whole image, in
 * linear light): the average colour (DC) and cx * cy - 1 AC terms,
 * quantised and written in base 83.  It follows the reference encoder,
 * the npm package blurhash (woltapp, TypeScript), number for number:
 * doubles throughout, the sums in its order (columns outer, rows inner),
 * and its choice of the AC scale, the largest component value (signed,
 * not the largest magnitude as the C port takes it), so that the hashes
 * are the same strings (tests/unit/test-blurhash.c holds vectors it made,
 * tests/unit/blurhash-vectors.js makes them). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "blurhash.h"

static const char blurhash_digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    "#$%*+,-.:;=?@[]^_{|}~";

/* n as len base-83 digits, most significant first. */
static char *
blurhash_put83(char *p, unsigned long n, int len)
{
	for (int i = len - 1; i >= 0; i--) {
		p[i] = blurhash_digits[n % 83];
		n /= 83;
	}
	return p + len;
}

static double
blurhash_to_linear(unsigned char c)
{
	double v = c / 255.0;

	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* Math.trunc(x + 0.5) of the reference, for x >= 0. */
static unsigned long
blurhash_to_srgb(double value)
{
	double v = value < 0 ? 0 : value > 1 ? 1 : value;

	if (v <= 0.0031308)
		return (unsigned long)trunc(v * 12.92 * 255 + 0.5);
	return (unsigned long)trunc((1.055 * pow(v, 1 / 2.4) - 0.055) * 255 +
	    0.5);
}

static double
blurhash_sign_pow(double v, double e)
{
	return (v < 0 ? -1 : 1) * pow(fabs(v), e);
}

static unsigned long
blurhash_quant_ac(double v, double max)
{
	double q = floor(blurhash_sign_pow(v / max, 0.5) * 9 + 9.5);

	return (unsigned long)(q < 0 ? 0 : q > 18 ? 18 : q);
}

/* One component: the image times the basis cos(pi x i / w) cos(pi y j / h)
 * in linear light, scaled by norm / (w * h). */
static void
blurhash_factor(const unsigned char *rgba, unsigned w, unsigned h,
    const double *lin, unsigned i, unsigned j, double out[3])
{
	double r = 0, g = 0, b = 0, norm = i == 0 && j == 0 ? 1 : 2;
	double scale = 1.0 / ((double)w * h);

	for (unsigned x = 0; x < w; x++) {
		for (unsigned y = 0; y < h; y++) {
			const unsigned char *px = rgba +
			    ((size_t)y * w + x) * 4;
			double basis = norm * cos(M_PI * i * x / w) *
			    cos(M_PI * j * y / h);

			r += basis * lin[px[0]];
			g += basis * lin[px[1]];
			b += basis * lin[px[2]];
		}
	}
	out[0] = r * scale;
	out[1] = g * scale;
	out[2] = b * scale;
}

int
blurhash_encode(const unsigned char *rgba, unsigned w, unsigned h,
    unsigned cx, unsigned cy, char out[BLURHASH_MAX])
{
	double f[81][3], lin[256], max = 1, actual;
	unsigned n = cx * cy;
	char *p = out;

	if (cx < 1 || cx > 9 || cy < 1 || cy > 9 || w == 0 || h == 0)
		return -1;
	for (int c = 0; c < 256; c++)
		lin[c] = blurhash_to_linear((unsigned char)c);
	for (unsigned j = 0; j < cy; j++)
		for (unsigned i = 0; i < cx; i++)
			blurhash_factor(rgba, w, h, lin, i, j, f[j * cx + i]);
	p = blurhash_put83(p, (cx - 1) + (cy - 1) * 9, 1);
	if (n > 1) {
		double q;

		actual = f[1][0];
		for (unsigned k = 1; k < n; k++)
			for (int c = 0; c < 3; c++)
				if (f[k][c] > actual)
					actual = f[k][c];
		q = floor(actual * 166 - 0.5);
		q = q < 0 ? 0 : q > 82 ? 82 : q;
		max = (q + 1) / 166;
		p = blurhash_put83(p, (unsigned long)q, 1);
	} else
		p = blurhash_put83(p, 0, 1);
	p = blurhash_put83(p, (blurhash_to_srgb(f[0][0]) << 16) +
	    (blurhash_to_srgb(f[0][1]) << 8) + blurhash_to_srgb(f[0][2]), 4);
	for (unsigned k = 1; k < n; k++)
		p = blurhash_put83(p,
		    blurhash_quant_ac(f[k][0], max) * 19 * 19 +
		    blurhash_quant_ac(f[k][1], max) * 19 +
		    blurhash_quant_ac(f[k][2], max), 2);
	*p = '\0';
	return 0;
}
