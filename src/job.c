/* job.c: the job model and the POST bodies that make jobs (see job.h); the
 * JSON a client sees is job-json.c's. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "job.h"
#include "urlpolicy.h"
#include "xmalloc.h"

/* Request bodies are a few hundred bytes; nesting beyond this is an attack on
 * the parser's stack, not a thumbnail request. */
#define JOB_JSON_MAX_DEPTH 8

static const char *const job_status_names[] = {
	[JOB_QUEUED] = "queued",
	[JOB_PROCESSING] = "processing",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
};
#define JOB_NSTATUSES (sizeof job_status_names / sizeof job_status_names[0])

const char *
job_status_name(enum job_status status)
{
	if ((size_t)status < JOB_NSTATUSES)
		return job_status_names[status];
	return "unknown";
}

int
job_status_parse(const char *name, enum job_status *status)
{
	for (size_t i = 0; i < JOB_NSTATUSES; i++) {
		if (strcmp(name, job_status_names[i]) == 0) {
			*status = (enum job_status)i;
			return 0;
		}
	}
	return -1;
}

static const char *const job_priority_names[JOB_NPRIORITIES] = {
	[JOB_HIGH] = "high", [JOB_NORMAL] = "normal", [JOB_LOW] = "low",
};

const char *
job_priority_name(enum job_priority priority)
{
	return job_priority_names[(size_t)priority < JOB_NPRIORITIES ?
	    priority : JOB_NORMAL];
}

static const char *const job_mode_names[] = {
	[IMAGE_FIT] = "fit", [IMAGE_FILL] = "fill", [IMAGE_PAD] = "pad",
};
static const char *const job_format_names[] = {
	[IMAGE_AUTO] = "auto", [IMAGE_JPEG] = "jpeg", [IMAGE_PNG] = "png",
	[IMAGE_WEBP] = "webp", [IMAGE_AVIF] = "avif", [IMAGE_JXL] = "jxl",
	[IMAGE_NEGOTIATE] = "negotiate",
};
static const char *const job_gravity_names[] = {
	[IMAGE_GRAVITY_CENTER] = "center", [IMAGE_GRAVITY_NORTH] = "north",
	[IMAGE_GRAVITY_SOUTH] = "south", [IMAGE_GRAVITY_EAST] = "east",
	[IMAGE_GRAVITY_WEST] = "west", [IMAGE_GRAVITY_NORTHEAST] = "northeast",
	[IMAGE_GRAVITY_NORTHWEST] = "northwest",
	[IMAGE_GRAVITY_SOUTHEAST] = "southeast",
	[IMAGE_GRAVITY_SOUTHWEST] = "southwest",
	[IMAGE_GRAVITY_FOCUS] = "focus", [IMAGE_GRAVITY_SMART] = "smart",
};
#define JOB_NMODES (sizeof job_mode_names / sizeof job_mode_names[0])
#define JOB_NFORMATS (sizeof job_format_names / sizeof job_format_names[0])
#define JOB_NGRAVITIES (sizeof job_gravity_names / sizeof job_gravity_names[0])

static int
job_name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int
job_mode_parse(const char *name, enum image_mode *mode)
{
	int i = job_name_index(job_mode_names, JOB_NMODES, name);

	if (i < 0)
		return -1;
	*mode = (enum image_mode)i;
	return 0;
}

int
job_format_parse(const char *name, enum image_format *format)
{
	int i = job_name_index(job_format_names, JOB_NFORMATS, name);

	if (i < 0)
		return -1;
	*format = (enum image_format)i;
	return 0;
}

int
job_gravity_parse(const char *name, enum image_gravity *gravity)
{
	int i = job_name_index(job_gravity_names, JOB_NGRAVITIES, name);

	if (i < 0)
		return -1;
	*gravity = (enum image_gravity)i;
	return 0;
}

const char *
job_gravity_name(enum image_gravity gravity)
{
	return job_gravity_names[(size_t)gravity < JOB_NGRAVITIES ?
	    gravity : 0];
}

const char *
job_mode_name(enum image_mode mode)
{
	return job_mode_names[(size_t)mode < JOB_NMODES ? mode : 0];
}

const char *
job_format_name(enum image_format format)
{
	return job_format_names[(size_t)format < JOB_NFORMATS ? format : 0];
}

const char *
job_path_format(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return "";
	return strcmp(dot + 1, "jpg") == 0 ? "jpeg" : dot + 1;
}

int
job_priority_parse(const char *name, enum job_priority *priority)
{
	int i = job_name_index(job_priority_names, JOB_NPRIORITIES, name);

	if (i < 0)
		return -1;
	*priority = (enum job_priority)i;
	return 0;
}

