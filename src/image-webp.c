/* image-webp.c: WebP through libwebp, not GraphicsMagick's reader.
 *
 * GraphicsMagick's reader decodes the whole picture into a Q16 pixel cache
 * (8 bytes a pixel: 134 MB for the 4096x4096 wallpapers, a worker's peak)
 * and only then lets us scale it, and it refuses animations.  Here the
 * first frame of an animation is cut out of its RIFF container as a still,
 * and libwebp decodes it straight to about twice the thumbnail; the pixels
 * then go to GraphicsMagick for the rest of the pipeline. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>

#include "bytes.h"
#include "geometry.h"
#include "image-internal.h"
#include "xmalloc.h"

#define WEBP_FLAG_ANIMATION	0x02
#define WEBP_FLAG_ALPHA		0x10
#define WEBP_FLAG_ICC		0x20

/* A RIFF chunk: its 8-byte header, payload and padding byte. */
struct image_webp_chunk {
	const unsigned char	*at;	/* the fourcc; NULL if absent */
	size_t			 size;	/* payload bytes */
};

/*
 * The next chunk at *off within [0, end) of buf; 0, 1 at the end, -1 if a
 * chunk claims more bytes than there are.  Sizes are checked against what
 * is left before any addition, so nothing can wrap.
 */
static int
image_webp_riff_next(const unsigned char *buf, size_t end, size_t *off,
    struct image_webp_chunk *c)
{
	size_t size;

	if (*off >= end || end - *off < 8)
		return 1;
	size = bytes_le32(buf + *off + 4);
	if (size > end - *off - 8)
		return -1;
	c->at = buf + *off;
	c->size = size;
	*off += 8 + size;
	if ((size & 1) && *off < end)
		(*off)++;
	return 0;
}

/* Where the chunks of an extended file (VP8X) end: a RIFF size beyond the
 * bytes we have is a truncated file, and what we have is still read, so
 * that a complete first frame decodes.  len is at least 30. */
static size_t
image_webp_riff_end(const unsigned char *in, size_t len)
{
	size_t end;

	end = (size_t)bytes_le32(in + 4);
	return end > len - 8 ? len : end + 8;
}

/* Appends a chunk, with its padding byte, to the still being built. */
static unsigned char *
image_webp_put_chunk(unsigned char *p, const struct image_webp_chunk *c)
{
	memcpy(p, c->at, 8 + c->size);
	p += 8 + c->size;
	if (c->size & 1)
		*p++ = 0;
	return p;
}

/*
 * The chunks a still of the first frame is made of: the file's ICC
 * profile, and from the first ANMF chunk its optional ALPH and its VP8 or
 * VP8L bitstream; frame gets the canvas and the frame's place on it.
 * Returns -1 if they are missing, malformed or outside the canvas.
 */
static int
image_webp_find_frame(const unsigned char *in, size_t len,
    struct image_webp_chunk *iccp, struct image_webp_chunk *alph,
    struct image_webp_chunk *bits, struct image_frame *frame)
{
	struct image_webp_chunk c, anmf = { NULL, 0 };
	const unsigned char *f;
	size_t end, off;
	int r;

	frame->canvas_w = bytes_le24(in + 24) + 1;
	frame->canvas_h = bytes_le24(in + 27) + 1;
	end = image_webp_riff_end(in, len);
	off = 12;
	while ((r = image_webp_riff_next(in, end, &off, &c)) == 0) {
		if (memcmp(c.at, "ICCP", 4) == 0 && iccp->at == NULL)
			*iccp = c;
		else if (memcmp(c.at, "ANMF", 4) == 0) {
			anmf = c;
			break;
		}
	}
	if (r < 0 || anmf.at == NULL || anmf.size < 16)
		return -1;

	f = anmf.at + 8;
	frame->x = (long)bytes_le24(f) * 2;
	frame->y = (long)bytes_le24(f + 3) * 2;
	frame->w = bytes_le24(f + 6) + 1;
	frame->h = bytes_le24(f + 9) + 1;
	if (frame->w > frame->canvas_w || frame->h > frame->canvas_h ||
	    (unsigned long)frame->x > frame->canvas_w - frame->w ||
	    (unsigned long)frame->y > frame->canvas_h - frame->h)
		return -1;

	off = 16;
	while ((r = image_webp_riff_next(f, anmf.size, &off, &c)) == 0) {
		if (memcmp(c.at, "ALPH", 4) == 0 && alph->at == NULL)
			*alph = c;
		else if (memcmp(c.at, "VP8 ", 4) == 0 ||
		    memcmp(c.at, "VP8L", 4) == 0) {
			*bits = c;
			break;
		}
	}
	if (r < 0 || bits->at == NULL)
		return -1;
	return 0;
}

