/* imghdr-box.c: the dimensions of the formats that come in ISOBMFF boxes:
 * HEIF (HEIC, AVIF), whose primary item's size hides in its properties,
 * and JPEG XL, whose codestream (bare, or in jxlc/jxlp boxes) starts with a
 * bit-packed SizeHeader.  Split from imghdr.c, which sniffs every format and
 * reads the simpler headers; the same rules hold: every read is checked
 * against the length first, nothing allocates, every loop makes progress. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "imghdr.h"
#include "imghdr-internal.h"

/*
 * An ISOBMFF box (HEIF, and the JPEG XL container) at *off in [0, end):
 * 0 with its type, body and body length, 1 at the end, -1 if it is
 * truncated or malformed.  A size of 1 means a 64-bit size follows, 0 that
 * the box runs to the end.  Sizes are compared with what is left before
 * any addition.
 */
struct imghdr_box {
	const unsigned char	*type;
	const unsigned char	*body;
	size_t			 len;
};

static int
imghdr_box_next(const unsigned char *buf, size_t end, size_t *off,
    struct imghdr_box *box)
{
	uint64_t size;
	size_t head = 8, left;

	if (*off >= end)
		return 1;
	left = end - *off;
	if (left < 8)
		return -1;
	size = bytes_be32(buf + *off);
	if (size == 1) {
		if (left < 16)
			return -1;
		size = ((uint64_t)bytes_be32(buf + *off + 8) << 32) |
		    bytes_be32(buf + *off + 12);
		head = 16;
	} else if (size == 0)
		size = left;
	if (size < head || size > left)
		return -1;
	box->type = buf + *off + 4;
	box->body = buf + *off + head;
	box->len = (size_t)size - head;
	*off += (size_t)size;
	return 0;
}

/* The most property associations kept for the primary item: one ipma
 * entry holds at most 255. */
#define IMGHDR_HEIF_MAX_ASSOC	255

/*
 * The property indices (1-based, into ipco) that the ipma boxes of iprp
 * associate with item.  Returns the count, or -1 if an ipma is malformed.
 */
static int
imghdr_heif_assoc(const struct imghdr_box *iprp, uint32_t item,
    uint16_t *assoc)
{
	struct imghdr_box ipma;
	const unsigned char *p;
	size_t off = 0, left, i, k, idlen;
	uint32_t entries, id;
	unsigned version, flags, count;
	int n = 0, r;

	while ((r = imghdr_box_next(iprp->body, iprp->len, &off, &ipma)) ==
	    0) {
		if (memcmp(ipma.type, "ipma", 4) != 0)
			continue;
		if (ipma.len < 8)
			return -1;
		version = ipma.body[0];
		flags = ipma.body[3];
		entries = bytes_be32(ipma.body + 4);
		p = ipma.body + 8;
		left = ipma.len - 8;
		idlen = version < 1 ? 2 : 4;
		k = (flags & 1) ? 2 : 1;
		/* Each entry takes at least idlen + 1 bytes: the loop ends
		 * within the box whatever entries says. */
		for (; entries > 0; entries--) {
			if (left < idlen + 1)
				return -1;
			id = idlen == 2 ? bytes_be16(p) : bytes_be32(p);
			count = p[idlen];
			p += idlen + 1;
			left -= idlen + 1;
			if ((size_t)count * k > left)
				return -1;
			for (i = 0; i < count; i++, p += k) {
				if (id == item && n < IMGHDR_HEIF_MAX_ASSOC)
					assoc[n++] = (uint16_t)(k == 2 ?
					    bytes_be16(p) & 0x7fff :
					    p[0] & 0x7f);
			}
			left -= (size_t)count * k;
		}
	}
	return r < 0 ? -1 : n;
}

/*
 * HEIF (HEIC, AVIF): the primary item (pitm) of the top-level meta box, and
 * the ispe property (image spatial extents) that an ipma entry associates
 * with it from iprp/ipco.  That is the size libheif gives the image before
 * its clean-aperture crop and rotation, which only make it smaller or swap
 * the sides.  The meta box must be complete; a primary item without ispe,
 * or with two that disagree, is malformed.
 */
int
imghdr_heif(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	struct imghdr_box meta, child, pitm = { NULL, NULL, 0 };
	struct imghdr_box iprp = { NULL, NULL, 0 }, ipco = { NULL, NULL, 0 };
	struct imghdr_box prop;
	uint16_t assoc[IMGHDR_HEIF_MAX_ASSOC];
	size_t off = 0;
	uint32_t primary, w = 0, h = 0, pw, ph;
	unsigned k;
	int i, nassoc, r, seen = 0;

	while ((r = imghdr_box_next(buf, len, &off, &meta)) == 0) {
		if (memcmp(meta.type, "meta", 4) == 0)
			break;
	}
	if (r != 0 || meta.len < 4)
		return -1;
	/* meta is a full box: version and flags first. */
	off = 4;
	while ((r = imghdr_box_next(meta.body, meta.len, &off, &child)) == 0) {
		if (memcmp(child.type, "pitm", 4) == 0) {
			if (pitm.type != NULL)
				return -1;
			pitm = child;
		} else if (memcmp(child.type, "iprp", 4) == 0) {
			if (iprp.type != NULL)
				return -1;
			iprp = child;
		}
	}
	if (r < 0 || pitm.type == NULL || iprp.type == NULL)
		return -1;
	if (pitm.len < 4 || pitm.len < (pitm.body[0] == 0 ? 6U : 8U))
		return -1;
	primary = pitm.body[0] == 0 ? bytes_be16(pitm.body + 4) :
	    bytes_be32(pitm.body + 4);

	off = 0;
	while ((r = imghdr_box_next(iprp.body, iprp.len, &off, &child)) == 0) {
		if (memcmp(child.type, "ipco", 4) == 0 && ipco.type == NULL)
			ipco = child;
	}
	if (r < 0 || ipco.type == NULL)
		return -1;
	if ((nassoc = imghdr_heif_assoc(&iprp, primary, assoc)) <= 0)
		return -1;

	off = 0;
	for (k = 1; (r = imghdr_box_next(ipco.body, ipco.len, &off, &prop)) ==
	    0; k++) {
		if (memcmp(prop.type, "ispe", 4) != 0)
			continue;
		for (i = 0; i < nassoc; i++)
			if (assoc[i] == k)
				break;
		if (i == nassoc)
			continue;
		if (prop.len < 12)
			return -1;
		pw = bytes_be32(prop.body + 4);
		ph = bytes_be32(prop.body + 8);
		if (seen && (pw != w || ph != h))
			return -1;
		w = pw;
		h = ph;
		seen = 1;
	}
	if (r < 0 || !seen)
		return -1;
	hdr->width = w;
	hdr->height = h;
	return 0;
}

