/* image.h: the thumbnail pipeline on GraphicsMagick.
 *
 * image_init() runs once in the thumbqd master before fork: it initialises
 * GraphicsMagick without its signal handlers, unregisters every coder except
 * the allowed source formats and the output formats, and sets one thread per
 * process.  image_child_init() runs in each child: resource limits (pixels,
 * memory, disk = 0).  image_thumbnail() does the work for one job. */
#ifndef THUMBQ_IMAGE_H
#define THUMBQ_IMAGE_H

#include <stddef.h>

#include "conf.h"
#include "joberror.h"

enum image_mode {
	IMAGE_FIT = 0,		/* inside the box, aspect kept, never enlarged */
	IMAGE_FILL,		/* cover the box, centre-crop to exactly width x height */
	IMAGE_PAD,		/* fit, then pad to exactly width x height with background */
};

enum image_format {
	IMAGE_AUTO = 0,		/* JPEG for opaque sources, PNG for transparent ones */
	IMAGE_JPEG,
	IMAGE_PNG,
	IMAGE_WEBP,
};

struct image_request {
	unsigned width;		/* the box */
	unsigned height;
	enum image_mode mode;
	enum image_format format;
	unsigned quality;	/* lossy formats, 1-100; 0 = default (85) */
	int has_background;	/* 0: white, or transparent where the format allows */
	unsigned char background[4];	/* RGBA, when has_background */
};

struct image_result {
	unsigned char *data;	/* encoded thumbnail; free() it */
	size_t len;
	const char *ext;	/* "jpg", "png" or "webp" */
	unsigned width;
	unsigned height;
};

/* Returns 0, or -1 with *cause set. */
int image_init(const char *argv0, const struct thumbq_conf *conf, char **cause);
void image_child_init(const struct thumbq_conf *conf);
/* Makes a thumbnail of the box in req->mode (fit: inside, aspect kept, never
 * enlarged; fill: exactly the box, centre-cropped; pad: fit, then padded to
 * exactly the box), in req->format (auto: JPEG, or PNG when the thumbnail
 * has transparency), EXIF orientation applied, converted to sRGB, stripped.
 * Returns 0 with res filled, or -1 with err filled: codes "unsupported_format",
 * "image_too_large", "image_corrupt", "image_failed". */
int image_thumbnail(const unsigned char *in, size_t len, const struct image_request *req,
    struct image_result *res, struct job_error *err);
void image_shutdown(void);

#endif
