/* image-gm.c: GraphicsMagick's set-up, and its decoders.
 *
 * GraphicsMagick reads far more formats than a thumbnail service should
 * let an origin choose from (PostScript through Ghostscript, SVG that reads
 * local files, external delegates).  At start-up image_init() unregisters
 * every coder except the allowed source formats and the output ones, and
 * replaces the handlers that would print or exit; each child then sets
 * resource limits with Disk = 0, so that a big image can never spill its
 * pixel cache to disk.  Decoding forces the coder by a "FORMAT:" filename
 * prefix: setting ->magick alone lets GraphicsMagick re-detect from the
 * bytes.  The figures quoted below were measured with GraphicsMagick 1.3.40
 * Q16, one thread. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "geometry.h"
#include "image-internal.h"
#include "log.h"
#include "xmalloc.h"

/* The GraphicsMagick coder for each format we sniff; also the decode prefix. */
static const char *const image_gm_coders[] = {
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
#define IMAGE_GM_NCODERS \
	(sizeof image_gm_coders / sizeof image_gm_coders[0])

/* The library GraphicsMagick needs for each, for the start-up message when
 * a build lacks one. */
static const char *const image_gm_coder_libs[] = {
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
 * is decided by image_setup.allowed, from the sniffed bytes, before any
 * decoder runs.  JPEG and PNG are required; a GraphicsMagick without WebP
 * still starts, and only requests for WebP output fail.
 */
#define IMAGE_OUTPUT_FMTS	(IMAGE_FMT(IMGHDR_JPEG) | IMAGE_FMT(IMGHDR_PNG))
#define IMAGE_OPTIONAL_FMTS	IMAGE_FMT(IMGHDR_WEBP)
/* Decoded with the library itself (image-webp.c), not by a GraphicsMagick
 * coder. */
#define IMAGE_OWN_DECODERS	IMAGE_FMT(IMGHDR_WEBP)

struct image_setup	image_setup;
static int		image_gm_initialised;

/*
 * GraphicsMagick's default fatal handler prints and calls exit(), which would
 * run atexit handlers in a forked child, possibly while GraphicsMagick holds
 * its own locks.  Log one line and leave at once: the master replaces the
 * child and the lease reaper gives its job to another.
 */
static void __attribute__((noreturn))
image_gm_fatal_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_msg(LOG_CRIT, "event=image_fatal severity=%d reason=\"%s\" "
	    "description=\"%s\"", (int)severity, reason ? reason : "",
	    description ? description : "");
	_exit(1);
}

/* Only reached through CatchException() or MagickError(), which the image
 * module does not call: errors are read from the ExceptionInfo of each
 * call.  The handlers stay so that nothing GraphicsMagick does prints to
 * stderr. */
static void
image_gm_error_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_warn("event=image_error severity=%d reason=\"%s\" "
	    "description=\"%s\"", (int)severity, reason ? reason : "",
	    description ? description : "");
}

static void
image_gm_warning_handler(const ExceptionType severity, const char *reason,
    const char *description)
{
	log_debug("event=image_warning severity=%d reason=\"%s\" "
	    "description=\"%s\"", (int)severity, reason ? reason : "",
	    description ? description : "");
}

/* The formats imghdr knows, for messages: "jpeg png gif ...". */
const char *
image_gm_known_formats(void)
{
	static char buf[128];
	size_t n = 0;
	int f;

	if (buf[0] != '\0')
		return buf;
	for (f = IMGHDR_UNKNOWN + 1; f <= IMGHDR_LAST; f++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
		    n > 0 ? " " : "",
		    imghdr_format_name((enum imghdr_format)f));
	return buf;
}

/* Turns "jpeg png, gif" into a set of formats; unknown names are errors so a
 * typo never silently disables (or enables) a format. */
