/* image.c: the thumbnail pipeline on GraphicsMagick (see image.h), and
 * the encoders.
 *
 * The bytes are hostile.  Before any decoder sees them, imghdr tells the
 * format and dimensions; unknown or disallowed formats and oversized images
 * are refused here.  GraphicsMagick then decodes with the coder of the
 * sniffed format only, under resource limits (image-gm.c); WebP is the
 * exception: libwebp, called directly, decodes it at a reduced size
 * (image-webp.c), and GraphicsMagick only gets the pixels.  The sizes are
 * geometry.c's, the colours image-icc.c's.  The figures quoted below were
 * measured with GraphicsMagick 1.3.40 Q16, one thread.
 *
 * What a request gets (see image-request.h for the fields):
 *
 *   mode    fit: inside the box, aspect kept, never enlarged (the default).
 *           fill: exactly the box; the source is cropped to the box's
 *           aspect where gravity says (the centre by default), then scaled
 *           (enlarged if it is smaller than the box).
 *           pad: fit, then centred on exactly the box; a small source is not
 *           enlarged but padded.
 *   format  auto (the default): PNG when the thumbnail has transparency
 *           (from the source, or a translucent pad background), else JPEG.
 *           jpeg, png, webp (lossy, alpha kept) as asked; avif (libheif,
 *           image-avif.c) and jxl (libjxl, image-jxl.c), alpha kept, when
 *           this build has them.  (negotiate is the API's, resolved from
 *           the Accept header before a job is stored: never seen here.)
 *   gravity fill only: center, the compass points (the crop against that
 *           side or corner of the picture as shown), focus (focus_x,
 *           focus_y as near the crop's centre as the image allows), smart
 *           (the crop that holds the most of what stands out, smartcrop.c).
 *   quality JPEG, WebP, AVIF and JPEG XL, 1-100; 0 means 85.  PNG ignores
 *           it.
 *   background
 *           Fills the padding of pad, and is what a transparent source is
 *           flattened onto for JPEG.  Transparency is kept in PNG and WebP,
 *           never flattened there.  Without one: white, except transparent
 *           padding when the source itself has transparency and the format
 *           keeps it (a logo on a white box would look cut out).  For JPEG a
 *           translucent background is first composed over white.
 *
 * And whatever the request: EXIF orientation applied and the tag gone with
 * all other metadata; sRGB pixels (embedded ICC profiles converted through
 * lcms, CMYK without a profile converted arithmetically); 8 bits per
 * sample; the first frame of an animation, placed on its canvas as a
 * browser shows it. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geometry.h"
#include "image-internal.h"
#include "smartcrop.h"
#include "xmalloc.h"

#define IMAGE_DEFAULT_QUALITY	85
/* hinted, for a decode that variants share once image_share() brought it
 * down: its true size is the header's, and it may be twice the largest
 * variant, many times a smaller one. */
#define IMAGE_SHARED		2
/* Gravity smart looks at a copy at most this large a side: enough to
 * place a crop to a fraction of a percent, and a few milliseconds to
 * score (see smartcrop.c). */
#define IMAGE_SMART_SIDE	256

/* Is w x h beyond the decoding limits (max_dimension a side, max_pixels
 * in all)?  0 is no limit. */
static int
image_over_limits(unsigned w, unsigned h)
{
	unsigned d = image_setup.max_dimension;

	return (d != 0 && (w > d || h > d)) || (image_setup.max_pixels != 0 &&
	    (uint64_t)w * h > image_setup.max_pixels);
}

/* Quotes the first bytes of something that is not an image, so that an HTML
 * error page or an SVG is recognisable in the job's error message. */
static void
image_quote_start(const unsigned char *in, size_t len, char *buf, size_t size)
{
	size_t i, n;

	n = len < 16 ? len : 16;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' &&
		    in[i] != '\\') ? (char)in[i] : '.';
	buf[n] = '\0';
}

/* Everything that can be refused from the header alone, before decoding. */
static int
image_check_header(const unsigned char *in, size_t len, struct imghdr *hdr,
    struct job_error *err)
{
	char start[32];
	const char *name;
	int read_ok;

