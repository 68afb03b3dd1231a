/* image-error.c: what a GraphicsMagick exception means for the job.
 *
 * A decoder or a later step that returns no image leaves its reason in an
 * ExceptionInfo; this turns it into the job's error code, with a message
 * clean enough for JSON and one-line logs, and says whether a retry could
 * help. */
#include "config.h"

#include <string.h>

#include "image-internal.h"

/*
 * GraphicsMagick's reasons can quote the input (a chunk name, a file name);
 * the message goes into JSON and into one-line logs, so keep printable ASCII.
 */
const char *
image_error_clean(const char *s, char *buf, size_t size)
{
	size_t i;

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
void
image_error_decode(const struct imghdr *hdr, const ExceptionInfo *ex,
    struct job_error *err)
{
	const char *name = imghdr_format_name(hdr->format);
	char rbuf[160], dbuf[160];
	const char *reason, *desc, *sep;

	reason = image_error_clean(ex->reason ? ex->reason : "no reason given",
	    rbuf, sizeof rbuf);
	desc = image_error_clean(ex->description, dbuf, sizeof dbuf);
	sep = *desc != '\0' ? ": " : "";

	/* GraphicsMagick's words when the coder knows the file but not this
	 * kind of it (an animated JPEG XL, a HEIF feature libheif lacks). */
	if (ex->severity == CoderError && ex->reason != NULL &&
	    strcmp(ex->reason, "Image type not supported") == 0) {
		job_error_set(err, "unsupported_format", 0,
		    "%s image of a kind this server cannot decode: %s%s%s",
		    name, reason, sep, desc);
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
		job_error_set(err, "image_corrupt", 0,
		    "corrupt %s image: %s%s%s", name, reason, sep, desc);
		break;
	case FileOpenError:
	case CacheError:
	case TemporaryFileError:
		/* This server's trouble (temporary files, the pixel cache),
		 * whose words may name its files: the log has them. */
		job_error_set(err, "image_failed", 1, "decoding the %s image "
		    "failed on this server", name);
		job_error_detail(err, "severity %d: %s%s%s", (int)ex->severity,
		    reason, sep, desc);
		break;
	default:
		job_error_set(err, "image_failed", 0, "decoding the %s image "
		    "failed", name);
		job_error_detail(err, "severity %d: %s%s%s", (int)ex->severity,
		    reason, sep, desc);
		break;
	}
}

/* For the steps after decoding, where a NULL result is our failure. */
void
image_error_step(const char *step, const ExceptionInfo *ex,
    struct job_error *err)
{
	char rbuf[160], dbuf[160];
	const char *reason, *desc;

	reason = image_error_clean(ex->reason ? ex->reason : "no reason given",
	    rbuf, sizeof rbuf);
	desc = image_error_clean(ex->description, dbuf, sizeof dbuf);
	job_error_set(err, "image_failed", 0, "%s failed on this server", step);
	job_error_detail(err, "severity %d: %s%s%s", (int)ex->severity, reason,
	    *desc != '\0' ? ": " : "", desc);
}
