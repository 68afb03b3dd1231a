/* fuzz-image.c: the decode path, image_thumbnail(), on raw bytes.
 *
 * GraphicsMagick is set up once as a thumbqd child has it (image_init() with
 * the default formats, then image_child_init()'s resource limits), with a
 * smaller max_pixels so that one input costs at most a fraction of a second
 * under AddressSanitizer.  GraphicsMagick itself is not instrumented: what
 * this finds is thumbq's own handling (imghdr before the decoder, the forced
 * coder, hints, resize, orientation, encoding) and decoder crashes on
 * inputs that pass thumbq's header checks.
 *
 * Input: 4 bytes of options (box width and height 1-128, mode, format,
 * quality, background; the top bits of the first two choose a gravity:
 * center, smart, focus at a point of the fourth byte, southwest), then the
 * image bytes as an origin sent them.
 * Every input must end in a thumbnail no larger than the box, encoded as
 * its extension says, or in one of the documented error codes with a
 * message that is UTF-8 (it goes into the job JSON as it is). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "image.h"
#include "joberror.h"
#include "fuzz.h"

#define FUZZ_MAX_INPUT		(256 * 1024)
#define FUZZ_OPTS		4
#define FUZZ_MAX_PIXELS		4000000UL
#define FUZZ_MAX_DIMENSION	8192

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct thumbq_conf conf;
	char *cause = NULL;

	(void)argc;
	conf_defaults(&conf);
	conf.max_pixels = FUZZ_MAX_PIXELS;
	conf.max_dimension = FUZZ_MAX_DIMENSION;
	if (image_init((*argv)[0], &conf, &cause) != 0) {
		fprintf(stderr, "fuzz-image: image_init: %s\n", cause);
		exit(1);
	}
	image_child_init(&conf);
	conf_free(&conf);
	return 0;
}

/* Checks what the encoded bytes start with against the extension. */
static void
fuzz_check_encoded(const struct image_result *res)
{
	FUZZ_CHECK(res->data != NULL && res->len > 0 && res->ext != NULL);
	if (strcmp(res->ext, "jpg") == 0)
		FUZZ_CHECK(res->len >= 3 && memcmp(res->data, "\xff\xd8\xff", 3) == 0);
	else if (strcmp(res->ext, "png") == 0)
		FUZZ_CHECK(res->len >= 8 && memcmp(res->data, "\x89PNG\r\n\x1a\n", 8) == 0);
	else if (strcmp(res->ext, "webp") == 0)
		FUZZ_CHECK(res->len >= 12 && memcmp(res->data, "RIFF", 4) == 0 &&
		    memcmp(res->data + 8, "WEBP", 4) == 0);
	else if (strcmp(res->ext, "avif") == 0)
		FUZZ_CHECK(res->len >= 12 && memcmp(res->data + 4, "ftypavif", 8) == 0);
	else if (strcmp(res->ext, "jxl") == 0)
		FUZZ_CHECK(res->len >= 2 && memcmp(res->data, "\xff\x0a", 2) == 0);
	else
		FUZZ_CHECK(!"unknown extension");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codes[] = {
		"unsupported_format", "image_too_large", "image_too_costly",
		"image_corrupt", "image_failed",
	};
	static const enum image_gravity gravities[] = {
		IMAGE_GRAVITY_CENTER, IMAGE_GRAVITY_SMART, IMAGE_GRAVITY_FOCUS,
		IMAGE_GRAVITY_SOUTHWEST,
	};
	struct image_request req;
	struct image_result res;
	struct job_error err;
	unsigned char *buf;
	int known = 0;

	if (size < FUZZ_OPTS || size > FUZZ_MAX_INPUT)
		return 0;
	memset(&req, 0, sizeof req);
	req.width = 1 + data[0] % 128;
	req.height = 1 + data[1] % 128;
	req.mode = (enum image_mode)(data[2] % 3);
	req.format = (enum image_format)(data[2] / 3 % 4);
	req.has_background = (data[2] & 0x80) != 0;
	memset(req.background, data[3], sizeof req.background);
	req.quality = data[3] % 101;
	req.gravity = gravities[data[0] >> 7 | (data[1] >> 7) << 1];
	if (req.gravity == IMAGE_GRAVITY_FOCUS) {
		req.focus_x = (data[3] & 0xf) * IMAGE_FOCUS_ONE / 15;
		req.focus_y = (data[3] >> 4) * IMAGE_FOCUS_ONE / 15;
	}
	data += FUZZ_OPTS;
	size -= FUZZ_OPTS;

	buf = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(buf != NULL);
	if (size > 0)
		memcpy(buf, data, size);

	if (image_thumbnail(buf, size, &req, &res, &err) == 0) {
		fuzz_check_encoded(&res);
		FUZZ_CHECK(res.width >= 1 && res.width <= req.width);
		FUZZ_CHECK(res.height >= 1 && res.height <= req.height);
		free(res.data);
	} else {
		FUZZ_CHECK(err.code != NULL);
		for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
			if (strcmp(err.code, codes[i]) == 0)
				known = 1;
		if (!known) {
			fprintf(stderr, "undocumented error code %s\n", err.code);
			abort();
		}
		FUZZ_CHECK(err.message[0] != '\0');
		FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
		if (!fuzz_utf8_valid((const unsigned char *)err.message, strlen(err.message))) {
			fprintf(stderr, "error.message is not UTF-8: %s\n", err.message);
			abort();
		}
	}
	free(buf);
	return 0;
}
