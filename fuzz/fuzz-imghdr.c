/* fuzz-imghdr.c: format sniffing and header reading, imghdr_read(), on raw
 * bytes as they come from an origin server.
 *
 * The buffer is a copy of exactly the input's length, so AddressSanitizer
 * sees any read past it.  The result must be self-consistent: the format is
 * what imghdr_sniff() says; a header that reads gives non-zero dimensions
 * within what each format can express; a failed one gives none.  A JPEG is
 * walked to its end to count its scans: a read one is Huffman-coded with at
 * most IMGHDR_JPEG_MAX_SCANS of them, a refused one says why in a job error
 * that matches what was found. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imghdr.h"
#include "fuzz.h"

/* A JPEG's frame header can sit behind many kilobytes of EXIF and ICC
 * segments; 1 MiB covers every reader's walk without slowing the fuzzer. */
#define FUZZ_MAX_INPUT	(1024 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imghdr hdr;
	struct job_error err;
	unsigned char *buf;
	const char *name;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	buf = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(buf != NULL);
	if (size > 0)
		memcpy(buf, data, size);

	memset(&hdr, 0xa5, sizeof hdr);		/* imghdr_read must set everything */
	job_error_clear(&err);
	rc = imghdr_read(buf, size, &hdr);
	FUZZ_CHECK(hdr.format == imghdr_sniff(buf, size));
	name = imghdr_format_name(hdr.format);
	FUZZ_CHECK(name != NULL);
	if (hdr.format != IMGHDR_UNKNOWN)
		FUZZ_CHECK(imghdr_format_parse(name) == hdr.format);
	if (rc == 0) {
		FUZZ_CHECK(hdr.format != IMGHDR_UNKNOWN);
		FUZZ_CHECK(hdr.width > 0 && hdr.height > 0);
		FUZZ_CHECK(hdr.progressive == 0 || hdr.progressive == 1);
		FUZZ_CHECK(hdr.format == IMGHDR_JPEG || hdr.progressive == 0);
		switch (hdr.format) {
		case IMGHDR_JPEG:
		case IMGHDR_GIF:
			FUZZ_CHECK(hdr.width <= 0xffff && hdr.height <= 0xffff);
			break;
		case IMGHDR_PNG:
			FUZZ_CHECK(hdr.width <= 0x7fffffffU && hdr.height <= 0x7fffffffU);
			break;
		case IMGHDR_WEBP:
			FUZZ_CHECK(hdr.width <= 1U << 24 && hdr.height <= 1U << 24);
			break;
		default:
			break;
		}
		/* Read means accepted: a refused JPEG never reads. */
		FUZZ_CHECK(hdr.refused == IMGHDR_ACCEPTED);
		FUZZ_CHECK(imghdr_refusal(&hdr, &err) == 0 && err.code == NULL);
		if (hdr.format == IMGHDR_JPEG) {
			FUZZ_CHECK(hdr.jpeg_sof >= 0xc0 && hdr.jpeg_sof <= 0xc2);
			FUZZ_CHECK(hdr.progressive == (hdr.jpeg_sof == 0xc2));
			FUZZ_CHECK(hdr.jpeg_scans <= IMGHDR_JPEG_MAX_SCANS);
		}
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(hdr.width == 0 && hdr.height == 0 && hdr.progressive == 0);
		/* A refusal says why in a job error, and is only what it
		 * claims: a JPEG's refused process or one scan too many, or
		 * a PNG chunk past the end of the file. */
		switch (hdr.refused) {
		case IMGHDR_ACCEPTED:
			FUZZ_CHECK(imghdr_refusal(&hdr, &err) == 0);
			break;
		case IMGHDR_JPEG_PROCESS:
			FUZZ_CHECK(hdr.format == IMGHDR_JPEG);
			FUZZ_CHECK(hdr.jpeg_sof > 0xc2 && hdr.jpeg_sof <= 0xcf &&
			    hdr.jpeg_sof != 0xc4 && hdr.jpeg_sof != 0xc8 &&
			    hdr.jpeg_sof != 0xcc);
			FUZZ_CHECK(hdr.jpeg_scans == 0);
			FUZZ_CHECK(imghdr_refusal(&hdr, &err) == -1);
			FUZZ_CHECK(strcmp(err.code, "unsupported_format") == 0);
			break;
		case IMGHDR_JPEG_SCANS:
			FUZZ_CHECK(hdr.format == IMGHDR_JPEG);
			FUZZ_CHECK(hdr.jpeg_sof >= 0xc0 && hdr.jpeg_sof <= 0xc2);
			FUZZ_CHECK(hdr.jpeg_scans == IMGHDR_JPEG_MAX_SCANS + 1);
			FUZZ_CHECK(imghdr_refusal(&hdr, &err) == -1);
			FUZZ_CHECK(strcmp(err.code, "image_too_costly") == 0);
			break;
		case IMGHDR_PNG_CHUNK:
			FUZZ_CHECK(hdr.format == IMGHDR_PNG);
			FUZZ_CHECK(strlen(hdr.png_chunk) == 4);
			FUZZ_CHECK(imghdr_refusal(&hdr, &err) == -1);
			FUZZ_CHECK(strcmp(err.code, "image_corrupt") == 0);
			break;
		default:
			FUZZ_CHECK(!"unknown refusal");
		}
		if (err.code != NULL)
			FUZZ_CHECK(err.message[0] != '\0' &&
			    strlen(err.message) < sizeof err.message);
	}
	free(buf);
	return 0;
}
