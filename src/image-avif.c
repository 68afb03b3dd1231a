/* image-avif.c: AVIF output through libheif, not GraphicsMagick.
 *
 * GraphicsMagick 1.3.40 reads AVIF through libheif but cannot write it
 * (`gm convert -list format` says "r--").  libheif 1.15 can, with an AV1
 * encoder plugin: Debian's is libaom.  The pipeline's finished thumbnail
 * (8-bit sRGB, alpha when it has transparency) is handed over as RGB(A)
 * bytes; libheif converts them to 4:2:0 YCbCr and libaom codes them, in
 * this process and on one thread, as every image step is (one process a
 * core: GRAPHICSMAGICK.md).  A thumbnail is at most max_thumbnail_size a
 * side, so the encoder's memory is bounded by the box the API accepted, and
 * its time by decode_cpu_ms like the rest of the job.
 *
 * A build without libheif (configure --without-avif, or no libheif-dev)
 * keeps this file's functions: image_avif_available() says no, and the API
 * refuses the format before a job exists. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_AVIF
#include <libheif/heif.h>
#endif

#include "image-internal.h"
#include "xmalloc.h"

#ifdef HAVE_AVIF

/*
 * libaom's speed, 0 (slowest) to 9: libheif's default, 6.  Measured with
 * heif-enc (threads=1) on six 400px thumbnails of the MATE nature
 * wallpapers: at equal SSIMULACRA, speed 7 took 40% less CPU than 6 but made
 * 14% more bytes (51.2 KB at quality 64 against 44.8 KB at 60), and 5 took
 * three times the CPU of 6 for 2% fewer bytes.  A thumbnail is encoded once
 * and served many times, and bytes are what AVIF is asked for.
 */
#define IMAGE_AVIF_SPEED	6

/*
 * Quality as libjpeg means it, to libheif's scale (which libaom's plugin
 * maps onto its quantiser): the AVIF quality whose mean SSIMULACRA equals
 * JPEG's at each point, on twelve 400px thumbnails of the Debian wallpapers
 * (bench/formats; JPEG 85 looks like AVIF 68).  Unmapped, quality 85 gave
 * AVIF files about 86% the size of JPEG's at 85 and better looking;
 * mapped, 48% at the same look.
 */
static const unsigned char image_avif_quality[][2] = {
	{ 0, 0 }, { 60, 49 }, { 70, 54 }, { 80, 60 }, { 85, 68 }, { 90, 87 },
	{ 95, 98 }, { 100, 100 },
};

/* The bytes libheif writes, gathered in one growing buffer.  A thumbnail's
 * AVIF is a few kilobytes; the cap is far beyond any, a guard only. */
struct image_avif_out {
	unsigned char *data;
	size_t len;
};
#define IMAGE_AVIF_MAX_BYTES	(64UL * 1024 * 1024)

static struct heif_error
image_avif_write(struct heif_context *ctx, const void *data, size_t size,
    void *arg)
{
	struct image_avif_out *out = arg;
	struct heif_error e = { heif_error_Ok, heif_suberror_Unspecified,
	    "ok" };

	(void)ctx;
	if (size > IMAGE_AVIF_MAX_BYTES - out->len) {
		e.code = heif_error_Encoding_error;
		e.message = "AVIF larger than 64 MB";
		return e;
	}
	out->data = xrealloc(out->data, out->len + size);
	memcpy(out->data + out->len, data, size);
	out->len += size;
	return e;
}

/* What a libheif error means for the job: always our failure, not the
 * source's, since the pixels were already decoded. */
static int
image_avif_failed(const char *step, struct heif_error e,
    struct job_error *err)
{
	char buf[128];

	job_error_set(err, "image_failed", 0, "AVIF encoding failed: %s: %s",
	    step, image_error_clean(e.message, buf, sizeof buf));
	return -1;
}

/* The encoder: libaom at a fixed speed on one thread, at quality. */
static int
image_avif_encoder(struct heif_context *ctx, unsigned quality,
    struct heif_encoder **enc, struct job_error *err)
{
	struct heif_error e;

	quality = image_quality_map(quality, image_avif_quality,
	    sizeof image_avif_quality / sizeof image_avif_quality[0]);
	e = heif_context_get_encoder_for_format(ctx, heif_compression_AV1, enc);
	if (e.code != heif_error_Ok)
		return image_avif_failed("no AV1 encoder", e, err);
	if ((e = heif_encoder_set_lossy_quality(*enc, (int)quality)).code !=
	    heif_error_Ok)
		return image_avif_failed("quality", e, err);
	/* Parameters of libaom's plugin; another plugin may not know them,
	 * and its defaults then stand. */
	(void)heif_encoder_set_parameter_integer(*enc, "threads", 1);
	(void)heif_encoder_set_parameter_integer(*enc, "speed",
	    IMAGE_AVIF_SPEED);
	(void)heif_encoder_set_parameter_integer(*enc, "alpha-quality",
	    (int)quality);
	return 0;
}

