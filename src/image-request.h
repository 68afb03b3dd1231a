/* image-request.h: what a client asks of a thumbnail (box, mode, format,
 * quality, background).
 *
 * The API parses it and the job record keeps it (job.c), the worker hands
 * it to image_thumbnail() (image.h): the callers' side of the image module,
 * kept apart so that the job model needs nothing of the image library. */
#ifndef THUMBQ_IMAGE_REQUEST_H
#define THUMBQ_IMAGE_REQUEST_H

enum image_mode {
	IMAGE_FIT = 0,		/* inside the box, aspect kept, not enlarged */
	IMAGE_FILL,		/* cover the box, crop the centre to the box */
	IMAGE_PAD,		/* fit, then pad to the box with background */
};

enum image_format {
	IMAGE_AUTO = 0,		/* JPEG if opaque, PNG if transparent */
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
	int has_background;	/* 0: white, or transparent if it can be */
	unsigned char background[4];	/* RGBA, when has_background */
};

#endif
