/* imghdr-internal.h: what imghdr.c and imghdr-box.c share, and nothing
 * else sees. */
#ifndef THUMBQ_IMGHDR_INTERNAL_H
#define THUMBQ_IMGHDR_INTERNAL_H

#include <stddef.h>

#include "imghdr.h"

/* The JPEG XL container's signature box, by which imghdr_sniff knows it. */
#define IMGHDR_JXL_CONTAINER_LEN 12
extern const unsigned char imghdr_jxl_container[IMGHDR_JXL_CONTAINER_LEN];

/* Each returns 0 with hdr's width and height set, or -1 if the header is
 * truncated or malformed (imghdr-box.c). */
int imghdr_heif(const unsigned char *buf, size_t len, struct imghdr *hdr);
int imghdr_jxl(const unsigned char *buf, size_t len, struct imghdr *hdr);

#endif