int
job_rgba_parse(const char *hex, unsigned char rgba[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = hex[i * 2 + j];

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		rgba[i] = (unsigned char)v;
	}
	return 0;
}

/* Reads an optional integer field in [lo, hi].  Returns 0 (absent or good),
 * or -1 with a message naming the field. */
static int
job_int_field(struct json_object *root, const char *name, unsigned lo,
    unsigned hi, unsigned *out, char *msgbuf)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(root, name, &v))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < lo || n > hi) {
		snprintf(msgbuf, JOB_MESSAGE_MAX,
		    "%s must be an integer from %u to %u", name, lo, hi);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

/* Reads an optional enumerated string field. */
static int
job_enum_field(struct json_object *root, const char *name,
    const char *const *names, size_t n, int *out, char *msgbuf)
{
	struct json_object *v;
	int i = -1;

	if (!json_object_object_get_ex(root, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		i = job_name_index(names, n, json_object_get_string(v));
	if (i < 0) {
		size_t len = (size_t)snprintf(msgbuf, JOB_MESSAGE_MAX,
		    "%s must be one of", name);

		for (size_t k = 0; k < n && len < JOB_MESSAGE_MAX; k++)
			len += (size_t)snprintf(msgbuf + len,
			    JOB_MESSAGE_MAX - len, "%s %s", k ? "," : "",
			    names[k]);
		return -1;
	}
	*out = i;
	return 0;
}

/* background: "#rrggbb", "#rrggbbaa" or "transparent". */
static int
job_background_field(struct json_object *root, struct image_request *o,
    char *msgbuf)
{
	struct json_object *v;
	const char *s;
	char hex[9];

	if (!json_object_object_get_ex(root, "background", &v))
		return 0;
	s = json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : "";
	if (strcmp(s, "transparent") == 0) {
		memset(o->background, 0, 4);
		o->has_background = 1;
		return 0;
	}
	if (s[0] == '#' && (strlen(s) == 7 || strlen(s) == 9)) {
		snprintf(hex, sizeof hex, "%sff", s + 1);
		if (strlen(s) == 9)
			memcpy(hex, s + 1, 8);
		hex[8] = '\0';
		if (job_rgba_parse(hex, o->background) == 0) {
			o->has_background = 1;
			return 0;
		}
	}
	snprintf(msgbuf, JOB_MESSAGE_MAX,
	    "background must be \"#rrggbb\", \"#rrggbbaa\" or \"transparent\"");
	return -1;
}

/* focus_x or focus_y: a number from 0 to 1, kept in ten-thousandths.
 * Returns 1 (present), 0 (absent), or -1 with a message. */
static int
job_focus_field(struct json_object *root, const char *name, unsigned *out,
    char *msgbuf)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(root, name, &v))
		return 0;
	d = json_object_get_double(v);
	if ((!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int)) || !(d >= 0 && d <= 1)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "%s must be a number from 0 "
		    "to 1", name);
		return -1;
	}
	*out = (unsigned)(d * IMAGE_FOCUS_ONE + 0.5);
	return 1;
}

/*
 * gravity, with focus_x and focus_y for "focus", over what o inherited
 * (a variant's from the body's).  Only fill crops: a gravity other than
 * center that obj names with another mode is refused rather than ignored,
 * since a client asking for north with fit would otherwise get a thumbnail
 * it did not expect and no word why; one that a variant only inherits
 * with a mode of its own is dropped, so that a fit variant of a smart-fill
 * job is a plain fit.  A focus point named or inherited is kept only with
 * focus, which needs both.  The mode is parsed first.
 */