static int
image_gm_parse_formats(const char *list, unsigned *allowed, char **cause)
{
	char *copy, *name, *last;
	enum imghdr_format format;
	int rv = -1;

	*allowed = 0;
	copy = xstrdup(list != NULL ? list : "");
	for (name = strtok_r(copy, " \t,", &last); name != NULL;
	    name = strtok_r(NULL, " \t,", &last)) {
		format = imghdr_format_parse(name);
		if (format == IMGHDR_UNKNOWN) {
			*cause = xasprintf("unknown image format \"%s\" in "
			    "formats (known: %s)", name,
			    image_gm_known_formats());
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
image_gm_coder_format(const char *name)
{
	size_t i;

	for (i = 0; i < IMAGE_GM_NCODERS; i++) {
		if (image_gm_coders[i] != NULL &&
		    strcasecmp(name, image_gm_coders[i]) == 0)
			return IMAGE_FMT(i);
	}
	return 0;
}

/* The first format of a non-empty set, to name in a message. */
static enum imghdr_format
image_gm_first(unsigned set)
{
	int f;

	for (f = 0; !(set & IMAGE_FMT(f)); f++)
		;
	return (enum imghdr_format)f;
}

/*
 * GraphicsMagick is initialised once per process, without its signal
 * handlers (thumbqd has its own); which of our coders it registered is
 * noted then, since an unregistered coder cannot come back.  The error
 * handlers are set on every call: they must be ours whoever ran before.
 */
static int
image_gm_start(const char *argv0, ExceptionInfo *ex, char **cause)
{
	size_t i;

	if (!image_gm_initialised) {
		if (InitializeMagickEx(argv0, MAGICK_OPT_NO_SIGNAL_HANDER,
		    ex) != MagickPass) {
			*cause = xasprintf("GraphicsMagick initialisation "
			    "failed: %s",
			    ex->reason ? ex->reason : "unknown reason");
			return -1;
		}
		image_gm_initialised = 1;
		image_setup.registered = 0;
		for (i = 0; i < IMAGE_GM_NCODERS; i++) {
			if (image_gm_coders[i] != NULL)
				image_setup.registered |= IMAGE_FMT(i);
		}
	}
	SetFatalErrorHandler(image_gm_fatal_handler);
	SetErrorHandler(image_gm_error_handler);
	SetWarningHandler(image_gm_warning_handler);
	return 0;
}

/*
 * Unregisters every coder outside keep, so that no byte an origin sends can
 * reach it whatever it claims to be.  Says which of our formats the library
 * has (*found) and can decode from memory (*decodable).
 */
static int
image_gm_prune(unsigned keep, unsigned *found, unsigned *decodable,
    ExceptionInfo *ex, char **cause)
{
	MagickInfo **coders, **mi;
	const char *name;
	unsigned bit;
	int rv = -1;

	*found = *decodable = 0;
	coders = GetMagickInfoArray(ex);
	if (coders == NULL) {
		*cause = xasprintf("cannot list GraphicsMagick coders: %s",
		    ex->reason ? ex->reason : "unknown reason");
		return -1;
	}
	for (mi = coders; *mi != NULL; mi++) {
		if ((name = (*mi)->name) == NULL)
			continue;
		bit = image_gm_coder_format(name);
		*found |= bit;
		/* Decoding from memory: without blob support GraphicsMagick
		 * would write the bytes to a temporary file first. */
		if ((*mi)->decoder != NULL && (*mi)->blob_support)
			*decodable |= bit;
		if (bit & keep)
			continue;
		/* The entry is freed here; name is not used again. */
		if (UnregisterMagickInfo(name) != MagickPass) {
			*cause = xasprintf("cannot unregister GraphicsMagick "
			    "coder %s", name);
			goto out;
		}
	}
	rv = 0;
out:
	MagickFree(coders);
	return rv;
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
	ExceptionInfo ex;
	unsigned allowed, need, keep, missing, found, decodable;
	enum imghdr_format f;
	const char *name;
	int rv = -1;

	if (image_gm_parse_formats(conf->formats, &allowed, cause) != 0)
		return -1;
	need = (allowed & ~IMAGE_OWN_DECODERS) | IMAGE_OUTPUT_FMTS;
	keep = need | IMAGE_OPTIONAL_FMTS;

	GetExceptionInfo(&ex);
	if (image_gm_start(argv0, &ex, cause) != 0)
		goto out;
	if ((missing = need & ~image_setup.registered) != 0) {
		*cause = xasprintf("format %s was not allowed when the program "
		    "started; restart it to allow it",
		    imghdr_format_name(image_gm_first(missing)));
		goto out;
	}
	if (image_gm_prune(keep, &found, &decodable, &ex, cause) != 0)
		goto out;
	image_setup.registered = keep & found;
	decodable |= IMAGE_OWN_DECODERS;
	/* A GraphicsMagick built without, say, libheif: say so at start-up
	 * rather than fail every job. */
	if ((missing = allowed & ~decodable) != 0) {
		f = image_gm_first(missing);
		name = imghdr_format_name(f);
		*cause = xasprintf("formats: this GraphicsMagick (%s) cannot "
		    "decode %s images: it has no %s coder that reads from "
		    "memory (built without %s?); remove %s from formats",
		    MagickLibVersionText, name, image_gm_coders[f],
		    image_gm_coder_libs[f], name);
		goto out;
	}
	if ((missing = need & ~found) != 0) {
		*cause = xasprintf("GraphicsMagick has no %s coder",
		    imghdr_format_name(image_gm_first(missing)));
		goto out;
	}

	SetMagickResourceLimit(ThreadsResource, 1);
	image_setup.allowed = allowed;
	image_setup.max_pixels = conf->max_pixels;
	image_setup.max_dimension = conf->max_dimension;
	rv = 0;
out:
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
	uint64_t pixels = conf->max_pixels;

	image_setup.max_pixels = conf->max_pixels;
	image_setup.max_dimension = conf->max_dimension;

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
	if (!image_gm_initialised)
		return;
	DestroyMagick();
	image_gm_initialised = 0;
	image_setup.registered = 0;
}

/*
 * The size hint that makes libjpeg decode at 1/2 .. 1/8 scale (DCT scaling).
 * GraphicsMagick divides by floor(min(W/hint_w, H/hint_h)) and libjpeg rounds
 * that up to the next N/8, so the decode is never smaller than the hint
 * (geometry_shrink).  A hint larger than the image on either side would
 * make libjpeg upscale: none then.
 */
static int
image_gm_jpeg_hint(const struct imghdr *hdr, const struct image_request *req,
    char *buf, size_t size)
{
	unsigned long dw, dh;

	if (!geometry_shrink(hdr->width, hdr->height, req->width, req->height,
	    req->mode == IMAGE_FILL, &dw, &dh))
		return 0;
	snprintf(buf, size, "%lux%lu", dw, dh);
	return 1;
}

/*
 * Every format but WebP through GraphicsMagick, its decoder forced by the
 * prefix (scaled for JPEG); the first frame only.  *hinted says whether a
 * size hint was given (the decoded image is then smaller than the header's
 * size).
 */
int
image_gm_decode(const unsigned char *src, size_t srclen,
    const struct imghdr *hdr, const struct image_request *req, Image **image,
    int *hinted, ExceptionInfo *ex, struct job_error *err)
{
	ImageInfo *info;
	Image *next;
	const char *coder;
	char hint[64];
	int rv = -1;

	/* The prefix, not ->magick, is what stops GraphicsMagick from
	 * choosing a decoder by the content. */
	info = CloneImageInfo(NULL);
	coder = image_gm_coders[hdr->format];
	snprintf(info->filename, sizeof info->filename, "%s:", coder);
	snprintf(info->magick, sizeof info->magick, "%s", coder);
	info->subimage = 0;		/* first frame of an animation only */
	info->subrange = 1;
	*hinted = 0;
	if (hdr->format == IMGHDR_JPEG &&
	    image_gm_jpeg_hint(hdr, req, hint, sizeof hint)) {
		CloneString(&info->size, hint);
		*hinted = 1;
	}

	*image = BlobToImage(info, src, srclen, ex);
	if (*image == NULL || ex->severity >= ErrorException) {
		image_error_decode(hdr, ex, err);
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
		DestroyImageList(*image);
		*image = next;
	}
	rv = 0;
out:
	DestroyImageInfo(info);
	return rv;
}
