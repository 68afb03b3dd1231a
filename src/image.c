/* image.c: the thumbnail pipeline on GraphicsMagick (see image.h).
 *
 * The bytes are hostile.  Before GraphicsMagick sees them, imghdr tells the
 * format and dimensions; unknown or disallowed formats and oversized images
 * are refused there.  The decoder is then forced by a "FORMAT:" filename
 * prefix (setting ->magick alone lets GraphicsMagick re-detect from the
 * bytes), every coder except the allowed ones is unregistered at start-up,
 * and each child has resource limits, with Disk = 0 so a big image can never
 * spill its pixel cache to disk.  The figures quoted below were measured
 * with GraphicsMagick 1.3.40 Q16, one thread. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <magick/api.h>

#include "image.h"
#include "imghdr.h"
#include "joberror.h"
#include "log.h"
#include "xmalloc.h"

#define IMAGE_FMT(f)	(1U << (f))

/* The GraphicsMagick coder for each format we sniff; also the decode prefix. */
static const char *const image_coders[] = {
	[IMGHDR_JPEG] = "JPEG",
	[IMGHDR_PNG] = "PNG",
	[IMGHDR_GIF] = "GIF",
	[IMGHDR_WEBP] = "WEBP",
};
#define IMAGE_NCODERS	(sizeof image_coders / sizeof image_coders[0])