	read_ok = imghdr_read(in, len, hdr) == 0;
	name = imghdr_format_name(hdr->format);
	if (hdr->format == IMGHDR_UNKNOWN) {
		image_quote_start(in, len, start, sizeof start);
		job_error_set(err, "unsupported_format", 0, "not an image in a "
		    "format this server knows (%s): %zu bytes starting \"%s\"",
		    image_gm_known_formats(), len, start);
		return -1;
	}
	if (!(image_setup.allowed & IMAGE_FMT(hdr->format))) {
		job_error_set(err, "unsupported_format", 0, "%s images are not "
		    "accepted by this server", name);
		return -1;
	}
	if (imghdr_refusal(hdr, err) != 0)
		return -1;
	if (!read_ok) {
		job_error_set(err, "image_corrupt", 0, "truncated or malformed "
		    "%s header (%zu bytes)", name, len);
		return -1;
	}
	if (image_over_limits(hdr->width, hdr->height)) {
		job_error_set(err, "image_too_large", 0,
		    "%s image is %ux%u; the limit is %lu pixels and %u per "
		    "side", name, hdr->width, hdr->height,
		    image_setup.max_pixels, image_setup.max_dimension);
		return -1;
	}
	return 0;
}

/*
 * Lanczos, the filter Pillow and libvips use for thumbnails.  After a hinted
 * JPEG decode the image is small and Lanczos costs about a millisecond.  From
 * a full decode of a big image, Lanczos over every source pixel dominates
 * (243 ms for 4000x3000 here), so a box average (ScaleImage, every pixel
 * counted, no aliasing) first brings it to twice the thumbnail: 43 ms, and
 * 57 dB PSNR against the full Lanczos, where ThumbnailImage's point sampling
 * gives 43 dB and visible aliasing on fine patterns.  A decode that was
 * hinted is at most twice the thumbnail; one shared by variants
 * (IMAGE_SHARED) is twice the largest, and the box average helps the
 * smaller ones.
 */
static Image *
image_resize(Image *image, unsigned long tw, unsigned long th, int hinted,
    ExceptionInfo *ex)
{
	Image *scaled, *resized;

	if (hinted == 1 || image->columns < tw * 4 || image->rows < th * 4)
		return ResizeImage(image, tw, th, LanczosFilter, 1.0, ex);
	scaled = ScaleImage(image, tw * 2, th * 2, ex);
	if (scaled == NULL)
		return NULL;
	resized = ResizeImage(scaled, tw, th, LanczosFilter, 1.0, ex);
	DestroyImage(scaled);
	return resized;
}

/* Replaces *image with next, which the caller made from it. */
static void
image_replace(Image **image, Image *next)
{
	DestroyImageList(*image);
	*image = next;
}

/*
 * What the image side refuses itself: the API validates the same fields
 * (and answers 422), but a job stored by an older or foreign writer must
 * not get a surprising thumbnail either.  The box is bounded by the decoding
 * limits, since fill and pad make exactly the box.
 */
static int
image_check_request(const struct image_request *req, struct job_error *err)
{
	if (req->width == 0 || req->height == 0) {
		job_error_set(err, "image_failed", 0, "invalid thumbnail box "
		    "%ux%u", req->width, req->height);
		return -1;
	}
	if (image_over_limits(req->width, req->height)) {
		job_error_set(err, "image_failed", 0, "thumbnail box %ux%u "
		    "exceeds the limits (%lu pixels, %u per side)", req->width,
		    req->height, image_setup.max_pixels,
		    image_setup.max_dimension);
		return -1;
	}
	if (req->mode != IMAGE_FIT && req->mode != IMAGE_FILL &&
	    req->mode != IMAGE_PAD) {
		job_error_set(err, "image_failed", 0, "invalid mode %d",
		    (int)req->mode);
		return -1;
	}
	if (req->format != IMAGE_AUTO && req->format != IMAGE_JPEG &&
	    req->format != IMAGE_PNG && req->format != IMAGE_WEBP &&
	    req->format != IMAGE_AVIF && req->format != IMAGE_JXL) {
		job_error_set(err, "image_failed", 0, "invalid format %d",
		    (int)req->format);
		return -1;
	}
	if ((unsigned)req->gravity > IMAGE_GRAVITY_SMART ||
	    req->focus_x > IMAGE_FOCUS_ONE || req->focus_y > IMAGE_FOCUS_ONE) {
		job_error_set(err, "image_failed", 0, "invalid gravity %d "
		    "(focus %u, %u)", (int)req->gravity, req->focus_x,
		    req->focus_y);
		return -1;
	}
	if (req->quality > 100) {
		job_error_set(err, "image_failed", 0, "invalid quality %u "
		    "(1-100, or 0 for the default)", req->quality);
		return -1;
	}
	if (req->format == IMAGE_WEBP &&
	    !(image_setup.registered & IMAGE_FMT(IMGHDR_WEBP))) {
		job_error_set(err, "image_failed", 0, "WebP output is not "
		    "available: GraphicsMagick has no WEBP coder");
		return -1;
	}
	/* The API refuses what this build lacks; a runtime without libheif's
	 * AV1 encoder plugin is only seen here. */
	if ((req->format == IMAGE_AVIF && !image_avif_available()) ||
	    (req->format == IMAGE_JXL && !image_jxl_available())) {
		job_error_set(err, "format_unavailable", 0, "format %s is not "
		    "available on this server",
		    req->format == IMAGE_AVIF ? "avif" : "jxl");
		return -1;
	}
	return 0;
}

