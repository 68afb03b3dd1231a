/* image.c: the thumbnail pipeline on GraphicsMagick (see image.h).
 *
 * The bytes are hostile.  Before GraphicsMagick sees them, imghdr tells the
 * format and dimensions; unknown or disallowed formats and oversized images
 * are refused there.  The decoder is then forced by a "FORMAT:" filename
 * prefix (setting ->magick alone lets GraphicsMagick re-detect from the
 * bytes), every coder except the allowed ones (and the output ones) is
 * unregistered at start-up, and each child has resource limits, with
 * Disk = 0 so a big image can never spill its pixel cache to disk.  WebP
 * is the exception: libwebp, called directly, decodes it at a reduced size
 * (image_webp_decode), and GraphicsMagick only gets the pixels.  The
 * figures quoted below were measured with GraphicsMagick 1.3.40 Q16, one
 * thread.
 *
 * What a request gets (see image.h for the fields):
 *
 *   mode    fit: inside the box, aspect kept, never enlarged (the default).
 *           fill: exactly the box; the source is centre-cropped to the box's
 *           aspect, then scaled (enlarged if it is smaller than the box).
 *           pad: fit, then centred on exactly the box; a small source is not
 *           enlarged but padded.
 *   format  auto (the default): PNG when the thumbnail has transparency
 *           (from the source, or a translucent pad background), else JPEG.
 *           jpeg, png, webp (lossy, alpha kept) as asked.
 *   quality JPEG and WebP, 1-100; 0 means 85.  PNG ignores it.
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
#include <strings.h>
#include <unistd.h>

#include <magick/api.h>
#include <webp/decode.h>

#include "image.h"
#include "imghdr.h"
#include "joberror.h"
#include "log.h"
#include "xmalloc.h"

/* The sRGB profile from colord (CC0), embedded at build time from
 * src/icc/sRGB.icc by src/icc/embed.sh: see src/icc/README. */
#include "srgb-icc.h"

#define IMAGE_FMT(f)	(1U << (f))

/* The GraphicsMagick coder for each format we sniff; also the decode prefix. */
static const char *const image_coders[] = {
	[IMGHDR_JPEG] = "JPEG",
	[IMGHDR_PNG] = "PNG",
	[IMGHDR_GIF] = "GIF",
	[IMGHDR_WEBP] = "WEBP",
	[IMGHDR_BMP] = "BMP",
	[IMGHDR_TIFF] = "TIFF",
	/* GraphicsMagick registers HEIF, HEIC and AVIF, all the same reader:
	 * libheif, which picks the HEVC or AV1 decoder from the file's items
	 * whatever the prefix.  One is kept. */
	[IMGHDR_HEIF] = "HEIF",
	[IMGHDR_JXL] = "JXL",
};
#define IMAGE_NCODERS	(sizeof image_coders / sizeof image_coders[0])

/* The library GraphicsMagick needs for each, for the start-up message when
 * a build lacks one. */
static const char *const image_coder_libs[] = {
	[IMGHDR_JPEG] = "libjpeg",
	[IMGHDR_PNG] = "libpng",
	[IMGHDR_GIF] = "its own GIF coder",
	[IMGHDR_WEBP] = "libwebp",
	[IMGHDR_BMP] = "its own BMP coder",
	[IMGHDR_TIFF] = "libtiff",
	[IMGHDR_HEIF] = "libheif",
	[IMGHDR_JXL] = "libjxl",
};

/*
 * Thumbnails are written as JPEG, PNG or WebP, so those coders stay even when
 * the format is not accepted as input: whether a fetched image may be decoded
 * is decided by image_allowed, from the sniffed bytes, before any decoder
 * runs.  JPEG and PNG are required; a GraphicsMagick without WebP still
 * starts, and only requests for WebP output fail.
 */
#define IMAGE_OUTPUT_FMTS	(IMAGE_FMT(IMGHDR_JPEG) | IMAGE_FMT(IMGHDR_PNG))
#define IMAGE_OPTIONAL_FMTS	IMAGE_FMT(IMGHDR_WEBP)
/* Decoded here, with the library itself, not by a GraphicsMagick coder. */
#define IMAGE_OWN_DECODERS	IMAGE_FMT(IMGHDR_WEBP)

#define IMAGE_DEFAULT_QUALITY	85

static int		image_initialised;
static unsigned		image_allowed;		/* formats accepted as input */
static unsigned		image_registered;	/* coders still registered */
static unsigned long	image_max_pixels;	/* 0 = no limit */
static unsigned		image_max_dimension;	/* 0 = no limit */

/*
 * GraphicsMagick's default fatal handler prints and calls exit(), which would
 * run atexit handlers in a forked child, possibly while GraphicsMagick holds
 * its own locks.  Log one line and leave at once: the master replaces the
 * child and the lease reaper gives its job to another.
 */
static void __attribute__((noreturn))
image_fatal_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_msg(LOG_CRIT, "event=image_fatal severity=%d reason=\"%s\" "
	    "description=\"%s\"", (int)severity, reason ? reason : "",
	    description ? description : "");
	_exit(1);
}

/* Only reached through CatchException() or MagickError(), which this file
 * does not call: errors are read from the ExceptionInfo of each call.  The
 * handlers stay so that nothing GraphicsMagick does prints to stderr. */
static void
image_error_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_warn("event=image_error severity=%d reason=\"%s\" description=\"%s\"",
	    (int)severity, reason ? reason : "", description ? description : "");
}

static void
image_warning_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_debug("event=image_warning severity=%d reason=\"%s\" "
	    "description=\"%s\"", (int)severity, reason ? reason : "",
	    description ? description : "");
}

/* The formats imghdr knows, for messages: "jpeg png gif ...". */
static const char *
image_known_formats(void)
{
	static char	buf[128];
	size_t		n = 0;
	int		f;

	if (buf[0] != '\0')
		return buf;
	for (f = IMGHDR_UNKNOWN + 1; f <= IMGHDR_LAST; f++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
		    n > 0 ? " " : "", imghdr_format_name((enum imghdr_format)f));
	return buf;
}

/* Turns "jpeg png, gif" into a set of formats; unknown names are errors so a
 * typo never silently disables (or enables) a format. */
static int
image_parse_formats(const char *list, unsigned *allowed, char **cause)
{
	char			*copy, *name, *last;
	enum imghdr_format	 format;
	int			 rv = -1;

	*allowed = 0;
	copy = xstrdup(list != NULL ? list : "");
	for (name = strtok_r(copy, " \t,", &last); name != NULL;
	    name = strtok_r(NULL, " \t,", &last)) {
		format = imghdr_format_parse(name);
		if (format == IMGHDR_UNKNOWN) {
			*cause = xasprintf("unknown image format \"%s\" in formats "
			    "(known: %s)", name, image_known_formats());
			goto out;
		}
		*allowed |= IMAGE_FMT(format);
	}
	if (*allowed == 0) {
		*cause = xstrdup("formats is empty: no image format would be "
		    "accepted");
		goto out;
	}
	rv = 0;
out:
	free(copy);
	return rv;
}