/*
 * The pixels as a libheif image: interleaved 8-bit RGB or RGBA, tagged
 * sRGB (BT.709 primaries, sRGB transfer) with full-range BT.601 YCbCr, as
 * browsers assume for a JPEG.
 */
static int
image_avif_image(const unsigned char *px, unsigned long w, unsigned long h,
    int alpha, struct heif_image **img, struct job_error *err)
{
	struct heif_color_profile_nclx *nclx;
	struct heif_error e;
	unsigned char *plane;
	size_t row = w * (alpha ? 4 : 3);
	int stride;

	e = heif_image_create((int)w, (int)h, heif_colorspace_RGB,
	    alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
	    img);
	if (e.code != heif_error_Ok)
		return image_avif_failed("image", e, err);
	e = heif_image_add_plane(*img, heif_channel_interleaved, (int)w,
	    (int)h, 8);
	if (e.code != heif_error_Ok)
		return image_avif_failed("plane", e, err);
	plane = heif_image_get_plane(*img, heif_channel_interleaved, &stride);
	if (plane == NULL || stride < 0 || (size_t)stride < row) {
		job_error_set(err, "image_failed", 0, "AVIF encoding failed: "
		    "libheif gave no plane for %lux%lu", w, h);
		return -1;
	}
	for (unsigned long y = 0; y < h; y++)
		memcpy(plane + y * (size_t)stride, px + y * row, row);
	if ((nclx = heif_nclx_color_profile_alloc()) != NULL) {
		nclx->color_primaries = heif_color_primaries_ITU_R_BT_709_5;
		nclx->transfer_characteristics =
		    heif_transfer_characteristic_IEC_61966_2_1;
		nclx->matrix_coefficients =
		    heif_matrix_coefficients_ITU_R_BT_601_6;
		nclx->full_range_flag = 1;
		(void)heif_image_set_nclx_color_profile(*img, nclx);
		heif_nclx_color_profile_free(nclx);
	}
	return 0;
}

int
image_avif_available(void)
{
	return heif_have_encoder_for_format(heif_compression_AV1);
}

/*
 * Encodes the finished thumbnail as AVIF at quality (1-100, as JPEG's:
 * see image_avif_quality).  *out is the file, to free().  Returns 0, or -1
 * with err filled.
 */
int
image_avif_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err)
{
	struct heif_writer writer = { .writer_api_version = 1,
	    .write = image_avif_write };
	struct image_avif_out buf = { NULL, 0 };
	struct heif_context *ctx = NULL;
	struct heif_encoder *enc = NULL;
	struct heif_image *img = NULL;
	struct heif_error e;
	unsigned char *px = NULL;
	int alpha = image->matte, rv = -1;

	if (image_export_pixels(image, alpha, &px, err) != 0)
		goto out;
	if ((ctx = heif_context_alloc()) == NULL) {
		job_error_set(err, "image_failed", 0, "AVIF encoding failed: "
		    "out of memory");
		goto out;
	}
	if (image_avif_encoder(ctx, quality, &enc, err) != 0 ||
	    image_avif_image(px, image->columns, image->rows, alpha, &img,
	    err) != 0)
		goto out;
	if ((e = heif_context_encode_image(ctx, img, enc, NULL,
	    NULL)).code != heif_error_Ok) {
		image_avif_failed("encoding", e, err);
		goto out;
	}
	if ((e = heif_context_write(ctx, &writer, &buf)).code !=
	    heif_error_Ok || buf.len == 0) {
		image_avif_failed("writing", e, err);
		goto out;
	}
	*out = buf.data;
	*outlen = buf.len;
	buf.data = NULL;
	rv = 0;
out:
	free(buf.data);
	free(px);
	if (img != NULL)
		heif_image_release(img);
	if (enc != NULL)
		heif_encoder_release(enc);
	if (ctx != NULL)
		heif_context_free(ctx);
	return rv;
}

#else /* !HAVE_AVIF */

int
image_avif_available(void)
{
	return 0;
}

int
image_avif_encode(Image *image, unsigned quality, unsigned char **out,
    size_t *outlen, struct job_error *err)
{
	(void)image;
	(void)quality;
	(void)out;
	(void)outlen;
	job_error_set(err, "format_unavailable", 0, "format avif is not "
	    "available on this server (built without libheif)");
	return -1;
}

#endif /* HAVE_AVIF */