/*
 * Puts image at x,y on a w x h canvas of colour px, pixel for pixel
 * (CopyCompositeOp), so that its own transparency is kept: used for the
 * padding of pad and to place an animation's first frame on its canvas.
 * Copy takes the source's opacity channel as it is, and an image without
 * matte can hold anything there (K, after a CMYK conversion), so it is made
 * opaque first.
 */
static Image *
image_on_canvas(Image *image, unsigned long w, unsigned long h, long x,
    long y, const PixelPacket *px, ExceptionInfo *ex)
{
	Image *canvas;
	int matte = image->matte;

	if (!matte && SetImageOpacity(image, OpaqueOpacity) != MagickPass) {
		CopyException(ex, &image->exception);
		return NULL;
	}
	if ((canvas = CloneImage(image, w, h, MagickTrue, ex)) == NULL)
		return NULL;
	/* The clone may be PseudoClass: a colormap image would be rebuilt
	 * from its (unset) indexes. */
	canvas->storage_class = DirectClass;
	canvas->background_color = *px;
	memset(&canvas->page, 0, sizeof canvas->page);
	if (SetImage(canvas, px->opacity) != MagickPass ||
	    CompositeImage(canvas, CopyCompositeOp, image, x, y) !=
	    MagickPass) {
		CopyException(ex, &canvas->exception);
		DestroyImage(canvas);
		return NULL;
	}
	canvas->matte = px->opacity != OpaqueOpacity || matte;
	return canvas;
}

/* The output format for a request; transparent says whether the thumbnail
 * (padding included) will have a pixel that is not opaque. */
static enum image_format
image_choose_format(const struct image_request *req, int transparent)
{
	if (req->format != IMAGE_AUTO)
		return req->format;
	return transparent ? IMAGE_PNG : IMAGE_JPEG;
}

/*
 * The background as a pixel (see the top of this file): the request's, or
 * transparent padding for a transparent source in a format with alpha, or
 * white.  JPEG has no alpha, so a translucent colour is composed over white
 * there, which is what it would look like on a white page.
 */
static void
image_background(const struct image_request *req, int alpha_ok,
    int transparent, PixelPacket *px)
{
	unsigned c[4] = { 255, 255, 255, 255 }, i;

	if (req->has_background) {
		for (i = 0; i < 4; i++)
			c[i] = req->background[i];
	} else if (alpha_ok && transparent)
		c[0] = c[1] = c[2] = c[3] = 0;
	if (!alpha_ok && c[3] < 255) {
		for (i = 0; i < 3; i++)
			c[i] = (c[i] * c[3] + 255 * (255 - c[3]) + 127) / 255;
		c[3] = 255;
	}
	px->red = ScaleCharToQuantum(c[0]);
	px->green = ScaleCharToQuantum(c[1]);
	px->blue = ScaleCharToQuantum(c[2]);
	px->opacity = ScaleCharToQuantum(255 - c[3]);
}

/*
 * The thumbnail's pixels as 8-bit RGB, or RGBA when alpha, rows packed, for
 * the encoders that are not GraphicsMagick's; *px is to free().  The image
 * is a thumbnail, within the box the request was checked against.
 */