/* The format bit of a GraphicsMagick coder, 0 for those we never use. */
static unsigned
image_coder_format(const char *name)
{
	size_t	i;

	for (i = 0; i < IMAGE_NCODERS; i++) {
		if (image_coders[i] != NULL &&
		    strcasecmp(name, image_coders[i]) == 0)
			return IMAGE_FMT(i);
	}
	return 0;
}

/*
 * Runs in the master before fork.  It does no image work: libgomp is not
 * fork-safe, and a child would hang in its first resize.  It may run again on
 * reload; coders cannot be registered again once removed (this build has no
 * loadable modules), so a format can be dropped by a reload but only added by
 * a restart.
 */
int
image_init(const char *argv0, const struct thumbq_conf *conf, char **cause)
{
	ExceptionInfo	  ex;
	MagickInfo	**coders = NULL, **mi;
	unsigned	  allowed, need, keep, missing, found, decodable, bit;
	const char	 *name;
	size_t		  i;
	int		  rv = -1;

	if (image_parse_formats(conf->formats, &allowed, cause) != 0)
		return -1;
	need = (allowed & ~IMAGE_OWN_DECODERS) | IMAGE_OUTPUT_FMTS;
	keep = need | IMAGE_OPTIONAL_FMTS;

	GetExceptionInfo(&ex);
	if (!image_initialised) {
		if (InitializeMagickEx(argv0, MAGICK_OPT_NO_SIGNAL_HANDER,
		    &ex) != MagickPass) {
			*cause = xasprintf("GraphicsMagick initialisation failed: "
			    "%s", ex.reason ? ex.reason : "unknown reason");
			goto out;
		}
		image_initialised = 1;
		image_registered = 0;
		for (i = 0; i < IMAGE_NCODERS; i++) {
			if (image_coders[i] != NULL)
				image_registered |= IMAGE_FMT(i);
		}
	}
	SetFatalErrorHandler(image_fatal_handler);
	SetErrorHandler(image_error_handler);
	SetWarningHandler(image_warning_handler);

	missing = need & ~image_registered;
	if (missing != 0) {
		for (i = 0; !(missing & IMAGE_FMT(i)); i++)
			;
		*cause = xasprintf("format %s was not allowed when the program "
		    "started; restart it to allow it",
		    imghdr_format_name((enum imghdr_format)i));
		goto out;
	}

	coders = GetMagickInfoArray(&ex);
	if (coders == NULL) {
		*cause = xasprintf("cannot list GraphicsMagick coders: %s",
		    ex.reason ? ex.reason : "unknown reason");
		goto out;
	}
	found = decodable = 0;
	for (mi = coders; *mi != NULL; mi++) {
		if ((name = (*mi)->name) == NULL)
			continue;
		bit = image_coder_format(name);
		found |= bit;
		/* Decoding from memory: without blob support GraphicsMagick
		 * would write the bytes to a temporary file first. */
		if ((*mi)->decoder != NULL && (*mi)->blob_support)
			decodable |= bit;
		if (bit & keep)
			continue;
		/* The entry is freed here; name is not used again. */
		if (UnregisterMagickInfo(name) != MagickPass) {
			*cause = xasprintf("cannot unregister GraphicsMagick "
			    "coder %s", name);
			goto out;
		}
	}
	image_registered = keep & found;
	decodable |= IMAGE_OWN_DECODERS;
	/* A GraphicsMagick built without, say, libheif: say so at start-up
	 * rather than fail every job. */
	if ((missing = allowed & ~decodable) != 0) {
		for (i = 0; !(missing & IMAGE_FMT(i)); i++)
			;
		name = imghdr_format_name((enum imghdr_format)i);
		*cause = xasprintf("formats: this GraphicsMagick (%s) cannot "
		    "decode %s images: it has no %s coder that reads from "
		    "memory (built without %s?); remove %s from formats",
		    MagickLibVersionText, name, image_coders[i],
		    image_coder_libs[i], name);
		goto out;
	}
	if ((missing = need & ~found) != 0) {
		for (i = 0; !(missing & IMAGE_FMT(i)); i++)
			;
		*cause = xasprintf("GraphicsMagick has no %s coder",
		    imghdr_format_name((enum imghdr_format)i));
		goto out;
	}

	SetMagickResourceLimit(ThreadsResource, 1);
	image_allowed = allowed;
	image_max_pixels = conf->max_pixels;
	image_max_dimension = conf->max_dimension;
	rv = 0;
out:
	if (coders != NULL)
		MagickFree(coders);
	DestroyExceptionInfo(&ex);
	return rv;
}

/*
 * Limits for one child, checked by GraphicsMagick after a header is read and
 * before pixels are allocated; they back up the imghdr checks for what imghdr
 * cannot see (a GIF frame larger than its screen, say).  Memory allows the
 * pixel cache of the largest image (8 bytes a pixel at Q16) plus the decoders'
 * own buffers, measured at about 10 bytes a pixel for PNG; Map and Disk are 0
 * so nothing falls back to a memory-mapped or on-disk cache.  Read bounds the
 * decompressed data a decoder may consume (a PNG's zlib stream, say).
 */
void
image_child_init(const struct thumbq_conf *conf)
{
	uint64_t	pixels = conf->max_pixels;

	image_max_pixels = conf->max_pixels;
	image_max_dimension = conf->max_dimension;

	/* 2^40 pixels is no limit in practice, and keeps the sums below in
	 * range. */
	if (pixels != 0 && pixels < (UINT64_C(1) << 40)) {
		SetMagickResourceLimit(PixelsResource, (magick_int64_t)pixels);
		SetMagickResourceLimit(MemoryResource,
		    (magick_int64_t)(pixels * 16 + 64 * 1024 * 1024));
		SetMagickResourceLimit(ReadResource,
		    (magick_int64_t)(pixels * 8 + 64 * 1024 * 1024));
	}
	if (conf->max_dimension != 0) {
		SetMagickResourceLimit(WidthResource, conf->max_dimension);
		SetMagickResourceLimit(HeightResource, conf->max_dimension);
	}
	SetMagickResourceLimit(MapResource, 0);
	SetMagickResourceLimit(DiskResource, 0);
	SetMagickResourceLimit(ThreadsResource, 1);
}

void
image_shutdown(void)
{
	if (!image_initialised)
		return;
	DestroyMagick();
	image_initialised = 0;
	image_registered = 0;
}

/*
 * Fits w x h inside bw x bh keeping the aspect ratio, never enlarging,
 * rounding to the nearest pixel and keeping at least one: what Pillow's
 * thumbnail() gives, 1500x1000 in 100x100 is 100x67.
 */
static void
image_fit(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    unsigned long *tw, unsigned long *th)
{
	double	n;

	if (w <= bw && h <= bh) {
		*tw = w;
		*th = h;
		return;
	}
	if ((double)w * bh >= (double)h * bw) {
		*tw = bw;
		n = (double)h * bw / w + 0.5;
		*th = n < 1 ? 1 : (unsigned long)n;
	} else {
		*th = bh;
		n = (double)w * bh / h + 0.5;
		*tw = n < 1 ? 1 : (unsigned long)n;
	}
}

/*
 * For fill: the centred part of a w x h image that has the aspect ratio of
 * bw x bh, as large as possible.  Cropping first and scaling the crop to the
 * box gives the same pixels as scaling to cover the box and cropping after,
 * without ever making the intermediate image (1x1000 to cover 1024x1024
 * would be 1024x1024000).
 */