/* LSB-first bits, as JPEG XL stores them. */
struct imghdr_bits {
	const unsigned char	*p;
	size_t			 len;	/* bytes */
	size_t			 pos;	/* bits read */
	int			 short_read;
};

static uint32_t
imghdr_bits_get(struct imghdr_bits *b, unsigned n)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++, b->pos++) {
		if (b->pos / 8 >= b->len) {
			b->short_read = 1;
			return 0;
		}
		v |= (uint32_t)((b->p[b->pos / 8] >> (b->pos % 8)) & 1) << i;
	}
	return v;
}

/* U32(1 + u(9), 1 + u(13), 1 + u(18), 1 + u(30)): a size in SizeHeader. */
static uint32_t
imghdr_jxl_size(struct imghdr_bits *b)
{
	static const unsigned bits[4] = { 9, 13, 18, 30 };

	return imghdr_bits_get(b, bits[imghdr_bits_get(b, 2)]) + 1;
}

/*
 * A JPEG XL codestream: FF 0A, then the SizeHeader.  Small images give
 * their sides in multiples of 8; otherwise a height, and a width either
 * given or as a fixed ratio of the height.  At most 2^30 a side, and twice
 * that for a 2:1 width: no overflow in 64 bits, and it fits an unsigned.
 */
static int
imghdr_jxl_codestream(const unsigned char *p, size_t len, struct imghdr *hdr)
{
	static const unsigned ratio[8][2] = { { 0, 0 }, { 1, 1 }, { 12, 10 },
	    { 4, 3 }, { 3, 2 }, { 16, 9 }, { 5, 4 }, { 2, 1 } };
	struct imghdr_bits b = { p + 2, 0, 0, 0 };
	uint64_t w, h;
	unsigned r;
	int small;

	if (len < 2 || p[0] != 0xff || p[1] != 0x0a)
		return -1;
	b.len = len - 2;
	small = (int)imghdr_bits_get(&b, 1);
	if (small)
		h = ((uint64_t)imghdr_bits_get(&b, 5) + 1) * 8;
	else
		h = imghdr_jxl_size(&b);
	r = imghdr_bits_get(&b, 3);
	if (r != 0)
		w = h * ratio[r][0] / ratio[r][1];
	else if (small)
		w = ((uint64_t)imghdr_bits_get(&b, 5) + 1) * 8;
	else
		w = imghdr_jxl_size(&b);
	if (b.short_read || w > 0xffffffffU || h > 0xffffffffU)
		return -1;
	hdr->width = (unsigned)w;
	hdr->height = (unsigned)h;
	return 0;
}

/* Enough codestream bytes for any SizeHeader (2 + 68 bits). */
#define IMGHDR_JXL_HEAD	16

/*
 * JPEG XL: a bare codestream, or the container, whose codestream is in one
 * jxlc box or split over jxlp boxes (each with a 4-byte part index first).
 * The first bytes of the codestream are gathered from them.  A codestream
 * box cut short by a truncated file still gives its first bytes; any other
 * box must be whole to be skipped.
 */
int
imghdr_jxl(const unsigned char *buf, size_t len, struct imghdr *hdr)
{
	unsigned char head[IMGHDR_JXL_HEAD];
	const unsigned char *body;
	size_t off = sizeof imghdr_jxl_container, n = 0, bodylen;
	size_t left, take;
	uint64_t size;
	unsigned boxhead;
	int jxlp;

	if (buf[0] == 0xff)
		return imghdr_jxl_codestream(buf, len, hdr);
	while (n < sizeof head && off < len) {
		left = len - off;
		if (left < 8)
			break;
		size = bytes_be32(buf + off);
		boxhead = 8;
		if (size == 1) {
			if (left < 16)
				break;
			size = ((uint64_t)bytes_be32(buf + off + 8) << 32) |
			    bytes_be32(buf + off + 12);
			boxhead = 16;
		} else if (size == 0)
			size = left;
		if (size < boxhead)
			return -1;
		jxlp = memcmp(buf + off + 4, "jxlp", 4) == 0;
		if (jxlp || memcmp(buf + off + 4, "jxlc", 4) == 0) {
			body = buf + off + boxhead;
			bodylen = (size > left ? left : (size_t)size) - boxhead;
			if (jxlp) {
				if (bodylen < 4)
					break;
				body += 4;
				bodylen -= 4;
			}
			take = sizeof head - n;
			if (take > bodylen)
				take = bodylen;
			memcpy(head + n, body, take);
			n += take;
			if (!jxlp)
				break;
		}
		if (size > left)
			break;
		off += (size_t)size;
	}
	return imghdr_jxl_codestream(head, n, hdr);
}