int
image_export_pixels(const Image *image, int alpha, unsigned char **px,
    struct job_error *err)
{
	ExceptionInfo ex;
	size_t bpp = alpha ? 4 : 3;
	int rv = -1;

	*px = NULL;
	GetExceptionInfo(&ex);
	if (image->columns == 0 || image->rows == 0 ||
	    (uint64_t)image->columns * image->rows > SIZE_MAX / bpp) {
		job_error_set(err, "image_failed", 0, "cannot export %lux%lu "
		    "pixels", image->columns, image->rows);
		goto out;
	}
	*px = xmalloc(image->columns * image->rows * bpp);
	if (DispatchImage(image, 0, 0, image->columns, image->rows,
	    alpha ? "RGBA" : "RGB", CharPixel, *px, &ex) != MagickPass) {
		image_error_step("exporting pixels", &ex, err);
		free(*px);
		*px = NULL;
		goto out;
	}
	rv = 0;
out:
	DestroyExceptionInfo(&ex);
	return rv;
}

/*
 * A request's quality (1-100, as libjpeg means it) as the quality of
 * another encoder that looks the same: piecewise linear through pts, pairs
 * of (JPEG quality, that encoder's), ascending, from (0, 0) to (100, 100).
 * So that a client's quality 85 is about as good whatever format it gets
 * (negotiate chooses it for them), not 85 on each library's own scale.
 */
unsigned
image_quality_map(unsigned q, const unsigned char (*pts)[2], size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (q <= pts[i][0])
			return pts[i - 1][1] + ((q - pts[i - 1][0]) *
			    (unsigned)(pts[i][1] - pts[i - 1][1]) +
			    (pts[i][0] - pts[i - 1][0]) / 2) /
			    (pts[i][0] - pts[i - 1][0]);
	return pts[n - 1][1];
}

/* AVIF and JPEG XL: their own libraries, from the pixels. */
static int
image_encode_other(Image *image, enum image_format format, unsigned quality,
    struct image_result *res, struct job_error *err)
{
	int rv;

	if (quality == 0)
		quality = IMAGE_DEFAULT_QUALITY;
	if (format == IMAGE_AVIF) {
		rv = image_avif_encode(image, quality, &res->data, &res->len,
		    err);
		res->ext = "avif";
	} else {
		rv = image_jxl_encode(image, quality, &res->data, &res->len,
		    err);
		res->ext = "jxl";
	}
	if (rv != 0) {
		res->ext = NULL;
		return -1;
	}
	res->width = (unsigned)image->columns;
	res->height = (unsigned)image->rows;
	return 0;
}

/* Writes the thumbnail; the caller frees res->data with free(). */
static int
image_encode(Image *image, enum image_format format, unsigned quality,
    struct image_result *res, struct job_error *err)
{
	ExceptionInfo ex;
	ImageInfo *info;
	const char *coder, *ext;
	void *blob;
	size_t bloblen = 0;
	int rv = -1;

	if (format == IMAGE_AVIF || format == IMAGE_JXL)
		return image_encode_other(image, format, quality, res, err);
	switch (format) {
	case IMAGE_PNG:
		coder = "PNG";
		ext = "png";
		break;
	case IMAGE_WEBP:
		coder = "WEBP";
		ext = "webp";
		break;
	default:
		coder = "JPEG";
		ext = "jpg";
		break;
	}
	GetExceptionInfo(&ex);
	info = CloneImageInfo(NULL);
	snprintf(info->filename, sizeof info->filename, "%s:", coder);
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	snprintf(image->magick, sizeof image->magick, "%s", coder);
	/* PNG reads quality as zlib level and filter: its default stays. */
	if (format != IMAGE_PNG)
		info->quality = quality != 0 ? quality : IMAGE_DEFAULT_QUALITY;
	blob = ImageToBlob(info, image, &bloblen, &ex);
	if (blob == NULL || bloblen == 0) {
		image_error_step("encoding", &ex, err);
		goto out;
	}
	/* Callers free() the result; GraphicsMagick's blob is MagickFree()'d,
	 * so copy it (a thumbnail is a few kilobytes). */
	res->data = xmalloc(bloblen);
	memcpy(res->data, blob, bloblen);
	res->len = bloblen;
	res->ext = ext;
	res->width = (unsigned)image->columns;
	res->height = (unsigned)image->rows;
	rv = 0;
out:
	if (blob != NULL)
		MagickFree(blob);
	DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return rv;
}