static void
image_fill_crop(unsigned long w, unsigned long h, unsigned bw, unsigned bh,
    RectangleInfo *r)
{
	double	n;

	if ((double)w * bh > (double)h * bw) {
		n = (double)h * bw / bh + 0.5;
		r->width = n < 1 ? 1 : (unsigned long)n;
		if (r->width > w)
			r->width = w;
		r->height = h;
	} else {
		n = (double)w * bh / bw + 0.5;
		r->height = n < 1 ? 1 : (unsigned long)n;
		if (r->height > h)
			r->height = h;
		r->width = w;
	}
	r->x = (long)((w - r->width) / 2);
	r->y = (long)((h - r->height) / 2);
}

/*
 * The size to decode a big image at, when its decoder can scale (libjpeg's
 * DCT scaling, libwebp's rescaler): twice what the resize will make from
 * the whole image, so Lanczos still has enough pixels, in the image's
 * proportions.  The EXIF orientation is not known before decoding, so the
 * box is taken as a square of its larger side: fit and pad fit the image in
 * it, fill covers it (the crop is then at least twice the box either way
 * round).  Returns 0 when the image is not larger than that on both sides:
 * decode it as it is (libjpeg would upscale, and nothing would be saved).
 */
static int
image_shrink_size(unsigned long w, unsigned long h,
    const struct image_request *req, unsigned long *dw, unsigned long *dh)
{
	unsigned long	tw, th, m;
	unsigned	side;

	side = req->width > req->height ? req->width : req->height;
	if (req->mode == IMAGE_FILL) {
		m = w < h ? w : h;
		tw = (unsigned long)((double)w * side / m + 0.999);
		th = (unsigned long)((double)h * side / m + 0.999);
	} else
		image_fit(w, h, side, side, &tw, &th);
	if (tw * 2 >= w || th * 2 >= h)
		return 0;
	*dw = tw * 2;
	*dh = th * 2;
	return 1;
}

/*
 * The size hint that makes libjpeg decode at 1/2 .. 1/8 scale (DCT scaling).
 * GraphicsMagick divides by floor(min(W/hint_w, H/hint_h)) and libjpeg rounds
 * that up to the next N/8, so the decode is never smaller than the hint
 * (image_shrink_size).  A hint larger than the image on either side would
 * make libjpeg upscale: none then.
 */
static int
image_jpeg_hint(const struct imghdr *hdr, const struct image_request *req,
    char *buf, size_t size)
{
	unsigned long	dw, dh;

	if (!image_shrink_size(hdr->width, hdr->height, req, &dw, &dh))
		return 0;
	snprintf(buf, size, "%lux%lu", dw, dh);
	return 1;
}

/* Where the first frame of an animation sits on its canvas. */
struct image_frame {
	unsigned long	canvas_w;
	unsigned long	canvas_h;
	long		x;
	long		y;
	unsigned long	w;
	unsigned long	h;
};

