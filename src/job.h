/* job.h: the job model, the POST body that creates one, and the JSON a
 * client sees.
 *
 * A job moves queued -> processing -> completed | failed.  Its record in Redis
 * is a hash whose fields are the members of struct job (doc/redis-layout.md;
 * store-parse.c reads and writes it); this file knows nothing of Redis. */
#ifndef THUMBQ_JOB_H
#define THUMBQ_JOB_H

#include <stddef.h>

#include "id.h"
#include "image-request.h"

/* In the order they are served, so that comparing two is comparing their
 * values.  A job that names none is normal: zero is not the default. */
enum job_priority {
	JOB_HIGH = 0,
	JOB_NORMAL,
	JOB_LOW,
};
#define JOB_NPRIORITIES 3

/* The most option sets one job may ask for (max_variants is at most this):
 * each is a file of the job, and its options text a part of one field. */
#define JOB_MAX_VARIANTS 16

/* One thumbnail of a job that asks for several (variants): the options it
 * was asked with and, once completed, its file and size. */
struct job_variant {
	struct image_request opts;
	char *path;		/* relative to the docroot, as struct job's */
	unsigned width;
	unsigned height;
};

/* The placeholder a client shows while the thumbnails load, when asked
 * (placeholder: true): a BlurHash and the dominant colour, "#rrggbb". */
#define JOB_BLURHASH_MAX 64

enum job_status {
	JOB_QUEUED = 0,
	JOB_PROCESSING,
	JOB_COMPLETED,
	JOB_FAILED,
};

struct job {
	char id[ID_LEN + 1];
	char *url;
	enum job_status status;
	struct image_request opts;	/* what the client asked for */
	/* variants: the thumbnails asked for, in the order asked; 0 for a
	 * job of one thumbnail (opts).  Variant 0's file is also path,
	 * width and height, the job's own. */
	struct job_variant variants[JOB_MAX_VARIANTS];
	size_t nvariants;
	int placeholder;	/* placeholder: true was asked */
	char *blurhash;		/* completed, when asked */
	char *color;		/* "#rrggbb", completed, when asked */
	enum job_priority priority;
	unsigned attempts;	/* claims so far */
	long long created_ms;	/* Unix time, milliseconds */
	long long updated_ms;
	/* completed: path relative to the docroot,
	 * thumbnails/ab/cd/{file}.jpg */
	char *path;
	unsigned width;
	unsigned height;
	/* worker side: bytes downloaded by this attempt */
	size_t fetched_bytes;
	/* worker side: the thumbnail's random file name, given at the first
	 * claim (see storage.h); "" before */
	char file[ID_LEN + 1];
	/* The job it was answered from or follows (dedupe), for operators
	 * (thumbqctl job); never in the API's JSON: a job id is the
	 * capability to read and DELETE that job, and is its client's
	 * alone. */
	char *source_job;
	/* the id of the API key that made it (its name, for a key made
	 * before keys had ids); NULL without auth */
	char *owner;
	char *callback_url;	/* webhook, POSTed the job JSON when it ends */
	char *callback_status;	/* pending, retrying, delivered, failed */
	unsigned callback_attempts;
	/* failed, or the last transient error while queued for a retry */
	char *error_code;
	char *error_message;
};

/* What a POST /v1/thumbnails body asks for. */
struct job_request {
	char *url;
	struct image_request opts;
	/* over opts; nvariants 0: one thumbnail of opts */
	struct image_request variants[JOB_MAX_VARIANTS];
	size_t nvariants;
	int placeholder;
	enum job_priority priority;
	char *callback_url;	/* NULL if none */
};

enum job_parse_result {
	JOB_PARSE_OK = 0,
	JOB_PARSE_MALFORMED,	/* not JSON: 400 */
	/* JSON, but not an object or a field is wrong: 422 */
	JOB_PARSE_INVALID,
};

struct job_parse_limits {
	size_t max_url_bytes;
	unsigned default_width;
	unsigned default_height;
	/* the largest width or height a client may ask for */
	unsigned max_size;
	enum job_priority default_priority;
	size_t max_batch;	/* URLs one batch may hold */
	/* option sets variants may hold, at most JOB_MAX_VARIANTS */
	size_t max_variants;
};

/* Parses a request body (not NUL-terminated; len bytes).  On success fills
 * req (free with job_request_free).  On failure sets *message for the
 * client, naming the field, e.g. "url is required" (a static string, or
 * one in msgbuf). */
#define JOB_MESSAGE_MAX 160
enum job_parse_result job_request_parse(const char *body, size_t len,
    const struct job_parse_limits *limits, struct job_request *req,
    const char **message, char msgbuf[JOB_MESSAGE_MAX]);

void job_request_free(struct job_request *req);

/* What a POST /v1/batches body asks for: many URLs, shared options. */
struct job_batch_request {
	char **urls;
	size_t nurls;
	struct image_request opts;
	struct image_request variants[JOB_MAX_VARIANTS];
	size_t nvariants;
	int placeholder;
	enum job_priority priority;
	char *callback_url;	/* NULL if none; each job's webhook */
};
enum job_parse_result job_batch_parse(const char *body, size_t len,
    const struct job_parse_limits *limits, struct job_batch_request *req,
    const char **message, char msgbuf[JOB_MESSAGE_MAX]);
void job_batch_request_free(struct job_batch_request *req);

const char *job_status_name(enum job_status status);
const char *job_priority_name(enum job_priority priority);
/* Returns 0 and sets *priority, or -1 if name is not a priority. */
int job_priority_parse(const char *name, enum job_priority *priority);
/* Returns 0 and sets *status, or -1 if name is not a status. */
int job_status_parse(const char *name, enum job_status *status);

/* The names of a mode and a format, as the API and the options text spell
 * them ("fit", "webp"); the first one for a value out of range.  The
 * parsers return 0, or -1 for a name that is none. */
const char *job_mode_name(enum image_mode mode);
const char *job_format_name(enum image_format format);
int job_mode_parse(const char *name, enum image_mode *mode);
int job_format_parse(const char *name, enum image_format *format);
/* The same for a gravity ("center", "northwest", "smart"). */
const char *job_gravity_name(enum image_gravity gravity);
int job_gravity_parse(const char *name, enum image_gravity *gravity);
/* 1 if this build can write format (AVIF and JPEG XL need their
 * libraries), else 0. */
int job_format_available(enum image_format format);
/* Resolves format "negotiate" from an HTTP Accept header (NULL: none):
 * avif if the client lists image/avif and this build writes it, else webp
 * if it lists image/webp, else auto; a q of 0 refuses a type, wildcards
 * choose nothing.  Any other format is left as it is.  (job-negotiate.c) */
void job_format_negotiate(const char *accept, enum image_format *format);
/* Eight hex digits (either case) as RGBA: 0, or -1. */
int job_rgba_parse(const char *hex, unsigned char rgba[4]);

/* The format name of a thumbnail file's extension ("jpg": "jpeg"), as
 * the job JSON shows a variant's format. */
const char *job_path_format(const char *path);

/* Renders the job as the client sees it (no source_job: see struct job).
 * base_url is prefixed to path to make resized_url absolute (no trailing
 * slash).  Returns a malloc'd string, or NULL if it would be longer than
 * JOB_JSON_MAX (only a record that thumbq did not write can be: its URLs
 * are at most 64 KiB each). */
#define JOB_JSON_MAX (1024 * 1024)
char *job_to_json(const struct job *job, const char *base_url);
void job_free(struct job *job);

#endif