/*
 * The decoded first frame, as a browser shows it: an animated WebP's frame
 * (decoded by image_webp_decode from a still of it) or a GIF frame smaller
 * than its logical screen is put at its offset on a transparent canvas of
 * the size imghdr checked.
 */
static int
image_place_frame(Image **image, const struct imghdr *hdr,
    const struct image_frame *frame, ExceptionInfo *ex, struct job_error *err)
{
	const PixelPacket clear = { .red = 0, .green = 0, .blue = 0,
	    .opacity = TransparentOpacity };
	Image *next;
	unsigned long cw, ch;
	long x, y;

	if (frame->animation) {
		if ((*image)->columns != frame->w ||
		    (*image)->rows != frame->h) {
			job_error_set(err, "image_corrupt", 0, "corrupt webp "
			    "image: first frame is %lux%lu, its header says "
			    "%lux%lu", (*image)->columns, (*image)->rows,
			    frame->w, frame->h);
			return -1;
		}
		cw = frame->canvas_w;
		ch = frame->canvas_h;
		x = frame->x;
		y = frame->y;
	} else if (hdr->format == IMGHDR_GIF &&
	    (*image)->page.width == hdr->width &&
	    (*image)->page.height == hdr->height) {
		cw = hdr->width;
		ch = hdr->height;
		x = (*image)->page.x;
		y = (*image)->page.y;
	} else
		return 0;
	if ((*image)->columns == cw && (*image)->rows == ch && x == 0 && y == 0)
		return 0;
	if ((next = image_on_canvas(*image, cw, ch, x, y, &clear,
	    ex)) == NULL) {
		image_error_step("placing the first frame", ex, err);
		return -1;
	}
	image_replace(image, next);
	return 0;
}

/*
 * The one request several thumbnails are decoded for: a fit in a square
 * whose side is enough for every one of them.  The decoders' reduced size
 * is a function of the box's longer side, and a square covers either
 * orientation (EXIF is applied after the decode); a fill needs the source's
 * shorter side to cover the box, as large a square as the longer side
 * over the shorter times its own.  A fit rather than a fill, so that
 * libwebp does not crop to one variant's aspect at decode time.
 */
static void
image_decode_request(const struct image_request *reqs, size_t n,
    const struct imghdr *hdr, struct image_request *out)
{
	unsigned long lo = hdr->width < hdr->height ? hdr->width : hdr->height;
	unsigned long hi = hdr->width < hdr->height ? hdr->height : hdr->width;
	unsigned long side = 1, s;

	for (size_t i = 0; i < n; i++) {
		s = reqs[i].width > reqs[i].height ? reqs[i].width :
		    reqs[i].height;
		if (reqs[i].mode == IMAGE_FILL && lo > 0)
			s = (unsigned long)((double)s * hi / lo + 0.999);
		if (s > side)
			side = s;
	}
	if (side > hi)
		side = hi > 0 ? hi : 1;
	*out = reqs[0];
	out->mode = IMAGE_FIT;
	out->width = out->height = (unsigned)side;
}

/*
 * Request and header checks, then the decoder: libwebp, or GraphicsMagick's
 * forced by prefix, at a reduced size for big JPEG and WebP (*hinted),
 * the size the largest of the n requests needs; then the first frame on
 * its canvas.  On failure *image may hold what a decoder returned with its
 * error, for the caller to destroy.
 */
static int
image_load(const unsigned char *in, size_t len,
    const struct image_request *reqs, size_t n, struct imghdr *hdr,
    Image **image, int *hinted, ExceptionInfo *ex, struct job_error *err)
{
	struct image_frame frame;
	struct image_request all;
	const struct image_request *req = &reqs[0];

	memset(&frame, 0, sizeof frame);
	for (size_t i = 0; i < n; i++)
		if (image_check_request(&reqs[i], err) != 0)
			return -1;
	if (image_check_header(in, len, hdr, err) != 0)
		return -1;
	if (n > 1) {
		image_decode_request(reqs, n, hdr, &all);
		req = &all;
	}
	if (hdr->format == IMGHDR_WEBP) {
		if (image_webp_decode(in, len, hdr, req, &frame, image, hinted,
		    ex, err) != 0)
			return -1;
	} else if (image_gm_decode(in, len, hdr, req, image, hinted, ex,
	    err) != 0)
		return -1;
	return image_place_frame(image, hdr, &frame, ex, err);
}

