/* image-jxl.c: JPEG XL output through libjxl.
 *
 * GraphicsMagick 1.3.40 has a JXL coder, but only the coders of the source
 * formats stay registered (image-gm.c), and its writer chooses effort and
 * threads itself; libjxl called directly gets the finished thumbnail as
 * RGB(A) bytes, 8-bit sRGB, and codes it on this thread (no parallel runner:
 * one process a core, GRAPHICSMAGICK.md).  The thumbnail is at most
 * max_thumbnail_size a side, so memory is bounded by the box the API
 * accepted, and time by decode_cpu_ms like the rest of the job.
 *
 * A build without libjxl (configure --without-jxl, or no libjxl-dev) keeps
 * this file's functions: image_jxl_available() says no, and the API refuses
 * the format before a job exists. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JXL
#include <jxl/encode.h>
#endif

#include "image-internal.h"
#include "xmalloc.h"

#ifdef HAVE_JXL

/*
 * libjxl's effort, 1 (fastest) to 9; its default is 7.  Measured with cjxl
 * (one thread, distance 1.45) on six 400px thumbnails of the MATE nature
 * wallpapers: effort 5 gave the same bytes (-1.5%), SSIMULACRA (0.0837 summed
 * over the six either way) and Butteraugli 3-norm (0.677 against 0.674) as
 * 7, for about a third less CPU; 3 was 6% larger and visibly worse
 * (SSIMULACRA +36%).
 */
#define IMAGE_JXL_EFFORT	5
/* A thumbnail's JXL is a few kilobytes; the cap is a guard only. */
#define IMAGE_JXL_MAX_BYTES	(64UL * 1024 * 1024)

/*
 * Quality as libjpeg means it, to cjxl's -q scale: the JPEG XL quality
 * whose mean SSIMULACRA equals JPEG's at each point, on twelve 400px
 * thumbnails of the Debian wallpapers (bench/formats; JPEG 85 looks like
 * cjxl's 80).
 */
static const unsigned char image_jxl_quality[][2] = {
	{ 0, 0 }, { 60, 58 }, { 70, 65 }, { 80, 75 }, { 85, 80 }, { 90, 90 },
	{ 95, 96 }, { 100, 100 },
};

/*
 * Quality 1-100 (JPEG's) as a Butteraugli distance: the table above, then
 * cjxl -q's formula (its 90 is distance 1.0, "visually lossless"; 80 is
 * 1.9).  libjxl 0.7 takes at most 15, which cjxl's formula passes below
 * quality 12.
 */
static float
image_jxl_distance(unsigned quality)
{
	float d;

	quality = image_quality_map(quality, image_jxl_quality,
	    sizeof image_jxl_quality / sizeof image_jxl_quality[0]);
	if (quality >= 30)
		return 0.1f + (float)(100 - quality) * 0.09f;
	d = 6.4f + (float)pow(2.5, (30.0 - quality) / 5.0) / 6.25f;
	return d > 15.0f ? 15.0f : d;
}

static int
image_jxl_failed(const char *step, JxlEncoder *enc, struct job_error *err)
{
	job_error_set(err, "image_failed", 0, "JPEG XL encoding failed: %s "
	    "(libjxl error %d)", step, (int)JxlEncoderGetError(enc));
	return -1;
}

/* The picture's header: w x h, 8 bits, sRGB, alpha when it has it. */
static int
image_jxl_header(JxlEncoder *enc, unsigned long w, unsigned long h,
    int alpha, struct job_error *err)
{
	JxlBasicInfo info;
	JxlColorEncoding colour;

	JxlEncoderInitBasicInfo(&info);
	info.xsize = (uint32_t)w;
	info.ysize = (uint32_t)h;
	info.bits_per_sample = 8;
	info.exponent_bits_per_sample = 0;
	info.num_color_channels = 3;
	/* XYB: libjxl's perceptual space, where its distance means what the
	 * mapping above says. */
	info.uses_original_profile = JXL_FALSE;
	if (alpha) {
		info.num_extra_channels = 1;
		info.alpha_bits = 8;
	}
	if (JxlEncoderSetBasicInfo(enc, &info) != JXL_ENC_SUCCESS)
		return image_jxl_failed("header", enc, err);
	JxlColorEncodingSetToSRGB(&colour, JXL_FALSE);
	if (JxlEncoderSetColorEncoding(enc, &colour) != JXL_ENC_SUCCESS)
		return image_jxl_failed("colour encoding", enc, err);
	return 0;
}