static int
job_gravity_field(struct json_object *obj, struct image_request *o,
    char *msgbuf)
{
	int gravity = (int)o->gravity, named, inherited, fx, fy;

	inherited = o->gravity == IMAGE_GRAVITY_FOCUS;
	named = json_object_object_get_ex(obj, "gravity", NULL);
	if (job_enum_field(obj, "gravity", job_gravity_names, JOB_NGRAVITIES,
	    &gravity, msgbuf) == -1 ||
	    (fx = job_focus_field(obj, "focus_x", &o->focus_x,
	    msgbuf)) == -1 ||
	    (fy = job_focus_field(obj, "focus_y", &o->focus_y,
	    msgbuf)) == -1)
		return -1;
	if (gravity != IMAGE_GRAVITY_FOCUS && (fx || fy)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "%s is used only with "
		    "gravity focus", fx ? "focus_x" : "focus_y");
		return -1;
	}
	if (gravity == IMAGE_GRAVITY_FOCUS && !inherited && (!fx || !fy)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "gravity focus needs "
		    "focus_x and focus_y");
		return -1;
	}
	if (gravity != IMAGE_GRAVITY_CENTER && o->mode != IMAGE_FILL) {
		if (named || fx || fy) {
			snprintf(msgbuf, JOB_MESSAGE_MAX, "gravity applies to "
			    "mode fill only (mode is %s)",
			    job_mode_name(o->mode));
			return -1;
		}
		gravity = IMAGE_GRAVITY_CENTER;
	}
	o->gravity = (enum image_gravity)gravity;
	if (o->gravity != IMAGE_GRAVITY_FOCUS)
		o->focus_x = o->focus_y = 0;
	return 0;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF.  json-c's own check only counts continuation bytes, and every
 * string of a request ends up in a response, a log line or Redis. */
static int
job_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Parses body as one JSON object: JOB_PARSE_OK with *root (put it), or
 * MALFORMED (not JSON) / INVALID (JSON, not an object) with *message. */
static enum job_parse_result
job_parse_object(const char *body, size_t len, struct json_object **root,
    const char **message)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	enum job_parse_result rc = JOB_PARSE_MALFORMED;
	size_t end;

	*root = NULL;
	if (len == 0) {
		*message = "request body is empty: expected a JSON object";
		return JOB_PARSE_MALFORMED;
	}
	if (!job_utf8_valid((const unsigned char *)body, len)) {
		*message = "request body is not valid UTF-8";
		return JOB_PARSE_MALFORMED;
	}
	tok = json_tokener_new_ex(JOB_JSON_MAX_DEPTH);
	if (tok == NULL) {
		*message = "out of memory";
		return JOB_PARSE_MALFORMED;
	}
	/* Strict: no trailing commas, no single quotes; invalid UTF-8 is
	 * refused here so that nothing downstream has to think about it. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	*root = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* A number at the very end ("42") is not known to be complete until
	 * json-c sees what follows it: feed the terminating NUL it waits
	 * for. */
	if (*root == NULL && jerr == json_tokener_continue) {
		*root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	while (jerr == json_tokener_success && end < len &&
	    isspace((unsigned char)body[end]))
		end++;
	if (jerr != json_tokener_success || end != len) {
		*message = jerr == json_tokener_error_depth ?
		    "request body is nested too deeply" :
		    "request body is not valid JSON";
		goto out;
	}
	rc = JOB_PARSE_INVALID;
	/* root is NULL for the JSON text "null", which is valid JSON. */
	if (*root == NULL || !json_object_is_type(*root, json_type_object)) {
		*message = "request body must be a JSON object";
		goto out;
	}
	rc = JOB_PARSE_OK;
out:
	if (rc != JOB_PARSE_OK) {
		json_object_put(*root);
		*root = NULL;
	}
	json_tokener_free(tok);
	return rc;
}

/* Checks one URL value; name is how the message refers to it ("url",
 * "urls[3]").  Returns 0, or -1 with the message in msgbuf. */
static int
job_parse_url(struct json_object *url, const char *name, size_t max,
    char *msgbuf)
{
	const char *cause;

	if (!json_object_is_type(url, json_type_string)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "%s must be a string", name);
		return -1;
	}
	if ((size_t)json_object_get_string_len(url) !=
	    strlen(json_object_get_string(url))) {
		snprintf(msgbuf, JOB_MESSAGE_MAX,
		    "%s must not contain NUL characters", name);
		return -1;
	}
	if (urlpolicy_check_url(json_object_get_string(url), max,
	    &cause) == -1) {
		/* The url field's message is the policy's own words; a
		 * batch's names the URL it is about. */
		if (strcmp(name, "url") == 0)
			snprintf(msgbuf, JOB_MESSAGE_MAX, "%s", cause);
		else
			snprintf(msgbuf, JOB_MESSAGE_MAX, "%s: %s", name,
			    cause);
		return -1;
	}
	return 0;
}

/*
 * A format this build cannot write is refused before a job exists: AVIF
 * needs libheif, JPEG XL libjxl (configure.ac).  Whether libheif has an AV1
 * encoder plugin is only known where it runs: the worker fails such a job
 * as format_unavailable.
 */
int
job_format_available(enum image_format format)
{
#ifndef HAVE_AVIF
	if (format == IMAGE_AVIF)
		return 0;
#endif
#ifndef HAVE_JXL
	if (format == IMAGE_JXL)
		return 0;
#endif
	return (size_t)format < JOB_NFORMATS;
}