/*
 * Gravity smart: smartcrop_find() on a copy of at most IMAGE_SMART_SIDE a
 * side (a box average, so fine detail still counts), its answer scaled
 * back to the image.  The copy is of the pixels as stored: the window that
 * holds the most is the same whichever way the picture is turned.
 */
static int
image_smart_place(Image *image, struct geometry_rect *g, ExceptionInfo *ex)
{
	Image *small = NULL;
	const Image *from = image;
	unsigned char *px = NULL;
	unsigned long sw, sh, cw, ch;
	unsigned channels = image->matte ? 4 : 3;
	long x, y;
	int rv = -1;

	geometry_fit(image->columns, image->rows, IMAGE_SMART_SIDE,
	    IMAGE_SMART_SIDE, &sw, &sh);
	if (sw != image->columns || sh != image->rows) {
		if ((small = ScaleImage(image, sw, sh, ex)) == NULL)
			goto out;
		from = small;
	}
	px = xmalloc(sw * sh * channels);
	if (DispatchImage(from, 0, 0, sw, sh, channels == 4 ? "RGBA" : "RGB",
	    CharPixel, px, ex) != MagickPass)
		goto out;
	cw = geometry_scale_len(g->width, sw, image->columns, sw);
	ch = geometry_scale_len(g->height, sh, image->rows, sh);
	if (smartcrop_find(px, sw, sh, channels, cw, ch, &x, &y) == 0) {
		g->x = geometry_scale_pos(x, image->columns, sw,
		    image->columns - g->width);
		g->y = geometry_scale_pos(y, image->rows, sh,
		    image->rows - g->height);
	}
	rv = 0;
out:
	free(px);
	if (small != NULL)
		DestroyImage(small);
	return rv;
}

/*
 * Fill's crop: the box's aspect, placed by gravity.  Gravity speaks of the
 * picture as shown, the crop is of the pixels as stored (see image_scale),
 * so its point is moved through the EXIF orientation.
 */
static int
image_fill_crop(Image **image, const struct image_request *req, unsigned bw,
    unsigned bh, ExceptionInfo *ex, struct job_error *err)
{
	struct geometry_rect g;
	RectangleInfo crop;
	Image *next;
	double ax, ay;

	geometry_gravity_point(req->gravity, req->focus_x, req->focus_y, &ax,
	    &ay);
	geometry_orient_point((int)(*image)->orientation, &ax, &ay);
	geometry_fill_crop_at((*image)->columns, (*image)->rows, bw, bh, ax,
	    ay, &g);
	if (g.width == (*image)->columns && g.height == (*image)->rows)
		return 0;
	if (req->gravity == IMAGE_GRAVITY_SMART &&
	    image_smart_place(*image, &g, ex) != 0) {
		image_error_step("smart crop", ex, err);
		return -1;
	}
	crop.width = g.width;
	crop.height = g.height;
	crop.x = g.x;
	crop.y = g.y;
	if ((next = CropImage(*image, &crop, ex)) == NULL) {
		image_error_step("crop", ex, err);
		return -1;
	}
	image_replace(image, next);
	return 0;
}

/*
 * Crop (fill) and resize in the stored orientation, which has fewer pixels
 * to turn than the source, then the EXIF turn.  The box applies to the
 * picture as shown, after EXIF rotation, so for a turned photo it is turned
 * too.  After a hinted decode the true size is the header's, not the
 * decoded one, so a fit is the same as from a full decode; a fill crop is a
 * proportion, taken from the decoded image.
 */
static int
image_scale(Image **image, const struct imghdr *hdr,
    const struct image_request *req, int hinted, ExceptionInfo *ex,
    struct job_error *err)
{
	Image *next;
	unsigned long sw, sh, tw, th;
	unsigned bw, bh;
	int rotated;

