/* image-internal.h: what the files of the image module share, and nobody
 * else sees.
 *
 *   image.c        the pipeline (image_thumbnail) and the encoders
 *   image-gm.c     GraphicsMagick's set-up (init, coders, limits,
 *                  handlers) and its decoders, forced by prefix
 *   image-webp.c   WebP through libwebp: an animation's first frame,
 *                  decoded at a reduced size
 *   image-icc.c    embedded ICC profiles and the conversion to sRGB
 *   image-avif.c   AVIF output through libheif (GraphicsMagick cannot)
 *   image-jxl.c    JPEG XL output through libjxl
 *   image-error.c  what a GraphicsMagick exception means for the job
 *
 * The arithmetic of sizes is geometry.c's, the byte readers bytes.h's. */
#ifndef THUMBQ_IMAGE_INTERNAL_H
#define THUMBQ_IMAGE_INTERNAL_H

#include <stddef.h>

#include <magick/api.h>

#include "image.h"
#include "imghdr.h"
#include "joberror.h"

/* A set of imghdr formats, as bits. */
#define IMAGE_FMT(f)	(1U << (f))

/* What image_init() and image_child_init() decided, for the pipeline's
 * checks of each request and header. */
struct image_setup {
	unsigned allowed;	/* formats accepted as input */
	unsigned registered;	/* coders still registered */
	unsigned long max_pixels;	/* 0 = no limit */
	unsigned max_dimension;	/* 0 = no limit */
};
extern struct image_setup image_setup;

/* Where the first frame of an animation sits on its canvas. */
struct image_frame {
	int animation;		/* 0: a still; the rest is then unset */
	unsigned long canvas_w;
	unsigned long canvas_h;
	long x;
	long y;
	unsigned long w;
	unsigned long h;
};

/* image.c */
/* The thumbnail's pixels as packed 8-bit RGB or RGBA (alpha), to free().
 * Returns 0, or -1 with err filled. */
int image_export_pixels(const Image *image, int alpha, unsigned char **px,
    struct job_error *err);

/* A JPEG quality as another encoder's that looks the same, through pts
 * (JPEG's, the encoder's), ascending from (0, 0) to (100, 100). */
unsigned image_quality_map(unsigned q, const unsigned char (*pts)[2],
    size_t n);

/* image-avif.c, image-jxl.c */
/* 1 if this build (and, for AVIF, libheif's plugins) can write the
 * format, else 0. */
int image_avif_available(void);
int image_jxl_available(void);
/* Encode the finished thumbnail (8-bit sRGB, alpha if image->matte) at
 * quality 1-100 into *out, to free().  Return 0, or -1 with err filled. */
int image_avif_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err);
int image_jxl_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err);

/* image-gm.c */
/* The formats imghdr knows, for messages: "jpeg png gif ...". */
const char *image_gm_known_formats(void);
/* Decodes the first frame with the coder of hdr->format, scaled for a big
 * JPEG; *hinted says whether it was.  Returns 0, or -1 with err filled. */
int image_gm_decode(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, const struct image_request *req, Image **image,
    int *hinted, ExceptionInfo *ex, struct job_error *err);

/* image-webp.c */
/* Decodes a WebP at a reduced size, the first frame of an animation with
 * frame filled to place it; *hinted says whether it was reduced.  Returns 0,
 * or -1 with err filled. */
int image_webp_decode(const unsigned char *in, size_t len,
    const struct imghdr *hdr, const struct image_request *req,
    struct image_frame *frame, Image **image, int *hinted, ExceptionInfo *ex,
    struct job_error *err);

/* image-icc.c */
/* Makes the pixels sRGB, through the embedded ICC profile if it is usable. */
void image_icc_to_srgb(Image *image, const struct imghdr *hdr);

/* image-placeholder.c */
/* The placeholder of the decoded image (left as it is).  Returns 0, or -1
 * with err filled. */
int image_placeholder(Image *image, const struct imghdr *hdr,
    struct image_placeholder *ph, ExceptionInfo *ex, struct job_error *err);

/* image-error.c */
/* s with anything but printable ASCII replaced, in buf; "" for NULL. */
const char *image_error_clean(const char *s, char *buf, size_t size);
/* A decoder returned no image, or an error with one. */
void image_error_decode(const struct imghdr *hdr, const ExceptionInfo *ex,
    struct job_error *err);
/* A step after decoding returned no image: our failure. */
void image_error_step(const char *step, const ExceptionInfo *ex,
    struct job_error *err);

#endif