/*
 * GraphicsMagick 1.3.40 decodes WebP with libwebp's still-image API, which
 * refuses animations ("No data returned").  The first frame of an animated
 * WebP (VP8X with the animation flag) is an ANMF chunk: its offset and size
 * on the canvas, then an optional ALPH chunk and a VP8 or VP8L bitstream.
 * Those chunks, behind a VP8X header sized to the frame (and the file's ICC
 * profile, if any), make a still WebP that libwebp decodes; the pipeline
 * then puts it on the canvas.  Returns 1 if the bytes are not an animation
 * (decode them as they are), 0 with *still (free() it) and *frame filled,
 * or -1 if the animation is malformed.
 */
static int
image_webp_first_frame(const unsigned char *in, size_t len,
    unsigned char **still, size_t *stilllen, struct image_frame *frame)
{
	struct image_webp_chunk iccp = { NULL, 0 }, alph = { NULL, 0 };
	struct image_webp_chunk bits = { NULL, 0 };
	unsigned char *out, *p;
	size_t total;
	unsigned flags = 0;

	if (len < 30 || memcmp(in + 12, "VP8X", 4) != 0 ||
	    !(in[20] & WEBP_FLAG_ANIMATION))
		return 1;
	if (image_webp_find_frame(in, len, &iccp, &alph, &bits, frame) != 0)
		return -1;

	/* ALPH goes with a lossy bitstream only; VP8L carries its own alpha,
	 * which the VP8X flag must announce or libwebp decodes it opaque. */
	if (memcmp(bits.at, "VP8L", 4) == 0) {
		alph.at = NULL;
		if (bits.size >= 5 && (bytes_le32(bits.at + 9) >> 28) & 1)
			flags |= WEBP_FLAG_ALPHA;
	} else if (alph.at != NULL)
		flags |= WEBP_FLAG_ALPHA;
	if (iccp.at != NULL)
		flags |= WEBP_FLAG_ICC;

	/* Each part is bounded by len, so the sum cannot overflow. */
	total = 12 + 18 + 9 + bits.size;
	if (iccp.at != NULL)
		total += 9 + iccp.size;
	if (alph.at != NULL)
		total += 9 + alph.size;
	out = p = xmalloc(total);
	memcpy(p, "RIFF\0\0\0\0WEBPVP8X", 16);
	p += 16;
	bytes_put_le32(p, 10);
	p[4] = (unsigned char)flags;
	p[5] = p[6] = p[7] = 0;
	bytes_put_le24(p + 8, (uint32_t)frame->w - 1);
	bytes_put_le24(p + 11, (uint32_t)frame->h - 1);
	p += 14;
	if (iccp.at != NULL)
		p = image_webp_put_chunk(p, &iccp);
	if (alph.at != NULL)
		p = image_webp_put_chunk(p, &alph);
	p = image_webp_put_chunk(p, &bits);
	*stilllen = (size_t)(p - out);
	bytes_put_le32(out + 4, (uint32_t)(*stilllen - 8));
	*still = out;
	frame->animation = 1;
	return 0;
}

/* What a libwebp status means for the job. */
static void
image_webp_error(VP8StatusCode st, struct job_error *err)
{
	switch (st) {
	case VP8_STATUS_OUT_OF_MEMORY:
		job_error_set(err, "image_too_large", 0, "webp image exceeds "
		    "the decoding limits: libwebp ran out of memory");
		break;
	case VP8_STATUS_NOT_ENOUGH_DATA:
	case VP8_STATUS_SUSPENDED:
		/* Suspended: a partition ends beyond the data, which the
		 * incremental decoder would wait for. */
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "truncated (%s)", st == VP8_STATUS_SUSPENDED ? "a "
		    "partition ends beyond the data" : "not enough data");
		break;
	case VP8_STATUS_BITSTREAM_ERROR:
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "bitstream error");
		break;
	case VP8_STATUS_UNSUPPORTED_FEATURE:
		/* Not a key frame, say: what GraphicsMagick called corrupt
		 * too. */
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "a feature libwebp does not support");
		break;
	default:
		job_error_set(err, "image_failed", 0, "decoding webp image "
		    "failed (libwebp status %d)", (int)st);
		break;
	}
}

/*
 * The embedded ICC profile, as GraphicsMagick's WebP reader attaches it:
 * the first ICCP chunk of an extended file whose VP8X header announces one.
 * (Its EXIF and XMP chunks are not read: GraphicsMagick 1.3.40 does not take
 * the orientation from them, and StripImage() would drop them.)
 */