	rotated = (*image)->orientation >= LeftTopOrientation &&
	    (*image)->orientation <= LeftBottomOrientation;
	bw = rotated ? req->height : req->width;
	bh = rotated ? req->width : req->height;
	sw = hinted ? hdr->width : (*image)->columns;
	sh = hinted ? hdr->height : (*image)->rows;
	if (req->mode == IMAGE_FILL) {
		if (image_fill_crop(image, req, bw, bh, ex, err) != 0)
			return -1;
		tw = bw;
		th = bh;
	} else
		geometry_fit(sw, sh, bw, bh, &tw, &th);

	if ((*image)->columns != tw || (*image)->rows != th) {
		if ((next = image_resize(*image, tw, th, hinted, ex)) == NULL) {
			image_error_step("resize", ex, err);
			return -1;
		}
		image_replace(image, next);
	}
	if ((*image)->orientation > TopLeftOrientation &&
	    (*image)->orientation <= LeftBottomOrientation) {
		next = AutoOrientImage(*image, (*image)->orientation, ex);
		if (next == NULL) {
			image_error_step("auto-orient", ex, err);
			return -1;
		}
		image_replace(image, next);
	}
	(*image)->orientation = TopLeftOrientation;
	return 0;
}

/*
 * The output format (see the top of this file), then what it needs: a
 * JPEG has no alpha, so a transparent thumbnail is flattened onto the
 * background; pad centres the thumbnail on exactly the box.
 */
static int
image_finish(Image **image, const struct image_request *req,
    enum image_format *format, ExceptionInfo *ex, struct job_error *err)
{
	PixelPacket bg;
	Image *next;
	int transparent, padded;

	/* Many opaque PNGs carry an alpha channel they do not use: only a
	 * pixel that is actually transparent counts. */
	transparent = (*image)->matte && !IsOpaqueImage(*image, ex);
	if (!transparent)
		(*image)->matte = MagickFalse;
	padded = req->mode == IMAGE_PAD && ((*image)->columns != req->width ||
	    (*image)->rows != req->height);
	*format = image_choose_format(req, transparent || (padded &&
	    req->has_background && req->background[3] < 255));
	image_background(req, *format != IMAGE_JPEG, transparent, &bg);

	if (*format == IMAGE_JPEG && (*image)->matte) {
		if (MagickCompositeImageUnderColor(*image, &bg, ex) !=
		    MagickPass) {
			image_error_step("flattening", ex, err);
			return -1;
		}
		(*image)->matte = MagickFalse;
	}
	if (padded) {
		next = image_on_canvas(*image, req->width, req->height,
		    geometry_centre((*image)->columns, req->width),
		    geometry_centre((*image)->rows, req->height), &bg, ex);
		if (next == NULL) {
			image_error_step("padding", ex, err);
			return -1;
		}
		image_replace(image, next);
	}
	return 0;
}

/*
 * One thumbnail of the decoded image, which it takes over: scale and turn,
 * then sRGB and strip (EXIF can hold a location, and the thumbnail needs no
 * profile once it is sRGB), then the format, flattening for JPEG, padding,
 * encoding.
 */
static int
image_make(Image *image, const struct imghdr *hdr,
    const struct image_request *req, int hinted, struct image_result *res,
    ExceptionInfo *ex, struct job_error *err)
{
	enum image_format format;
	int rv = -1;

	if (image_scale(&image, hdr, req, hinted, ex, err) != 0)
		goto out;
	image_icc_to_srgb(image, hdr);
	StripImage(image);
	image->depth = 8;
	memset(&image->page, 0, sizeof image->page);
	if (image_finish(&image, req, &format, ex, err) != 0)
		goto out;
	if (image_encode(image, format, req->quality, res, err) != 0)
		goto out;
	rv = 0;
out:
	DestroyImageList(image);
	return rv;
}

/* The requests by the area of their box, largest first (insertion sort:
 * a handful). */
static void
image_order(const struct image_request *reqs, size_t n, size_t *order)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long long a = (unsigned long long)reqs[i].width *
		    reqs[i].height;
		size_t k = i;

		for (; k > 0 && (unsigned long long)reqs[order[k - 1]].width *
		    reqs[order[k - 1]].height < a; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
}

