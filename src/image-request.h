/* image-request.h: what a client asks of a thumbnail (box, mode, format,
 * quality, background, gravity).
 *
 * The API parses it and the job record keeps it (job.c), the worker hands
 * it to image_thumbnail() (image.h): the callers' side of the image module,
 * kept apart so that the job model needs nothing of the image library. */
#ifndef THUMBQ_IMAGE_REQUEST_H
#define THUMBQ_IMAGE_REQUEST_H

enum image_mode {
	IMAGE_FIT = 0,		/* inside the box, aspect kept, not enlarged */
	IMAGE_FILL,		/* cover the box, crop to it (gravity) */
	IMAGE_PAD,		/* fit, then pad to the box with background */
};

enum image_format {
	IMAGE_AUTO = 0,		/* JPEG if opaque, PNG if transparent */
	IMAGE_JPEG,
	IMAGE_PNG,
	IMAGE_WEBP,
	IMAGE_AVIF,		/* through libheif, when built with it */
	IMAGE_JXL,		/* through libjxl, when built with it */
	IMAGE_NEGOTIATE,	/* the API's only: AVIF, WebP or auto from the
				 * client's Accept header, resolved before the
				 * job is stored (job_format_negotiate) */
};

/* Which part of the source fill keeps, as the picture is shown (after the
 * EXIF turn).  Compass points put the crop against that side or corner;
 * focus keeps focus_x, focus_y in view, as near the crop's centre as the
 * image allows; smart keeps what stands out most (smartcrop.c). */
enum image_gravity {
	IMAGE_GRAVITY_CENTER = 0,
	IMAGE_GRAVITY_NORTH,
	IMAGE_GRAVITY_SOUTH,
	IMAGE_GRAVITY_EAST,
	IMAGE_GRAVITY_WEST,
	IMAGE_GRAVITY_NORTHEAST,
	IMAGE_GRAVITY_NORTHWEST,
	IMAGE_GRAVITY_SOUTHEAST,
	IMAGE_GRAVITY_SOUTHWEST,
	IMAGE_GRAVITY_FOCUS,
	IMAGE_GRAVITY_SMART,
};

/* focus_x and focus_y are in ten-thousandths of the width and height:
 * 0 is the left or top edge, IMAGE_FOCUS_ONE the right or bottom one. */
#define IMAGE_FOCUS_ONE	10000

struct image_request {
	unsigned width;		/* the box */
	unsigned height;
	enum image_mode mode;
	enum image_format format;
	unsigned quality;	/* lossy formats, 1-100; 0 = default (85) */
	int has_background;	/* 0: white, or transparent if it can be */
	unsigned char background[4];	/* RGBA, when has_background */
	enum image_gravity gravity;	/* fill only; center otherwise */
	unsigned focus_x;	/* gravity focus: 0..IMAGE_FOCUS_ONE */
	unsigned focus_y;
};

#endif