static int
job_format_field(struct json_object *root, int *format, char *msgbuf)
{
	if (job_enum_field(root, "format", job_format_names, JOB_NFORMATS,
	    format, msgbuf))
		return -1;
	if (!job_format_available((enum image_format)*format)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "format %s is not available "
		    "on this server",
		    job_format_name((enum image_format)*format));
		return -1;
	}
	return 0;
}

/* The options a request starts from: the configured box, everything else
 * zero (fit, auto, the configured quality, no background). */
static void
job_default_options(const struct job_parse_limits *limits,
    struct image_request *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->width = limits->default_width;
	opts->height = limits->default_height;
}

/* One option set (width, height, quality, mode, format, background,
 * gravity) from any JSON object: the body, or one of its variants.  What
 * obj does not name is taken from defaults, so that a variant inherits the
 * body's options.  A field added here is a field of every variant too.
 * Returns 0, or -1 with the message in msgbuf. */
static int
job_parse_options(struct json_object *obj,
    const struct job_parse_limits *limits,
    const struct image_request *defaults, struct image_request *opts,
    char *msgbuf)
{
	int mode, format;
	unsigned max = limits->max_size;

	*opts = *defaults;
	mode = (int)defaults->mode;
	format = (int)defaults->format;
	if (job_int_field(obj, "width", 1, max, &opts->width, msgbuf) ||
	    job_int_field(obj, "height", 1, max, &opts->height, msgbuf) ||
	    job_int_field(obj, "quality", 1, 100, &opts->quality, msgbuf) ||
	    job_enum_field(obj, "mode", job_mode_names, JOB_NMODES, &mode,
	    msgbuf) ||
	    job_format_field(obj, &format, msgbuf) ||
	    job_background_field(obj, opts, msgbuf))
		return -1;
	opts->mode = (enum image_mode)mode;
	opts->format = (enum image_format)format;
	return job_gravity_field(obj, opts, msgbuf);
}

/* What every request's body shares: the top-level option set over the
 * configured defaults, and the priority.  Returns 0, or -1 with the
 * message in msgbuf. */
static int
job_parse_common(struct json_object *root,
    const struct job_parse_limits *limits, struct image_request *opts,
    enum job_priority *priority, char *msgbuf)
{
	struct image_request defaults;
	int prio = limits->default_priority;

	job_default_options(limits, &defaults);
	if (job_parse_options(root, limits, &defaults, opts, msgbuf) == -1 ||
	    job_enum_field(root, "priority", job_priority_names,
	    JOB_NPRIORITIES, &prio, msgbuf))
		return -1;
	*priority = (enum job_priority)prio;
	return 0;
}

/*
 * variants: a list of 1 to max_variants option sets, each an object read
 * by job_parse_options() over the body's options, so that what a variant
 * does not name it inherits.  A message about one names it:
 * "variants[2]: width must be ...".
 */
static int
job_parse_variants(struct json_object *root,
    const struct job_parse_limits *limits, const struct image_request *opts,
    struct image_request *variants, size_t *nvariants, char *msgbuf)
{
	struct json_object *v;
	size_t n, max = limits->max_variants;
	char inner[JOB_MESSAGE_MAX];

	*nvariants = 0;
	if (!json_object_object_get_ex(root, "variants", &v))
		return 0;
	if (max > JOB_MAX_VARIANTS)
		max = JOB_MAX_VARIANTS;
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > max) {
		snprintf(msgbuf, JOB_MESSAGE_MAX, "variants must be an array "
		    "of 1 to %zu option objects", max);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(v, i);

		if (!json_object_is_type(o, json_type_object)) {
			snprintf(msgbuf, JOB_MESSAGE_MAX, "variants[%zu] must "
			    "be an object of options", i);
			return -1;
		}
		if (job_parse_options(o, limits, opts, &variants[i],
		    inner) == -1) {
			snprintf(msgbuf, JOB_MESSAGE_MAX,
			    "variants[%zu]: %.130s", i, inner);
			return -1;
		}
	}
	*nvariants = n;
	return 0;
}

/* placeholder: optional boolean. */
static int
job_parse_placeholder(struct json_object *root, int *out, char *msgbuf)
{
	struct json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(root, "placeholder", &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(msgbuf, JOB_MESSAGE_MAX,
		    "placeholder must be true or false");
		return -1;
	}
	*out = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/* callback_url: optional, checked like an image URL (the courier checks
 * every address it connects to, as the fetcher does). */
static int
job_parse_callback(struct json_object *root,
    const struct job_parse_limits *limits, char **out, char *msgbuf)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, "callback_url", &v))
		return 0;
	if (job_parse_url(v, "callback_url", limits->max_url_bytes,
	    msgbuf) == -1)
		return -1;
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