/*
 * The decoded image, when variants share it and it is more than twice the
 * size the largest of them needs (a PNG is decoded whole), box-averaged
 * once to that size, as image_resize() would for the largest alone, so
 * that each variant does not average the whole decode again: the three
 * sizes of a srcset cost 1.21x the CPU of the largest alone with this,
 * 1.45x without (bench/run --only variants, BENCHMARKS.md).  Its true
 * size is then the header's, as after a hinted decode: *hinted becomes
 * IMAGE_SHARED, for a hinted decode too (it is twice the largest, and may
 * be many times a smaller one).  A full decode
 * whose size is not the header's (a format whose decoder turns the
 * picture) is left as it is.
 */
static int
image_share(Image **image, const struct imghdr *hdr,
    const struct image_request *reqs, size_t n, int *hinted,
    ExceptionInfo *ex, struct job_error *err)
{
	struct image_request all;
	unsigned long tw, th;
	Image *next;

	if (*hinted) {
		*hinted = IMAGE_SHARED;
		return 0;
	}
	if ((*image)->columns != hdr->width || (*image)->rows != hdr->height)
		return 0;
	image_decode_request(reqs, n, hdr, &all);
	geometry_fit((*image)->columns, (*image)->rows, all.width * 2,
	    all.height * 2, &tw, &th);
	if ((*image)->columns < tw * 2 || (*image)->rows < th * 2)
		return 0;
	if ((next = ScaleImage(*image, tw, th, ex)) == NULL) {
		image_error_step("scaling the shared decode", ex, err);
		return -1;
	}
	image_replace(image, next);
	*hinted = IMAGE_SHARED;
	return 0;
}

/*
 * One fetch, one decode, every thumbnail: the image is decoded once at
 * the size the largest request needs (image_load), and each thumbnail is
 * made from a copy of it (brought down first to twice what the largest
 * needs, image_share), the largest first, the last from the decoded image
 * itself.  Each is made exactly as image_thumbnail() would from a
 * decode of that size, so a single request goes the same way as ever.
 */
int
image_thumbnails(const unsigned char *in, size_t len,
    const struct image_request *reqs, size_t n, struct image_result *res,
    struct image_placeholder *ph, struct job_error *err)
{
	ExceptionInfo ex;
	Image *image = NULL, *copy;
	struct imghdr hdr;
	size_t order[IMAGE_MAX_OUTPUTS];
	int hinted = 0, rv = -1;

	job_error_clear(err);
	GetExceptionInfo(&ex);
	if (n == 0 || n > IMAGE_MAX_OUTPUTS) {
		job_error_set(err, "image_failed", 0, "%zu thumbnails asked of "
		    "one image: 1 to %d may be", n, IMAGE_MAX_OUTPUTS);
		goto out;
	}
	memset(res, 0, n * sizeof *res);
	if (image_load(in, len, reqs, n, &hdr, &image, &hinted, &ex,
	    err) != 0)
		goto out;
	if (n > 1 && image_share(&image, &hdr, reqs, n, &hinted, &ex,
	    err) != 0)
		goto out;
	if (ph != NULL && image_placeholder(image, &hdr, ph, &ex, err) != 0)
		goto out;
	image_order(reqs, n, order);
	for (size_t k = 0; k < n; k++) {
		if (k + 1 < n) {
			copy = CloneImage(image, 0, 0, MagickTrue, &ex);
			if (copy == NULL) {
				image_error_step("copying the decoded image",
				    &ex, err);
				goto out;
			}
		} else {
			copy = image;
			image = NULL;
		}
		if (image_make(copy, &hdr, &reqs[order[k]], hinted,
		    &res[order[k]], &ex, err) != 0)
			goto out;
	}
	rv = 0;
out:
	if (image != NULL)
		DestroyImageList(image);
	if (rv != 0 && n <= IMAGE_MAX_OUTPUTS) {
		for (size_t i = 0; i < n; i++) {
			free(res[i].data);
			res[i].data = NULL;
		}
	}
	DestroyExceptionInfo(&ex);
	return rv;
}

int
image_thumbnail(const unsigned char *in, size_t len,
    const struct image_request *req, struct image_result *res,
    struct job_error *err)
{
	memset(res, 0, sizeof *res);
	return image_thumbnails(in, len, req, 1, res, NULL, err);
}
