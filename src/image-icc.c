/* image-icc.c: embedded ICC profiles, and the conversion to sRGB.
 *
 * Thumbnails are written untagged, so their pixels must be sRGB.  The
 * profile most photographs carry is sRGB in all but its bytes and is taken
 * as it is; others go through lcms by GraphicsMagick's ProfileImage(), but
 * only those lcms will open (see image_icc_opens).  A profile is parsed
 * as the file carried it: every offset and length is checked against its
 * size before it is used. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "image-internal.h"
#include "log.h"

/* The sRGB profile from colord (CC0), embedded at build time from
 * src/icc/sRGB.icc by src/icc/embed.sh: see src/icc/README. */
#include "srgb-icc.h"

/* An ICC s15Fixed16Number. */
static double
image_icc_s15f16(const unsigned char *p)
{
	return (double)(int32_t)bytes_be32(p) / 65536.0;
}

/*
 * The data of tag sig in an ICC profile: 0 with *data and *len, 1 if the
 * profile has no such tag, -1 if its tag table points outside it.
 */
static int
image_icc_tag(const unsigned char *icc, size_t n, const char *sig,
    const unsigned char **data, size_t *len)
{
	const unsigned char *t;
	uint32_t count, i, off, size;

	if (n < 132)
		return -1;
	count = bytes_be32(icc + 128);
	if (count > (n - 132) / 12)
		return -1;
	for (i = 0; i < count; i++) {
		t = icc + 132 + (size_t)i * 12;
		off = bytes_be32(t + 4);
		size = bytes_be32(t + 8);
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
	double pos, frac, y, d;
	uint32_t count, i, k;

	if (len >= 12 + 5 * 4 && memcmp(p, "para", 4) == 0) {
		k = (uint32_t)p[8] << 8 | p[9];
		if (k != 3 && !(k == 4 && len >= 12 + 7 * 4 &&
		    bytes_be32(p + 12 + 5 * 4) == 0 &&
		    bytes_be32(p + 12 + 6 * 4) == 0))
			return 0;
		for (i = 0; i < 5; i++) {
			d = image_icc_s15f16(p + 12 + i * 4) - para[i];
			if (d > 0.002 || d < -0.002)
				return 0;
		}
		return 1;
	}
	if (len < 12 || memcmp(p, "curv", 4) != 0)
		return 0;
	count = bytes_be32(p + 8);
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
	const unsigned char *t, *u;
	uint32_t count, size, i, j, off, len, off2, len2;
	unsigned major, minor;
	int known = 0;

	if (n < 132 || memcmp(icc + 36, "acsp", 4) != 0)
		return 0;
	major = icc[8] > 9 ? 9 : icc[8];
	minor = ((icc[9] & 0xf0) > 0x90 ? 0x90 : (icc[9] & 0xf0)) |
	    ((icc[9] & 0x0f) > 0x09 ? 0x09 : (icc[9] & 0x0f));
	if (major > 5 || (major == 5 && minor > 0))
		return 0;
	if (bytes_be32(icc + 12) == 0)
		known = 1;
	for (i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (memcmp(icc + 12, classes[i], 4) == 0)
			known = 1;
	if (!known)
		return 0;
	size = bytes_be32(icc);
	if (size > n)
		size = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
	count = bytes_be32(icc + 128);
	if (count > 100 || (size_t)count * 12 > n - 132)
		return 0;
	for (i = 0; i < count; i++) {
		t = icc + 132 + (size_t)i * 12;
		off = bytes_be32(t + 4);
		len = bytes_be32(t + 8);
		if (off == 0 || len == 0 || off + len > size || off + len < off)
			continue;
		for (j = 0; j < i; j++) {
			u = icc + 132 + (size_t)j * 12;
			off2 = bytes_be32(u + 4);
			len2 = bytes_be32(u + 8);
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
		const char *sig;
		double xyz[3];
	} colorants[] = {
		{ "rXYZ", { 0.4361, 0.2225, 0.0139 } },
		{ "gXYZ", { 0.3851, 0.7169, 0.0971 } },
		{ "bXYZ", { 0.1431, 0.0606, 0.7141 } },
	};
	static const char *const trcs[] = { "rTRC", "gTRC", "bTRC" };
	const unsigned char *p;
	size_t len, i, k;
	double d;

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
			d = image_icc_s15f16(p + 8 + k * 4) -
			    colorants[i].xyz[k];
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
 * CMYK without a usable profile is converted arithmetically.
 * This runs after the resize: on the thumbnail's pixels, not the source's.
 */
void
image_icc_to_srgb(Image *image, const struct imghdr *hdr)
{
	const unsigned char *icc;
	size_t icclen = 0;
	char rbuf[160], dbuf[160];

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
			    "reason=\"%s: %s\"",
			    imghdr_format_name(hdr->format), icclen,
			    image_error_clean(image->exception.reason, rbuf,
			    sizeof rbuf),
			    image_error_clean(image->exception.description,
			    dbuf, sizeof dbuf));
			DestroyExceptionInfo(&image->exception);
			GetExceptionInfo(&image->exception);
		}
	}
	if (!IsRGBCompatibleColorspace(image->colorspace))
		TransformColorspace(image, RGBColorspace);
}