enum job_parse_result
job_request_parse(const char *body, size_t len,
    const struct job_parse_limits *limits, struct job_request *req,
    const char **message, char msgbuf[JOB_MESSAGE_MAX])
{
	struct json_object *root, *url;
	enum job_parse_result rc;

	memset(req, 0, sizeof *req);
	rc = job_parse_object(body, len, &root, message);
	if (rc != JOB_PARSE_OK)
		return rc;
	rc = JOB_PARSE_INVALID;
	*message = msgbuf;
	if (!json_object_object_get_ex(root, "url", &url)) {
		*message = "url is required";
		goto out;
	}
	if (job_parse_url(url, "url", limits->max_url_bytes, msgbuf) == -1 ||
	    job_parse_common(root, limits, &req->opts, &req->priority,
	    msgbuf) == -1 ||
	    job_parse_variants(root, limits, &req->opts, req->variants,
	    &req->nvariants, msgbuf) == -1 ||
	    job_parse_placeholder(root, &req->placeholder, msgbuf) == -1 ||
	    job_parse_callback(root, limits, &req->callback_url, msgbuf) == -1)
		goto out;
	req->url = xstrdup(json_object_get_string(url));
	rc = JOB_PARSE_OK;
out:
	json_object_put(root);
	return rc;
}

enum job_parse_result
job_batch_parse(const char *body, size_t len,
    const struct job_parse_limits *limits, struct job_batch_request *req,
    const char **message, char msgbuf[JOB_MESSAGE_MAX])
{
	struct json_object *root, *urls;
	enum job_parse_result rc;
	size_t n;

	memset(req, 0, sizeof *req);
	rc = job_parse_object(body, len, &root, message);
	if (rc != JOB_PARSE_OK)
		return rc;
	rc = JOB_PARSE_INVALID;
	*message = msgbuf;
	if (!json_object_object_get_ex(root, "urls", &urls) ||
	    !json_object_is_type(urls, json_type_array)) {
		*message = "urls is required: an array of image URLs";
		goto out;
	}
	n = json_object_array_length(urls);
	if (n == 0 || n > limits->max_batch) {
		snprintf(msgbuf, JOB_MESSAGE_MAX,
		    "urls must hold 1 to %zu URLs", limits->max_batch);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof name, "urls[%zu]", i);
		if (job_parse_url(json_object_array_get_idx(urls, i), name,
		    limits->max_url_bytes, msgbuf) == -1)
			goto out;
	}
	if (job_parse_common(root, limits, &req->opts, &req->priority,
	    msgbuf) == -1 ||
	    job_parse_variants(root, limits, &req->opts, req->variants,
	    &req->nvariants, msgbuf) == -1 ||
	    job_parse_placeholder(root, &req->placeholder, msgbuf) == -1 ||
	    job_parse_callback(root, limits, &req->callback_url, msgbuf) == -1)
		goto out;
	req->urls = xcalloc(n, sizeof *req->urls);
	for (size_t i = 0; i < n; i++)
		req->urls[i] = xstrdup(json_object_get_string(
		    json_object_array_get_idx(urls, i)));
	req->nurls = n;
	rc = JOB_PARSE_OK;
out:
	json_object_put(root);
	return rc;
}

void
job_batch_request_free(struct job_batch_request *req)
{
	for (size_t i = 0; i < req->nurls; i++)
		free(req->urls[i]);
	free(req->urls);
	free(req->callback_url);
	req->urls = NULL;
	req->callback_url = NULL;
	req->nurls = 0;
}

void
job_request_free(struct job_request *req)
{
	free(req->url);
	free(req->callback_url);
	req->url = req->callback_url = NULL;
}

void
job_free(struct job *job)
{
	free(job->url);
	free(job->path);
	free(job->error_code);
	free(job->error_message);
	free(job->source_job);
	free(job->callback_url);
	free(job->callback_status);
	free(job->owner);
	free(job->blurhash);
	free(job->color);
	for (size_t i = 0; i < JOB_MAX_VARIANTS; i++) {
		free(job->variants[i].path);
		job->variants[i].path = NULL;
	}
	job->blurhash = job->color = NULL;
	job->url = job->path = job->error_code = job->error_message = NULL;
	job->source_job = job->callback_url = job->callback_status = NULL;
	job->owner = NULL;
}
