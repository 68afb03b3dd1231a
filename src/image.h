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

#include "blurhash.h"
#include "conf.h"
#include "image-request.h"
#include "joberror.h"

struct image_result {
	unsigned char *data;	/* encoded thumbnail; free() it */
	size_t len;
	const char *ext;	/* "jpg", "png", "webp", "avif" or "jxl" */
	unsigned width;
	unsigned height;
};

/* What a client shows while the thumbnails load: a BlurHash of 4 x 3
 * components and the dominant colour, "#rrggbb", of the picture as shown
 * (turned, in sRGB, transparency over white). */
struct image_placeholder {
	char blurhash[BLURHASH_MAX];
	char color[8];
};

/* The most thumbnails image_thumbnails makes of one image. */
#define IMAGE_MAX_OUTPUTS 16

/* Returns 0, or -1 with *cause set. */
int image_init(const char *argv0, const struct thumbq_conf *conf, char **cause);
void image_child_init(const struct thumbq_conf *conf);
/* Makes a thumbnail of the box in req->mode (fit: inside, aspect kept, never
 * enlarged; fill: exactly the box, centre-cropped; pad: fit, then padded to
 * exactly the box), in req->format (auto: JPEG, or PNG when the thumbnail
 * has transparency), EXIF orientation applied, converted to sRGB, stripped.
 * Returns 0 with res filled, or -1 with err filled: codes "unsupported_format",
 * "image_too_large", "image_too_costly" (a JPEG of too many scans),
 * "image_corrupt", "image_failed". */
int image_thumbnail(const unsigned char *in, size_t len,
    const struct image_request *req, struct image_result *res,
    struct job_error *err);
/* n thumbnails of one image, res[i] for reqs[i], from one decode at the
 * size the largest needs, and its placeholder when ph is not NULL.
 * Returns 0 with every res filled, or -1 with err filled and none. */
int image_thumbnails(const unsigned char *in, size_t len,
    const struct image_request *reqs, size_t n, struct image_result *res,
    struct image_placeholder *ph, struct job_error *err);
void image_shutdown(void);

#endif