static uint32_t
image_le24(const unsigned char *p)
{
	return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static uint32_t
image_le32(const unsigned char *p)
{
	return image_le24(p) | ((uint32_t)p[3] << 24);
}

static void
image_put_le24(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
}

static void
image_put_le32(unsigned char *p, uint32_t v)
{
	image_put_le24(p, v);
	p[3] = (v >> 24) & 0xff;
}

/* A RIFF chunk: its 8-byte header, payload and padding byte. */
struct image_chunk {
	const unsigned char	*at;	/* the fourcc; NULL if absent */
	size_t			 size;	/* payload bytes */
};

/*
 * The next chunk at *off within [0, end) of buf; 0, 1 at the end, -1 if a
 * chunk claims more bytes than there are.  Sizes are checked against what
 * is left before any addition, so nothing can wrap.
 */
static int
image_riff_next(const unsigned char *buf, size_t end, size_t *off,
    struct image_chunk *c)
{
	size_t	size;

	if (*off >= end || end - *off < 8)
		return 1;
	size = image_le32(buf + *off + 4);
	if (size > end - *off - 8)
		return -1;
	c->at = buf + *off;
	c->size = size;
	*off += 8 + size;
	if ((size & 1) && *off < end)
		(*off)++;
	return 0;
}

#define WEBP_FLAG_ANIMATION	0x02
#define WEBP_FLAG_ALPHA		0x10
#define WEBP_FLAG_ICC		0x20

/* Appends a chunk, with its padding byte, to the still being built. */
static unsigned char *
image_put_chunk(unsigned char *p, const struct image_chunk *c)
{
	memcpy(p, c->at, 8 + c->size);
	p += 8 + c->size;
	if (c->size & 1)
		*p++ = 0;
	return p;
}

/*
 * GraphicsMagick 1.3.40 decodes WebP with libwebp's still-image API, which
 * refuses animations ("No data returned").  The first frame of an animated
 * WebP (VP8X with the animation flag) is an ANMF chunk: its offset and size
 * on the canvas, then an optional ALPH chunk and a VP8 or VP8L bitstream.
 * Those chunks, behind a VP8X header sized to the frame (and the file's ICC
 * profile, if any), make a still WebP that libwebp decodes; the caller then
 * puts it on the canvas.  Returns 1 if the bytes are not an animation (decode
 * them as they are), 0 with *still (free() it) and *frame filled, or -1 if
 * the animation is malformed.
 */
static int
image_webp_first_frame(const unsigned char *in, size_t len,
    unsigned char **still, size_t *stilllen, struct image_frame *frame)
{
	struct image_chunk	 c, iccp = { NULL, 0 }, anmf = { NULL, 0 };
	struct image_chunk	 alph = { NULL, 0 }, bits = { NULL, 0 };
	const unsigned char	*f;
	unsigned char		*out, *p;
	size_t			 end, off, total;
	unsigned		 flags = 0;
	int			 r;

	if (len < 30 || memcmp(in + 12, "VP8X", 4) != 0 ||
	    !(in[20] & WEBP_FLAG_ANIMATION))
		return 1;
	frame->canvas_w = image_le24(in + 24) + 1;
	frame->canvas_h = image_le24(in + 27) + 1;

	/* A RIFF size beyond the bytes we have is a truncated file: what we
	 * have is still read, so a complete first frame decodes. */
	end = (size_t)image_le32(in + 4);
	end = end > len - 8 ? len : end + 8;
	off = 12;
	while ((r = image_riff_next(in, end, &off, &c)) == 0) {
		if (memcmp(c.at, "ICCP", 4) == 0 && iccp.at == NULL)
			iccp = c;
		else if (memcmp(c.at, "ANMF", 4) == 0) {
			anmf = c;
			break;
		}
	}
	if (r < 0 || anmf.at == NULL || anmf.size < 16)
		return -1;

	f = anmf.at + 8;
	frame->x = (long)image_le24(f) * 2;
	frame->y = (long)image_le24(f + 3) * 2;
	frame->w = image_le24(f + 6) + 1;
	frame->h = image_le24(f + 9) + 1;
	if (frame->w > frame->canvas_w || frame->h > frame->canvas_h ||
	    (unsigned long)frame->x > frame->canvas_w - frame->w ||
	    (unsigned long)frame->y > frame->canvas_h - frame->h)
		return -1;

	off = 16;
	while ((r = image_riff_next(f, anmf.size, &off, &c)) == 0) {
		if (memcmp(c.at, "ALPH", 4) == 0 && alph.at == NULL)
			alph = c;
		else if (memcmp(c.at, "VP8 ", 4) == 0 ||
		    memcmp(c.at, "VP8L", 4) == 0) {
			bits = c;
			break;
		}
	}
	if (r < 0 || bits.at == NULL)
		return -1;

	/* ALPH goes with a lossy bitstream only; VP8L carries its own alpha,
	 * which the VP8X flag must announce or libwebp decodes it opaque. */
	if (memcmp(bits.at, "VP8L", 4) == 0) {
		alph.at = NULL;
		if (bits.size >= 5 && (image_le32(bits.at + 9) >> 28) & 1)
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
	image_put_le32(p, 10);
	p[4] = (unsigned char)flags;
	p[5] = p[6] = p[7] = 0;
	image_put_le24(p + 8, (uint32_t)frame->w - 1);
	image_put_le24(p + 11, (uint32_t)frame->h - 1);
	p += 14;
	if (iccp.at != NULL)
		p = image_put_chunk(p, &iccp);
	if (alph.at != NULL)
		p = image_put_chunk(p, &alph);
	p = image_put_chunk(p, &bits);
	*stilllen = (size_t)(p - out);
	image_put_le32(out + 4, (uint32_t)(*stilllen - 8));
	*still = out;
	return 0;
}

/* Quotes the first bytes of something that is not an image, so that an HTML
 * error page or an SVG is recognisable in the job's error message. */
static void
image_quote_start(const unsigned char *in, size_t len, char *buf, size_t size)
{
	size_t	i, n;

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
	char		start[32];
	const char	*name;
	int		read_ok;

	read_ok = imghdr_read(in, len, hdr) == 0;
	name = imghdr_format_name(hdr->format);
	if (hdr->format == IMGHDR_UNKNOWN) {
		image_quote_start(in, len, start, sizeof start);
		job_error_set(err, "unsupported_format", 0, "not an image in a "
		    "format this server knows (%s): %zu bytes starting \"%s\"",
		    image_known_formats(), len, start);
		return -1;
	}
	if (!(image_allowed & IMAGE_FMT(hdr->format))) {
		job_error_set(err, "unsupported_format", 0, "%s images are not "
		    "accepted by this server", name);
		return -1;
	}
	if (!read_ok) {
		job_error_set(err, "image_corrupt", 0, "truncated or malformed "
		    "%s header (%zu bytes)", name, len);
		return -1;
	}
	if ((image_max_dimension != 0 && (hdr->width > image_max_dimension ||
	    hdr->height > image_max_dimension)) || (image_max_pixels != 0 &&
	    (uint64_t)hdr->width * hdr->height > image_max_pixels)) {
		job_error_set(err, "image_too_large", 0, "%s image is %ux%u; the "
		    "limit is %lu pixels and %u per side", name, hdr->width,
		    hdr->height, image_max_pixels, image_max_dimension);
		return -1;
	}
	return 0;
}

/*
 * GraphicsMagick's reasons can quote the input (a chunk name, a file name);
 * the message goes into JSON and into one-line logs, so keep printable ASCII.
 */
static const char *
image_clean(const char *s, char *buf, size_t size)
{
	size_t	i;

	if (s == NULL)
		s = "";
	for (i = 0; s[i] != '\0' && i < size - 1; i++) {
		buf[i] = ((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
	}
	buf[i] = '\0';
	return buf;
}

/*
 * A decoder returned no image.  Resource limits mean too large; corrupt data,
 * blob and coder errors (libpng and libwebp report as coder errors) mean the
 * bytes are bad; anything else is our failure, worth a retry only when it is
 * about the machine (temporary files, cache) rather than the image.
 */
static void
image_decode_error(const struct imghdr *hdr, const ExceptionInfo *ex,
    struct job_error *err)
{
	const char	*name = imghdr_format_name(hdr->format);
	char		 rbuf[160], dbuf[160];
	const char	*reason, *desc, *sep;

	reason = image_clean(ex->reason ? ex->reason : "no reason given", rbuf,
	    sizeof rbuf);
	desc = image_clean(ex->description, dbuf, sizeof dbuf);
	sep = *desc != '\0' ? ": " : "";

	/* GraphicsMagick's words when the coder knows the file but not this
	 * kind of it (an animated JPEG XL, a HEIF feature libheif lacks). */
	if (ex->severity == CoderError && ex->reason != NULL &&
	    strcmp(ex->reason, "Image type not supported") == 0) {
		job_error_set(err, "unsupported_format", 0, "%s image of a kind "
		    "this server cannot decode: %s%s%s", name, reason, sep,
		    desc);
		return;
	}
	switch (ex->severity) {
	case ResourceLimitError:
		job_error_set(err, "image_too_large", 0, "%s image exceeds the "
		    "decoding limits: %s%s%s", name, reason, sep, desc);
		break;
	case UndefinedException:
	case CorruptImageError:
	case CorruptImageWarning:
	case BlobError:
	case CoderError:
		job_error_set(err, "image_corrupt", 0, "corrupt %s image: %s%s%s",
		    name, reason, sep, desc);
		break;
	case FileOpenError:
	case CacheError:
	case TemporaryFileError:
		job_error_set(err, "image_failed", 1, "decoding %s image failed "
		    "(severity %d): %s%s%s", name, (int)ex->severity, reason, sep,
		    desc);
		break;
	default:
		job_error_set(err, "image_failed", 0, "decoding %s image failed "
		    "(severity %d): %s%s%s", name, (int)ex->severity, reason, sep,
		    desc);
		break;
	}
}

/* For the steps after decoding, where a NULL result is our failure. */
static void
image_step_error(const char *step, const ExceptionInfo *ex,
    struct job_error *err)
{
	char		 rbuf[160], dbuf[160];
	const char	*reason, *desc;

	reason = image_clean(ex->reason ? ex->reason : "no reason given", rbuf,
	    sizeof rbuf);
	desc = image_clean(ex->description, dbuf, sizeof dbuf);
	job_error_set(err, "image_failed", 0, "%s failed (severity %d): %s%s%s",
	    step, (int)ex->severity, reason, *desc != '\0' ? ": " : "", desc);
}

/*
 * Lanczos, the filter Pillow and libvips use for thumbnails.  After a hinted
 * JPEG decode the image is small and Lanczos costs about a millisecond.  From
 * a full decode of a big image, Lanczos over every source pixel dominates
 * (243 ms for 4000x3000 here), so a box average (ScaleImage, every pixel
 * counted, no aliasing) first brings it to twice the thumbnail: 43 ms, and
 * 57 dB PSNR against the full Lanczos, where ThumbnailImage's point sampling
 * gives 43 dB and visible aliasing on fine patterns.
 */
static Image *
image_resize(Image *image, unsigned long tw, unsigned long th, int hinted,
    ExceptionInfo *ex)
{
	Image	*scaled, *resized;

	if (hinted || image->columns < tw * 4 || image->rows < th * 4)
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
	if ((image_max_dimension != 0 && (req->width > image_max_dimension ||
	    req->height > image_max_dimension)) || (image_max_pixels != 0 &&
	    (uint64_t)req->width * req->height > image_max_pixels)) {
		job_error_set(err, "image_failed", 0, "thumbnail box %ux%u "
		    "exceeds the limits (%lu pixels, %u per side)", req->width,
		    req->height, image_max_pixels, image_max_dimension);
		return -1;
	}
	if (req->mode != IMAGE_FIT && req->mode != IMAGE_FILL &&
	    req->mode != IMAGE_PAD) {
		job_error_set(err, "image_failed", 0, "invalid mode %d",
		    (int)req->mode);
		return -1;
	}
	if (req->format != IMAGE_AUTO && req->format != IMAGE_JPEG &&
	    req->format != IMAGE_PNG && req->format != IMAGE_WEBP) {
		job_error_set(err, "image_failed", 0, "invalid format %d",
		    (int)req->format);
		return -1;
	}
	if (req->quality > 100) {
		job_error_set(err, "image_failed", 0, "invalid quality %u "
		    "(1-100, or 0 for the default)", req->quality);
		return -1;
	}
	if (req->format == IMAGE_WEBP &&
	    !(image_registered & IMAGE_FMT(IMGHDR_WEBP))) {
		job_error_set(err, "image_failed", 0, "WebP output is not "
		    "available: GraphicsMagick has no WEBP coder");
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
	Image	*canvas;
	int	 matte = image->matte;

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

static uint32_t
image_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* An ICC s15Fixed16Number. */
static double
image_s15f16(const unsigned char *p)
{
	return (double)(int32_t)image_be32(p) / 65536.0;
}

/*
 * The data of tag sig in an ICC profile: 0 with *data and *len, 1 if the
 * profile has no such tag, -1 if its tag table points outside it.
 */
static int
image_icc_tag(const unsigned char *icc, size_t n, const char *sig,
    const unsigned char **data, size_t *len)
{
	const unsigned char	*t;
	uint32_t		 count, i, off, size;

	if (n < 132)
		return -1;
	count = image_be32(icc + 128);
	if (count > (n - 132) / 12)
		return -1;
	for (i = 0; i < count; i++) {
		t = icc + 132 + (size_t)i * 12;
		off = image_be32(t + 4);
		size = image_be32(t + 8);
		if (off > n || size > n - off)
			return -1;
		if (memcmp(t, sig, 4) == 0) {
			*data = icc + off;
			*len = size;
			return 0;
		}
	}
	return 1;
}

/*
 * Does a TRC tag follow the sRGB curve?  A parametric curve (type 3, or 4
 * with no offsets) must have sRGB's parameters; a sampled curve must pass
 * within 1/500 of it at x = 0, 1/16 .. 1 (linear interpolation, as lcms
 * does).  A single gamma is never sRGB, and telling it apart needs no pow().
 */
static int
image_icc_trc_is_srgb(const unsigned char *p, size_t len)
{
	/* ((x + 0.055) / 1.055)^2.4, or x / 12.92 below 0.04045. */
	static const double srgb[17] = {
		0.000000, 0.005156, 0.014350, 0.029343, 0.050876, 0.079581,
		0.116016, 0.160683, 0.214041, 0.276518, 0.348510, 0.430393,
		0.522522, 0.625232, 0.738845, 0.863669, 1.000000,
	};
	static const double para[5] = {
		2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045,
	};
	double		pos, frac, y, d;
	uint32_t	count, i, k;

	if (len >= 12 + 5 * 4 && memcmp(p, "para", 4) == 0) {
		k = (uint32_t)p[8] << 8 | p[9];
		if (k != 3 && !(k == 4 && len >= 12 + 7 * 4 &&
		    image_be32(p + 12 + 5 * 4) == 0 &&
		    image_be32(p + 12 + 6 * 4) == 0))
			return 0;
		for (i = 0; i < 5; i++) {
			d = image_s15f16(p + 12 + i * 4) - para[i];
			if (d > 0.002 || d < -0.002)
				return 0;
		}
		return 1;
	}
	if (len < 12 || memcmp(p, "curv", 4) != 0)
		return 0;
	count = image_be32(p + 8);
	if (count < 2 || count > (len - 12) / 2)
		return 0;
	for (k = 0; k <= 16; k++) {
		pos = (double)k / 16 * (count - 1);
		i = (uint32_t)pos;
		if (i >= count - 1)
			i = count - 2;
		frac = pos - i;
		y = ((1 - frac) * ((uint32_t)p[12 + 2 * i] << 8 |
		    p[13 + 2 * i]) + frac * ((uint32_t)p[14 + 2 * i] << 8 |
		    p[15 + 2 * i])) / 65535.0;
		d = y - srgb[k];
		if (d > 0.002 || d < -0.002)
			return 0;
	}
	return 1;
}

/*
 * Would lcms open this profile?  The checks of lcms 2.14's _cmsReadHeader,
 * in its order: the header, the "acsp" signature, a version below 5, a known
 * device class, at most 100 tags, the whole tag directory, and no tag twice
 * among those that lie inside the profile.  GraphicsMagick's ProfileImage
 * opens the source and the target profile and, when only one opens, returns
 * without closing the other: 24 KB lost in the child for every image whose
 * profile lcms refuses.  Such a profile never reaches it.
 */
static int
image_icc_opens(const unsigned char *icc, size_t n)
{
	static const char *const classes[] = { "scnr", "mntr", "prtr", "link",
	    "abst", "spac", "nmcl" };
	const unsigned char	*t, *u;
	uint32_t		 count, size, i, j, off, len, off2, len2;
	unsigned		 major, minor;
	int			 known = 0;

	if (n < 132 || memcmp(icc + 36, "acsp", 4) != 0)
		return 0;
	major = icc[8] > 9 ? 9 : icc[8];
	minor = ((icc[9] & 0xf0) > 0x90 ? 0x90 : (icc[9] & 0xf0)) |
	    ((icc[9] & 0x0f) > 0x09 ? 0x09 : (icc[9] & 0x0f));
	if (major > 5 || (major == 5 && minor > 0))
		return 0;
	if (image_be32(icc + 12) == 0)
		known = 1;
	for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (memcmp(icc + 12, classes[i], 4) == 0)
			known = 1;
	if (!known)
		return 0;
	size = image_be32(icc);
	if (size > n)
		size = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
	count = image_be32(icc + 128);
	if (count > 100 || (size_t)count * 12 > n - 132)
		return 0;
	for (i = 0; i < count; i++) {
		t = icc + 132 + (size_t)i * 12;
		off = image_be32(t + 4);
		len = image_be32(t + 8);
		if (off == 0 || len == 0 || off + len > size || off + len < off)
			continue;
		for (j = 0; j < i; j++) {
			u = icc + 132 + (size_t)j * 12;
			off2 = image_be32(u + 4);
			len2 = image_be32(u + 8);
			if (off2 == 0 || len2 == 0 || off2 + len2 > size ||
			    off2 + len2 < off2)
				continue;
			if (memcmp(t, u, 4) == 0)
				return 0;
		}
	}
	return 1;
}

/*
 * Is an embedded ICC profile sRGB in all but its bytes?  Most photographs
 * carry one (HP's "sRGB IEC61966-2.1" from cameras and image editors), and
 * converting through lcms costs about 17 ms a thumbnail here, ten times the
 * rest of the work on a small JPEG: GraphicsMagick asks lcms for a 16-bit
 * transform, which lcms does not reduce to curves and a matrix but samples
 * into a table, for a change of at most one level.  As browsers' colour
 * engines do, compare the numbers: an RGB profile made of colorants and
 * curves (no A2B or D2B lookup tables, which lcms would use instead) whose
 * D50 colorants are sRGB's within 0.002 and whose three curves are the sRGB
 * curve.  Anything else (Adobe RGB, Display P3, Rec. 709's curve, a damaged
 * table) goes through lcms.
 */
static int
image_icc_is_srgb(const unsigned char *icc, size_t n)
{
	static const char *const luts[] = { "A2B0", "A2B1", "A2B2", "D2B0",
	    "D2B1", "D2B2" };
	static const struct {
		const char	*sig;
		double		 xyz[3];
	} colorants[] = {
		{ "rXYZ", { 0.4361, 0.2225, 0.0139 } },
		{ "gXYZ", { 0.3851, 0.7169, 0.0971 } },
		{ "bXYZ", { 0.1431, 0.0606, 0.7141 } },
	};
	static const char *const trcs[] = { "rTRC", "gTRC", "bTRC" };
	const unsigned char	*p;
	size_t			 len, i, k;
	double			 d;

	if (n < 132 || memcmp(icc + 16, "RGB ", 4) != 0 ||
	    memcmp(icc + 20, "XYZ ", 4) != 0)
		return 0;
	for (i = 0; i < sizeof luts / sizeof luts[0]; i++)
		if (image_icc_tag(icc, n, luts[i], &p, &len) != 1)
			return 0;
	for (i = 0; i < 3; i++) {
		if (image_icc_tag(icc, n, colorants[i].sig, &p, &len) != 0 ||
		    len < 20 || memcmp(p, "XYZ ", 4) != 0)
			return 0;
		for (k = 0; k < 3; k++) {
			d = image_s15f16(p + 8 + k * 4) - colorants[i].xyz[k];
			if (d > 0.002 || d < -0.002)
				return 0;
		}
		if (image_icc_tag(icc, n, trcs[i], &p, &len) != 0 ||
		    !image_icc_trc_is_srgb(p, len))
			return 0;
	}
	return 1;
}

/*
 * Browsers treat an untagged image as sRGB, and thumbnails are written
 * untagged (StripImage: a profile is 0.5-20 KB on a 3 KB thumbnail), so the
 * pixels must be sRGB.  An embedded ICC profile (Adobe RGB from a camera, a
 * CMYK press profile, a linear gray) is converted to the embedded sRGB
 * profile through lcms; GraphicsMagick skips the work when the profile is
 * byte for byte ours.  A profile lcms cannot use (damaged, or for another
 * colour space than the pixels) is ignored as browsers ignore it, and one
 * that is sRGB in all but its bytes is taken as it is (image_icc_is_srgb).
 * CMYK without a usable profile is converted arithmetically, as before.
 * This runs after the resize: on the thumbnail's pixels, not the source's.
 */
static void
image_to_srgb(Image *image, const struct imghdr *hdr)
{
	const unsigned char	*icc;
	size_t			 icclen = 0;
	char			 rbuf[160], dbuf[160];

	icc = GetImageProfile(image, "ICM", &icclen);
	if (icc != NULL && icclen > 0 && image_icc_is_srgb(icc, icclen))
		log_debug("event=image_icc_srgb format=%s bytes=%zu",
		    imghdr_format_name(hdr->format), icclen);
	else if (icc != NULL && icclen > 0 && !image_icc_opens(icc, icclen))
		log_info("event=image_icc_ignored format=%s bytes=%zu "
		    "reason=\"not a profile lcms can open\"",
		    imghdr_format_name(hdr->format), icclen);
	else if (icc != NULL && icclen > 0) {
		/* With clone = MagickTrue the profile is only read and
		 * copied, never written nor freed. */
		if (ProfileImage(image, "ICM", (unsigned char *)image_srgb_icc,
		    sizeof image_srgb_icc, MagickTrue) != MagickPass) {
			log_info("event=image_icc_ignored format=%s bytes=%zu "
			    "reason=\"%s: %s\"", imghdr_format_name(hdr->format),
			    icclen, image_clean(image->exception.reason, rbuf,
			    sizeof rbuf), image_clean(image->exception.description,
			    dbuf, sizeof dbuf));
			DestroyExceptionInfo(&image->exception);
			GetExceptionInfo(&image->exception);
		}
	}
	if (!IsRGBCompatibleColorspace(image->colorspace))
		TransformColorspace(image, RGBColorspace);
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
	unsigned	c[4] = { 255, 255, 255, 255 }, i;

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

/* Writes the thumbnail; the caller frees res->data with free(). */
static int
image_encode(Image *image, enum image_format format, unsigned quality,
    struct image_result *res, struct job_error *err)
{
	ExceptionInfo	 ex;
	ImageInfo	*info;
	const char	*coder, *ext;
	void		*blob;
	size_t		 bloblen = 0;
	int		 rv = -1;

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
		image_step_error("encoding", &ex, err);
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
 * (decoded from the still made by image_webp_first_frame) or a GIF frame
 * smaller than its logical screen is put at its offset on a transparent
 * canvas of the size imghdr checked.
 */
static int
image_place_frame(Image **image, const struct imghdr *hdr,
    const struct image_frame *frame, int webp_anim, ExceptionInfo *ex,
    struct job_error *err)
{
	const PixelPacket	 clear = { .red = 0, .green = 0, .blue = 0,
	    .opacity = TransparentOpacity };
	Image			*next;
	unsigned long		 cw, ch;
	long			 x, y;

	if (webp_anim) {
		if ((*image)->columns != frame->w || (*image)->rows != frame->h) {
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
	if ((next = image_on_canvas(*image, cw, ch, x, y, &clear, ex)) == NULL) {
		image_step_error("placing the first frame", ex, err);
		return -1;
	}
	image_replace(image, next);
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
	struct image_chunk	c;
	size_t			end, off = 12;

	if (len < 30 || memcmp(in + 12, "VP8X", 4) != 0 ||
	    !(in[20] & WEBP_FLAG_ICC))
		return;
	end = (size_t)image_le32(in + 4);
	end = end > len - 8 ? len : end + 8;
	while (image_riff_next(in, end, &off, &c) == 0) {
		if (memcmp(c.at, "ICCP", 4) == 0) {
			if (c.size > 0)
				(void)SetImageProfile(image, "ICC", c.at + 8,
				    c.size);
			return;
		}
		if (memcmp(c.at, "VP8 ", 4) == 0 || memcmp(c.at, "VP8L", 4) == 0)
			return;
	}
}

/* n scaled by to / from, rounded, within [1, max]. */
static unsigned long
image_scale_len(unsigned long n, unsigned long to, unsigned long from,
    unsigned long max)
{
	unsigned long	r;

	r = (unsigned long)((double)n * to / from + 0.5);
	if (r < 1)
		r = 1;
	return r > max ? max : r;
}

/* An offset scaled by to / from, rounded, within [0, max]. */
static long
image_scale_pos(long n, unsigned long to, unsigned long from,
    unsigned long max)
{
	unsigned long	r;

	r = (unsigned long)((double)n * to / from + 0.5);
	return (long)(r > max ? max : r);
}

/*
 * WebP without GraphicsMagick's reader, which decodes the whole picture
 * into a Q16 pixel cache (8 bytes a pixel: 134 MB for the 4096x4096
 * wallpapers, a worker's peak) and only then lets us scale it.  libwebp
 * rescales while it decodes, row by row, with an area average (every source
 * pixel counted, as ScaleImage() would): straight to the size of
 * image_shrink_size(), twice the thumbnail, then Lanczos as after a hinted
 * JPEG decode.  Lossy pictures never exist at full size in RGB (libwebp keeps
 * a few rows of YUV); lossless ones only as libwebp's own 4 bytes a pixel.
 * The pixels go to GraphicsMagick through ConstituteImage(), which the
 * resource limits of image_child_init() still bound, with alpha when the
 * bitstream has it (as GraphicsMagick's reader does) and the ICC profile.
 *
 * For an animation, src is the still of its first frame and frame says
 * where it sits on the canvas that imghdr checked; the frame is scaled by
 * the canvas's factor, and frame is rewritten with the scaled geometry for
 * image_place_frame().  *hinted says whether the image was decoded smaller
 * than it is.
 */
static int
image_webp_decode(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, const struct image_request *req,
    struct image_frame *frame, Image **image, int *hinted, ExceptionInfo *ex,
    struct job_error *err)
{
	WebPDecoderConfig	 cfg;
	VP8StatusCode		 st;
	RectangleInfo		 crop;
	unsigned char		*px = NULL;
	unsigned long		 w, h, dw, dh, cw, ch;
	size_t			 bpp, size;
	int			 rv = -1;

	*hinted = 0;
	if (!WebPInitDecoderConfig(&cfg)) {
		job_error_set(err, "image_failed", 0, "libwebp %06x does not "
		    "match the one this program was built with",
		    (unsigned)WebPGetDecoderVersion());
		return -1;
	}
	if ((st = WebPGetFeatures(src, srclen, &cfg.input)) != VP8_STATUS_OK) {
		image_webp_error(st, err);
		return -1;
	}
	/* Checked against the limits by imghdr, from the same header: the
	 * canvas of a still, the frame of an animation (inside its canvas). */
	w = (unsigned long)cfg.input.width;
	h = (unsigned long)cfg.input.height;
	if (w != (frame != NULL ? frame->w : hdr->width) ||
	    h != (frame != NULL ? frame->h : hdr->height) ||
	    cfg.input.has_animation) {
		job_error_set(err, "image_corrupt", 0, "corrupt webp image: "
		    "its bitstream is %lux%lu%s, its header says %lux%lu", w, h,
		    cfg.input.has_animation ? " and animated" : "",
		    frame != NULL ? frame->w : (unsigned long)hdr->width,
		    frame != NULL ? frame->h : (unsigned long)hdr->height);
		return -1;
	}

	dw = w;
	dh = h;
	if (frame == NULL && req->mode == IMAGE_FILL) {
		/* Fill: the centre crop at full resolution, then scaled
		 * to twice the box, so that the crop is not rounded at the
		 * reduced size (which shifts the picture by up to half a
		 * pixel of it); the pipeline's own crop then has nothing
		 * left to do.  libwebp snaps the crop's left and top to even
		 * values: at most one source pixel.  The box is taken as
		 * asked: a WebP has no orientation here (GraphicsMagick's
		 * reader never set one either). */
		image_fill_crop(w, h, req->width, req->height, &crop);
		if (crop.width != w || crop.height != h) {
			cfg.options.use_cropping = 1;
			cfg.options.crop_left = (int)crop.x;
			cfg.options.crop_top = (int)crop.y;
			cfg.options.crop_width = (int)crop.width;
			cfg.options.crop_height = (int)crop.height;
			dw = crop.width;
			dh = crop.height;
		}
		if (dw > 2UL * req->width && dh > 2UL * req->height) {
			dw = 2UL * req->width;
			dh = 2UL * req->height;
			cfg.options.use_scaling = 1;
			cfg.options.scaled_width = (int)dw;
			cfg.options.scaled_height = (int)dh;
			*hinted = 1;
		}
	} else if (image_shrink_size(hdr->width, hdr->height, req, &cw,
	    &ch)) {
		if (frame != NULL) {
			dw = image_scale_len(frame->w, cw, frame->canvas_w, cw);
			dh = image_scale_len(frame->h, ch, frame->canvas_h, ch);
			frame->x = image_scale_pos(frame->x, cw, frame->canvas_w,
			    cw - dw);
			frame->y = image_scale_pos(frame->y, ch, frame->canvas_h,
			    ch - dh);
			frame->w = dw;
			frame->h = dh;
			frame->canvas_w = cw;
			frame->canvas_h = ch;
		} else {
			dw = cw;
			dh = ch;
		}
		cfg.options.use_scaling = 1;
		cfg.options.scaled_width = (int)dw;
		cfg.options.scaled_height = (int)dh;
		*hinted = 1;
	}
	cfg.options.use_threads = 0;

	bpp = cfg.input.has_alpha ? 4 : 3;
	if ((uint64_t)dw * dh > SIZE_MAX / bpp ||
	    (px = malloc((size = dw * dh * bpp))) == NULL) {
		job_error_set(err, "image_too_large", 0, "webp image of %lux%lu: "
		    "cannot allocate its %lux%lu pixels", w, h, dw, dh);
		goto out;
	}
	cfg.output.colorspace = cfg.input.has_alpha ? MODE_RGBA : MODE_RGB;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = px;
	cfg.output.u.RGBA.stride = (int)(dw * bpp);
	cfg.output.u.RGBA.size = size;
	if ((st = WebPDecode(src, srclen, &cfg)) != VP8_STATUS_OK) {
		image_webp_error(st, err);
		goto out;
	}
	*image = ConstituteImage(dw, dh, cfg.input.has_alpha ? "RGBA" : "RGB",
	    CharPixel, px, ex);
	if (*image == NULL) {
		image_decode_error(hdr, ex, err);
		goto out;
	}
	(*image)->depth = 8;
	image_webp_icc(*image, src, srclen);
	rv = 0;
out:
	WebPFreeDecBuffer(&cfg.output);
	free(px);
	return rv;
}

/*
 * Every other format through GraphicsMagick, its decoder forced by the
 * prefix (scaled for JPEG); the first frame only.  *hinted says whether a
 * size hint was given (the decoded image is then smaller than the header's
 * size).
 */
static int
image_gm_decode(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, const struct image_request *req, Image **image,
    int *hinted, ExceptionInfo *ex, struct job_error *err)
{
	ImageInfo	*info;
	Image		*next;
	const char	*coder;
	char		 hint[64];
	int		 rv = -1;

	/* The prefix, not ->magick, is what stops GraphicsMagick from
	 * choosing a decoder by the content. */
	info = CloneImageInfo(NULL);
	coder = image_coders[hdr->format];
	snprintf(info->filename, sizeof info->filename, "%s:", coder);
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	info->subimage = 0;		/* first frame of an animation only */
	info->subrange = 1;
	*hinted = 0;
	if (hdr->format == IMGHDR_JPEG &&
	    image_jpeg_hint(hdr, req, hint, sizeof hint)) {
		CloneString(&info->size, hint);
		*hinted = 1;
	}

	*image = BlobToImage(info, src, srclen, ex);
	if (*image == NULL || ex->severity >= ErrorException) {
		image_decode_error(hdr, ex, err);
		goto out;
	}
	/* libjpeg decodes a truncated file into a grey-filled picture with
	 * only a warning: a thumbnail of half a photo is not what was asked
	 * for.  (Other corrupt-data warnings are common in real photos and
	 * harmless, and are kept.) */
	if (ex->severity == CorruptImageWarning && ex->reason != NULL &&
	    strstr(ex->reason, "Premature end of") != NULL) {
		job_error_set(err, "image_corrupt", 0, "truncated %s: %s",
		    imghdr_format_name(hdr->format), ex->reason);
		goto out;
	}
	if (ex->severity != UndefinedException) {
		/* A warning with an image is kept, but must not be reported as
		 * the reason of a later failure. */
		log_debug("event=image_warning format=%s severity=%d "
		    "reason=\"%s\"", imghdr_format_name(hdr->format),
		    (int)ex->severity, ex->reason ? ex->reason : "");
		DestroyExceptionInfo(ex);
		GetExceptionInfo(ex);
	}
	if ((*image)->next != NULL) {
		next = RemoveFirstImageFromList(image);
		image_replace(image, next);
	}
	rv = 0;
out:
	DestroyImageInfo(info);
	return rv;
}

/*
 * Request and header checks, the decoder (libwebp, or GraphicsMagick's
 * forced by prefix; at a reduced size for big JPEG and WebP), first frame
 * on its canvas, crop (fill) and resize in the stored orientation (fewer
 * pixels to turn), EXIF turn, sRGB, then strip: EXIF can hold a location,
 * and the thumbnail needs no profile once it is sRGB.  Then the format,
 * flattening for JPEG, padding, encoding.  The caller owns res->data and
 * frees it with free().
 */
int
image_thumbnail(const unsigned char *in, size_t len,
    const struct image_request *req, struct image_result *res,
    struct job_error *err)
{
	ExceptionInfo		 ex;
	Image			*image = NULL, *next;
	struct imghdr		 hdr;
	struct image_frame	 frame;
	RectangleInfo		 crop;
	PixelPacket		 bg;
	enum image_format	 format;
	const unsigned char	*src = in;
	unsigned char		*still = NULL;
	unsigned long		 sw, sh, tw, th;
	unsigned		 bw, bh;
	size_t			 srclen = len;
	int			 hinted = 0, rotated, transparent, padded;
	int			 webp_anim = 0, rv = -1;

	memset(res, 0, sizeof *res);
	memset(&frame, 0, sizeof frame);
	job_error_clear(err);
	GetExceptionInfo(&ex);

	if (image_check_request(req, err) != 0)
		goto out;
	if (image_check_header(in, len, &hdr, err) != 0)
		goto out;
	if (hdr.format == IMGHDR_WEBP) {
		switch (image_webp_first_frame(in, len, &still, &srclen,
		    &frame)) {
		case 0:
			src = still;
			webp_anim = 1;
			break;
		case 1:
			break;
		default:
			job_error_set(err, "image_corrupt", 0, "corrupt webp "
			    "image: malformed animation (%zu bytes)", len);
			goto out;
		}
	}

	if (hdr.format == IMGHDR_WEBP) {
		if (image_webp_decode(src, srclen, &hdr, req, webp_anim ?
		    &frame : NULL, &image, &hinted, &ex, err) != 0)
			goto out;
	} else if (image_gm_decode(src, srclen, &hdr, req, &image, &hinted,
	    &ex, err) != 0)
		goto out;
	if (image_place_frame(&image, &hdr, &frame, webp_anim, &ex, err) != 0)
		goto out;

	/*
	 * The box applies to the picture as shown, after EXIF rotation, so
	 * for a turned photo it is turned too.  After a hinted decode the true
	 * size is the header's, not the decoded one, so a fit is the same as
	 * from a full decode; a fill crop is a proportion, taken from the
	 * decoded image.
	 */
	rotated = image->orientation >= LeftTopOrientation &&
	    image->orientation <= LeftBottomOrientation;
	bw = rotated ? req->height : req->width;
	bh = rotated ? req->width : req->height;
	sw = hinted ? hdr.width : image->columns;
	sh = hinted ? hdr.height : image->rows;
	if (req->mode == IMAGE_FILL) {
		image_fill_crop(image->columns, image->rows, bw, bh, &crop);
		if (crop.width != image->columns || crop.height != image->rows) {
			next = CropImage(image, &crop, &ex);
			if (next == NULL) {
				image_step_error("crop", &ex, err);
				goto out;
			}
			image_replace(&image, next);
		}
		tw = bw;
		th = bh;
	} else
		image_fit(sw, sh, bw, bh, &tw, &th);

	if (image->columns != tw || image->rows != th) {
		next = image_resize(image, tw, th, hinted, &ex);
		if (next == NULL) {
			image_step_error("resize", &ex, err);
			goto out;
		}
		image_replace(&image, next);
	}
	if (image->orientation > TopLeftOrientation &&
	    image->orientation <= LeftBottomOrientation) {
		next = AutoOrientImage(image, image->orientation, &ex);
		if (next == NULL) {
			image_step_error("auto-orient", &ex, err);
			goto out;
		}
		image_replace(&image, next);
	}
	image->orientation = TopLeftOrientation;

	image_to_srgb(image, &hdr);
	StripImage(image);
	image->depth = 8;
	memset(&image->page, 0, sizeof image->page);

	/* Many opaque PNGs carry an alpha channel they do not use: only a
	 * pixel that is actually transparent counts. */
	transparent = image->matte && !IsOpaqueImage(image, &ex);
	if (!transparent)
		image->matte = MagickFalse;
	padded = req->mode == IMAGE_PAD && (image->columns != req->width ||
	    image->rows != req->height);
	format = image_choose_format(req, transparent || (padded &&
	    req->has_background && req->background[3] < 255));
	image_background(req, format != IMAGE_JPEG, transparent, &bg);

	if (format == IMAGE_JPEG && image->matte) {
		if (MagickCompositeImageUnderColor(image, &bg, &ex) !=
		    MagickPass) {
			image_step_error("flattening", &ex, err);
			goto out;
		}
		image->matte = MagickFalse;
	}
	if (padded) {
		next = image_on_canvas(image, req->width, req->height,
		    (long)(req->width - image->columns) / 2,
		    (long)(req->height - image->rows) / 2, &bg, &ex);
		if (next == NULL) {
			image_step_error("padding", &ex, err);
			goto out;
		}
		image_replace(&image, next);
	}

	if (image_encode(image, format, req->quality, res, err) != 0)
		goto out;
	rv = 0;
out:
	if (image != NULL)
		DestroyImageList(image);
	free(still);
	DestroyExceptionInfo(&ex);
	return rv;
}