static void
image_webp_icc(Image *image, const unsigned char *in, size_t len)
{
	struct image_webp_chunk c;
	size_t end, off = 12;

	if (len < 30 || memcmp(in + 12, "VP8X", 4) != 0 ||
	    !(in[20] & WEBP_FLAG_ICC))
		return;
	end = image_webp_riff_end(in, len);
	while (image_webp_riff_next(in, end, &off, &c) == 0) {
		if (memcmp(c.at, "ICCP", 4) == 0) {
			if (c.size > 0)
				(void)SetImageProfile(image, "ICC", c.at + 8,
				    c.size);
			return;
		}
		if (memcmp(c.at, "VP8 ", 4) == 0 ||
		    memcmp(c.at, "VP8L", 4) == 0)
			return;
	}
}

/*
 * The bitstream's features, checked against what imghdr checked against
 * the limits from the same header: the canvas of a still, the frame of an
 * animation (inside its canvas).  A bitstream that says otherwise, or is
 * itself animated, is refused before a pixel is allocated.
 */
static int
image_webp_features(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, const struct image_frame *frame,
    WebPDecoderConfig *cfg, struct job_error *err)
{
	VP8StatusCode st;
	unsigned long w, h, hw, hh;

	if (!WebPInitDecoderConfig(cfg)) {
		job_error_set(err, "image_failed", 0, "libwebp %06x does not "
		    "match the one this program was built with",
		    (unsigned)WebPGetDecoderVersion());
		return -1;
	}
	if ((st = WebPGetFeatures(src, srclen, &cfg->input)) != VP8_STATUS_OK) {
		image_webp_error(st, err);
		return -1;
	}
	w = (unsigned long)cfg->input.width;
	h = (unsigned long)cfg->input.height;
	hw = frame->animation ? frame->w : hdr->width;
	hh = frame->animation ? frame->h : hdr->height;
	if (w != hw || h != hh || cfg->input.has_animation) {
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "its bitstream is %lux%lu%s, its header says %lux%lu", w, h,
		    cfg->input.has_animation ? " and animated" : "", hw, hh);
		return -1;
	}
	return 0;
}

/*
 * Fill: the centre crop at full resolution, then scaled to twice the box,
 * so that the crop is not rounded at the reduced size (which shifts the
 * picture by up to half a pixel of it); the pipeline's own crop then has
 * nothing left to do.  libwebp snaps the crop's left and top to even
 * values: at most one source pixel.  The box is taken as asked: a WebP has
 * no orientation here (GraphicsMagick's reader never set one either).
 */
static int
image_webp_plan_fill(WebPDecoderConfig *cfg, const struct image_request *req,
    unsigned long *dw, unsigned long *dh)
{
	struct geometry_rect crop;

	geometry_fill_crop(*dw, *dh, req->width, req->height, &crop);
	if (crop.width != *dw || crop.height != *dh) {
		cfg->options.use_cropping = 1;
		cfg->options.crop_left = (int)crop.x;
		cfg->options.crop_top = (int)crop.y;
		cfg->options.crop_width = (int)crop.width;
		cfg->options.crop_height = (int)crop.height;
		*dw = crop.width;
		*dh = crop.height;
	}
	if (*dw > 2UL * req->width && *dh > 2UL * req->height) {
		*dw = 2UL * req->width;
		*dh = 2UL * req->height;
		return 1;
	}
	return 0;
}

/*
 * The size libwebp decodes to, *dw x *dh (the whole picture on entry): for
 * fill the plan above; otherwise geometry_shrink()'s, twice the thumbnail,
 * then Lanczos as after a hinted JPEG decode.  An animation's frame is
 * scaled by its canvas's factor, and frame is rewritten with the scaled
 * geometry for the pipeline to place it.  Returns whether the image is
 * decoded smaller than it is.
 */