/* Takes the coded bytes out of libjxl into *out, growing it to the cap. */
static int
image_jxl_drain(JxlEncoder *enc, unsigned char **out, size_t *outlen,
    struct job_error *err)
{
	JxlEncoderStatus st;
	unsigned char *buf, *next;
	size_t size = 16384, avail, used;

	buf = xmalloc(size);
	next = buf;
	avail = size;
	while ((st = JxlEncoderProcessOutput(enc, &next, &avail)) ==
	    JXL_ENC_NEED_MORE_OUTPUT) {
		used = (size_t)(next - buf);
		if (size >= IMAGE_JXL_MAX_BYTES) {
			free(buf);
			job_error_set(err, "image_failed", 0, "JPEG XL "
			    "encoding failed: larger than 64 MB");
			return -1;
		}
		size *= 2;
		buf = xrealloc(buf, size);
		next = buf + used;
		avail = size - used;
	}
	if (st != JXL_ENC_SUCCESS) {
		free(buf);
		return image_jxl_failed("coding", enc, err);
	}
	*out = buf;
	*outlen = (size_t)(next - buf);
	return 0;
}

int
image_jxl_available(void)
{
	return 1;
}

/*
 * Encodes the finished thumbnail as a bare JPEG XL codestream (no ISOBMFF
 * container: there is no metadata to carry) at quality 1-100.  *out is the
 * file, to free().  Returns 0, or -1 with err filled.
 */
int
image_jxl_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err)
{
	JxlEncoder *enc;
	JxlEncoderFrameSettings *fs;
	JxlPixelFormat pf = { 3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0 };
	unsigned char *px = NULL;
	int alpha = image->matte, rv = -1;

	if ((enc = JxlEncoderCreate(NULL)) == NULL) {
		job_error_set(err, "image_failed", 0, "JPEG XL encoding "
		    "failed: out of memory");
		return -1;
	}
	if (image_export_pixels(image, alpha, &px, err) != 0)
		goto out;
	if (JxlEncoderUseContainer(enc, JXL_FALSE) != JXL_ENC_SUCCESS ||
	    image_jxl_header(enc, image->columns, image->rows, alpha,
	    err) != 0)
		goto out;
	if ((fs = JxlEncoderFrameSettingsCreate(enc, NULL)) == NULL ||
	    JxlEncoderSetFrameDistance(fs,
	    image_jxl_distance(quality)) != JXL_ENC_SUCCESS ||
	    JxlEncoderFrameSettingsSetOption(fs, JXL_ENC_FRAME_SETTING_EFFORT,
	    IMAGE_JXL_EFFORT) != JXL_ENC_SUCCESS) {
		image_jxl_failed("settings", enc, err);
		goto out;
	}
	pf.num_channels = alpha ? 4 : 3;
	if (JxlEncoderAddImageFrame(fs, &pf, px, image->columns *
	    image->rows * pf.num_channels) != JXL_ENC_SUCCESS) {
		image_jxl_failed("frame", enc, err);
		goto out;
	}
	JxlEncoderCloseInput(enc);
	if (image_jxl_drain(enc, out, outlen, err) != 0)
		goto out;
	rv = 0;
out:
	free(px);
	JxlEncoderDestroy(enc);
	return rv;
}

#else /* !HAVE_JXL */

int
image_jxl_available(void)
{
	return 0;
}

int
image_jxl_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err)
{
	(void)image;
	(void)quality;
	(void)out;
	(void)outlen;
	job_error_set(err, "format_unavailable", 0, "format jxl is not "
	    "available on this server (built without libjxl)");
	return -1;
}

#endif /* HAVE_JXL */
