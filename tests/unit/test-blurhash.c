/* test-blurhash.c: blurhash_encode() against the reference encoder's own
 * hashes (blurhash-vectors.h, made by blurhash-vectors.js with the npm
 * package blurhash), on pixels made here as the script makes them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "blurhash.h"
#include "tap.h"

struct vector {
	int pattern;
	unsigned w, h;
	uint32_t seed;
	unsigned cx, cy;
	const char *hash;
};

static const struct vector vectors[] = {
#include "blurhash-vectors.h"
};

/* The script's pixels(): 0 pseudo-random (its LCG), 1 a diagonal
 * gradient, 2 a flat colour with a bright square off-centre. */
static unsigned char *
pixels(int pattern, unsigned w, unsigned h, uint32_t seed)
{
	static const int in[3] = { 250, 220, 40 }, out[3] = { 30, 60, 90 };
	unsigned char *px = malloc((size_t)w * h * 4);
	uint32_t x = seed;

	for (unsigned y = 0; y < h; y++) {
		for (unsigned i = 0; i < w; i++) {
			unsigned char *o = px + ((size_t)y * w + i) * 4;

			for (int c = 0; c < 4; c++) {
				int v;

				if (pattern == 0) {
					x = x * 1664525u + 1013904223u;
					v = (int)(x >> 24);
				} else if (pattern == 1) {
					double a = (double)i * 255 /
					    (w > 1 ? w - 1 : 1);
					double b = (double)y * 255 /
					    (h > 1 ? h - 1 : 1);

					v = c == 3 ? 255 : (int)((a * (c + 1) /
					    3 + b * (3 - c) / 3) / 2);
				} else {
					int inside = i >= w / 4 && i < w / 2 &&
					    y >= h / 2 && y < 3 * h / 4;

					v = c == 3 ? 255 : inside ? in[c] :
					    out[c];
				}
				o[c] = (unsigned char)v;
			}
		}
	}
	return px;
}

int
main(void)
{
	char hash[BLURHASH_MAX];
	unsigned char one[4] = { 10, 20, 30, 255 };

	for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++) {
		const struct vector *v = &vectors[k];
		unsigned char *px = pixels(v->pattern, v->w, v->h, v->seed);

		ok(blurhash_encode(px, v->w, v->h, v->cx, v->cy, hash) == 0,
		    "vector %zu encodes", k);
		is_str(hash, v->hash, "vector %zu: pattern %d, %ux%u, %ux%u "
		    "components: the reference hash", k, v->pattern, v->w,
		    v->h, v->cx, v->cy);
		free(px);
	}
	ok(blurhash_encode(one, 1, 1, 0, 3, hash) == -1,
	    "0 components refused");
	ok(blurhash_encode(one, 1, 1, 10, 3, hash) == -1,
	    "10 components refused");
	ok(blurhash_encode(one, 0, 1, 4, 3, hash) == -1, "no pixels refused");
	return tap_done();
}