static int
image_webp_plan(WebPDecoderConfig *cfg, const struct imghdr *hdr,
    const struct image_request *req, struct image_frame *frame,
    unsigned long *dw, unsigned long *dh)
{
	unsigned long cw, ch;
	int hinted = 0;

	if (!frame->animation && req->mode == IMAGE_FILL)
		hinted = image_webp_plan_fill(cfg, req, dw, dh);
	else if (geometry_shrink(hdr->width, hdr->height, req->width,
	    req->height, req->mode == IMAGE_FILL, &cw, &ch)) {
		if (frame->animation) {
			*dw = geometry_scale_len(frame->w, cw, frame->canvas_w,
			    cw);
			*dh = geometry_scale_len(frame->h, ch, frame->canvas_h,
			    ch);
			frame->x = geometry_scale_pos(frame->x, cw,
			    frame->canvas_w, cw - *dw);
			frame->y = geometry_scale_pos(frame->y, ch,
			    frame->canvas_h, ch - *dh);
			frame->w = *dw;
			frame->h = *dh;
			frame->canvas_w = cw;
			frame->canvas_h = ch;
		} else {
			*dw = cw;
			*dh = ch;
		}
		hinted = 1;
	}
	if (hinted) {
		cfg->options.use_scaling = 1;
		cfg->options.scaled_width = (int)*dw;
		cfg->options.scaled_height = (int)*dh;
	}
	cfg->options.use_threads = 0;
	return hinted;
}

/*
 * libwebp rescales while it decodes, row by row, with an area average
 * (every source pixel counted, as ScaleImage() would).  Lossy pictures never
 * exist at full size in RGB (libwebp keeps a few rows of YUV); lossless ones
 * only as libwebp's own 4 bytes a pixel.  The pixels go to GraphicsMagick
 * through ConstituteImage(), which the resource limits of
 * image_child_init() still bound, with alpha when the bitstream has it (as
 * GraphicsMagick's reader does) and the ICC profile.
 */
static int
image_webp_pixels(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, WebPDecoderConfig *cfg, unsigned long dw,
    unsigned long dh, Image **image, ExceptionInfo *ex, struct job_error *err)
{
	VP8StatusCode st;
	unsigned char *px = NULL;
	size_t bpp, size;
	int rv = -1;

	bpp = cfg->input.has_alpha ? 4 : 3;
	if ((uint64_t)dw * dh > SIZE_MAX / bpp ||
	    (px = malloc((size = dw * dh * bpp))) == NULL) {
		job_error_set(err, "image_too_large", 0, "webp image of %dx%d: "
		    "cannot allocate its %lux%lu pixels", cfg->input.width,
		    cfg->input.height, dw, dh);
		goto out;
	}
	cfg->output.colorspace = cfg->input.has_alpha ? MODE_RGBA : MODE_RGB;
	cfg->output.is_external_memory = 1;
	cfg->output.u.RGBA.rgba = px;
	cfg->output.u.RGBA.stride = (int)(dw * bpp);
	cfg->output.u.RGBA.size = size;
	if ((st = WebPDecode(src, srclen, cfg)) != VP8_STATUS_OK) {
		image_webp_error(st, err);
		goto out;
	}
	*image = ConstituteImage(dw, dh, cfg->input.has_alpha ? "RGBA" : "RGB",
	    CharPixel, px, ex);
	if (*image == NULL) {
		image_error_decode(hdr, ex, err);
		goto out;
	}
	(*image)->depth = 8;
	image_webp_icc(*image, src, srclen);
	rv = 0;
out:
	WebPFreeDecBuffer(&cfg->output);
	free(px);
	return rv;
}

/*
 * A WebP, still or animated, to pixels in GraphicsMagick at a reduced size.
 * For an animation the still of its first frame is decoded, and frame says
 * where it sits on the canvas that imghdr checked (image_place_frame() in
 * image.c puts it there).  *hinted says whether the image was decoded
 * smaller than it is.
 */
int
image_webp_decode(const unsigned char *in, size_t len,
    const struct imghdr *hdr, const struct image_request *req,
    struct image_frame *frame, Image **image, int *hinted, ExceptionInfo *ex,
    struct job_error *err)
{
	WebPDecoderConfig cfg;
	const unsigned char *src = in;
	unsigned char *still = NULL;
	unsigned long dw, dh;
	size_t srclen = len;
	int rv = -1;

	*hinted = 0;
	memset(frame, 0, sizeof *frame);
	switch (image_webp_first_frame(in, len, &still, &srclen, frame)) {
	case 0:
		src = still;
		break;
	case 1:
		break;
	default:
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "malformed animation (%zu bytes)", len);
		goto out;
	}
	if (image_webp_features(src, srclen, hdr, frame, &cfg, err) != 0)
		goto out;
	dw = (unsigned long)cfg.input.width;
	dh = (unsigned long)cfg.input.height;
	*hinted = image_webp_plan(&cfg, hdr, req, frame, &dw, &dh);
	if (image_webp_pixels(src, srclen, hdr, &cfg, dw, dh, image, ex,
	    err) != 0)
		goto out;
	rv = 0;
out:
	free(still);
	return rv;
}