/* Thumbnails are written as JPEG or PNG, so those coders always stay. */
#define IMAGE_OUTPUT_FMTS	(IMAGE_FMT(IMGHDR_JPEG) | IMAGE_FMT(IMGHDR_PNG))

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
			    "(known: jpeg png gif webp)", name);
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
	unsigned	  allowed, keep, missing, found, bit;
	const char	 *name;
	size_t		  i;
	int		  rv = -1;

	if (image_parse_formats(conf->formats, &allowed, cause) != 0)
		return -1;
	keep = allowed | IMAGE_OUTPUT_FMTS;

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

	missing = keep & ~image_registered;
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
	found = 0;
	for (mi = coders; *mi != NULL; mi++) {
		if ((name = (*mi)->name) == NULL)
			continue;
		bit = image_coder_format(name);
		found |= bit;
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
	/* A GraphicsMagick built without, say, libwebp: say so at start-up
	 * rather than fail every job. */
	if ((missing = keep & ~found) != 0) {
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
 * The size hint that makes libjpeg decode at 1/2 .. 1/8 scale (DCT scaling).
 * GraphicsMagick divides by floor(min(W/hint_w, H/hint_h)) and libjpeg rounds
 * that up to the next N/8, so the decode is never smaller than the hint.  The
 * hint is twice the thumbnail, so Lanczos still has enough pixels, and it
 * keeps the image's proportions.  The EXIF orientation is not known yet, so
 * the thumbnail is fitted in a square of the larger side.  A hint larger than
 * the image on either side would make libjpeg upscale: none then.
 */
static int
image_jpeg_hint(const struct imghdr *hdr, const struct image_request *req,
    char *buf, size_t size)
{
	unsigned long	tw, th;
	unsigned	side;

	side = req->width > req->height ? req->width : req->height;
	image_fit(hdr->width, hdr->height, side, side, &tw, &th);
	if (tw * 2 >= hdr->width || th * 2 >= hdr->height)
		return 0;
	snprintf(buf, size, "%lux%lu", tw * 2, th * 2);
	return 1;
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
		job_error_set(err, "unsupported_format", 0, "not a JPEG, PNG, "
		    "GIF or WebP image (%zu bytes starting \"%s\")", len, start);
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
 * Header checks, forced decoder (scaled for JPEG), first frame, resize in the
 * stored orientation (fewer pixels to turn), EXIF turn, then strip: EXIF can
 * hold a location, and the thumbnail needs no profile once it is RGB.  The
 * caller owns res->data and frees it with free().
 */
int
image_thumbnail(const unsigned char *in, size_t len,
    const struct image_request *req, struct image_result *res,
    struct job_error *err)
{
	ExceptionInfo	 ex;
	ImageInfo	*info = NULL, *out_info = NULL;
	Image		*image = NULL, *next;
	struct imghdr	 hdr;
	unsigned long	 sw, sh, tw, th;
	const char	*coder, *ext;
	char		 hint[64];
	void		*blob = NULL;
	size_t		 bloblen = 0;
	int		 hinted = 0, rotated, png, rv = -1;

	memset(res, 0, sizeof *res);
	job_error_clear(err);
	GetExceptionInfo(&ex);

	if (req->width == 0 || req->height == 0) {
		job_error_set(err, "image_failed", 0, "invalid thumbnail box "
		    "%ux%u", req->width, req->height);
		goto out;
	}
	if (image_check_header(in, len, &hdr, err) != 0)
		goto out;

	/* The prefix, not ->magick, is what stops GraphicsMagick from
	 * choosing a decoder by the content. */
	info = CloneImageInfo(NULL);
	coder = image_coders[hdr.format];
	snprintf(info->filename, sizeof info->filename, "%s:", coder);
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	info->subimage = 0;		/* first frame of an animation only */
	info->subrange = 1;
	if (hdr.format == IMGHDR_JPEG &&
	    image_jpeg_hint(&hdr, req, hint, sizeof hint)) {
		CloneString(&info->size, hint);
		hinted = 1;
	}

	image = BlobToImage(info, in, len, &ex);
	if (image == NULL) {
		image_decode_error(&hdr, &ex, err);
		goto out;
	}
	if (ex.severity >= ErrorException) {
		image_decode_error(&hdr, &ex, err);
		goto out;
	}
	if (ex.severity != UndefinedException) {
		/* A warning with an image (a truncated JPEG, say) is kept, but
		 * must not be reported as the reason of a later failure. */
		log_debug("event=image_warning format=%s severity=%d "
		    "reason=\"%s\"", imghdr_format_name(hdr.format),
		    (int)ex.severity, ex.reason ? ex.reason : "");
		DestroyExceptionInfo(&ex);
		GetExceptionInfo(&ex);
	}
	if (image->next != NULL) {
		next = RemoveFirstImageFromList(&image);
		image_replace(&image, next);
	}

	/*
	 * The box applies to the picture as shown, after EXIF rotation.  After
	 * a hinted decode the true size is the header's, not the decoded one,
	 * so the result is the same as from a full decode.
	 */
	sw = hinted ? hdr.width : image->columns;
	sh = hinted ? hdr.height : image->rows;
	rotated = image->orientation >= LeftTopOrientation &&
	    image->orientation <= LeftBottomOrientation;
	if (rotated)
		image_fit(sh, sw, req->width, req->height, &th, &tw);
	else
		image_fit(sw, sh, req->width, req->height, &tw, &th);

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

	/* CMYK (from JPEG) would be written as CMYK; browsers want RGB. */
	if (!IsRGBCompatibleColorspace(image->colorspace))
		TransformColorspace(image, RGBColorspace);
	StripImage(image);
	image->depth = 8;
	memset(&image->page, 0, sizeof image->page);

	/* PNG only when some pixel is actually transparent: many opaque PNGs
	 * carry an alpha channel they do not use. */
	png = image->matte && !IsOpaqueImage(image, &ex);
	if (!png)
		image->matte = MagickFalse;
	coder = png ? "PNG" : "JPEG";
	ext = png ? "png" : "jpg";

	out_info = CloneImageInfo(NULL);
	snprintf(out_info->filename, sizeof out_info->filename, "%s:", coder);
	snprintf(out_info->magick, sizeof out_info->magick, "%s", coder);
	snprintf(image->magick, sizeof image->magick, "%s", coder);
	if (!png)
		out_info->quality = req->quality >= 1 && req->quality <= 100 ?
		    req->quality : 85;
	blob = ImageToBlob(out_info, image, &bloblen, &ex);
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
	if (image != NULL)
		DestroyImageList(image);
	if (out_info != NULL)
		DestroyImageInfo(out_info);
	if (info != NULL)
		DestroyImageInfo(info);
	DestroyExceptionInfo(&ex);
	return rv;
}
