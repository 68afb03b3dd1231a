/* bench/formats-enc.c: thumbq's own pipeline (image_thumbnail) on one
 * source, once per format:quality asked, for bench/formats.
 *
 *   formats-enc SRC BOX REPS OUTDIR FORMAT:QUALITY...
 *
 * Each thumbnail (fit in BOX x BOX) is made REPS times; the least CPU time
 * of the process over those runs is printed with the size, one line each:
 * "FORMAT QUALITY BYTES CPU_MS WIDTHxHEIGHT", and the file is written to
 * OUTDIR/FORMAT-QUALITY.EXT.  Built against a build tree's libthumbq.a by
 * bench/formats. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "image.h"
#include "job.h"

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc(size)) == NULL ||
	    fread(buf, 1, size, f) != (size_t)size) {
		fprintf(stderr, "formats-enc: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

int
main(int argc, char **argv)
{
	struct thumbq_conf conf;
	struct image_request req;
	struct image_result res;
	struct job_error err;
	FILE *f;
	unsigned char *in;
	char *cause = NULL, path[4096], fmt[16];
	size_t len;
	int reps, i, r;

	if (argc < 6) {
		fprintf(stderr, "usage: formats-enc SRC BOX REPS OUTDIR "
		    "FORMAT:QUALITY...\n");
		return 64;
	}
	memset(&conf, 0, sizeof conf);
	conf.formats = "jpeg png gif webp";
	conf.max_pixels = 50000000;
	conf.max_dimension = 20000;
	conf.quality = 85;
	if (image_init(argv[0], &conf, &cause) != 0) {
		fprintf(stderr, "formats-enc: %s\n", cause);
		return 1;
	}
	image_child_init(&conf);
	in = slurp(argv[1], &len);
	reps = atoi(argv[3]);
	for (i = 5; i < argc; i++) {
		double best = 1e12, t;
		unsigned q = 0;

		memset(&req, 0, sizeof req);
		req.width = req.height = (unsigned)atoi(argv[2]);
		if (sscanf(argv[i], "%15[a-z]:%u", fmt, &q) != 2 ||
		    job_format_parse(fmt, &req.format) != 0) {
			fprintf(stderr, "formats-enc: bad %s\n", argv[i]);
			return 64;
		}
		req.quality = q;
		for (r = 0; r < (reps > 0 ? reps : 1); r++) {
			t = cpu_ms();
			if (image_thumbnail(in, len, &req, &res, &err) != 0) {
				fprintf(stderr, "formats-enc: %s: %s: %s\n",
				    argv[i], err.code, err.message);
				return 1;
			}
			t = cpu_ms() - t;
			if (t < best)
				best = t;
			if (r + 1 < reps)
				free(res.data);
		}
		snprintf(path, sizeof path, "%s/%s-%u.%s", argv[4], fmt, q,
		    res.ext);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(res.data, 1, res.len, f) != res.len ||
		    fclose(f) != 0) {
			fprintf(stderr, "formats-enc: cannot write %s\n", path);
			return 1;
		}
		printf("%s %u %zu %.2f %ux%u\n", fmt, q, res.len, best,
		    res.width, res.height);
		free(res.data);
	}
	free(in);
	image_shutdown();
	return 0;
}
