/* job-json.c: the job JSON a client sees (see job.h).
 *
 * Written by hand rather than built as a json-c tree: it is the answer to
 * every API request, and a tree of a dozen objects cost more mallocs than
 * the rest of a request.  The text is byte for byte what json-c made
 * (JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE), so clients
 * see no difference: "{ ", ", " between members, "\": " after names, " }"
 * at the end (tests/unit/test-job.c holds it byte for byte).
 *
 * It goes into a capped buffer (buf.h): a record read from Redis is
 * untrusted, and one whose JSON would pass JOB_JSON_MAX is refused whole
 * rather than sent in part. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "job.h"

/* The characters of a JSON string as json-c escapes them: the
 * two-character escapes for \b \n \r \t \f " and \\, \u00xx for the other
 * control characters, every other byte as it is ('/' too:
 * NOSLASHESCAPE).  Request strings are valid UTF-8 (job.c checks), so the
 * result is valid JSON. */
static void
job_json_chars(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '\b': esc[1] = 'b'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\f': esc[1] = 'f'; break;
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_add(b, esc, n);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

/* A member's name: ", " before every one but the first of its object. */
static void
job_json_name(struct buf *b, int *first, const char *name)
{
	if (*first)
		*first = 0;
	else
		buf_lit(b, ",");
	buf_lit(b, " \"");
	buf_adds(b, name);
	buf_lit(b, "\": ");
}

static void
job_json_str(struct buf *b, int *first, const char *name, const char *value)
{
	job_json_name(b, first, name);
	buf_lit(b, "\"");
	job_json_chars(b, value);
	buf_lit(b, "\"");
}

/* json_object_new_int() takes an int: the same cast, the same digits. */
static void
job_json_int(struct buf *b, int *first, const char *name, int value)
{
	job_json_name(b, first, name);
	if (value < 0) {
		buf_lit(b, "-");
		buf_addu(b, 0u - (unsigned)value);
	} else {
		buf_addu(b, (unsigned)value);
	}
}

/* A focus coordinate, kept in ten-thousandths, as the shortest decimal
 * that says it: 0, 0.25, 0.3333, 1. */
static void
job_json_focus(struct buf *b, int *first, const char *name, unsigned v)
{
	char frac[8];
	int n;

	job_json_name(b, first, name);
	if (v >= IMAGE_FOCUS_ONE) {
		buf_lit(b, "1");
		return;
	}
	buf_lit(b, "0");
	if (v == 0)
		return;
	n = snprintf(frac, sizeof frac, ".%04u", v);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	buf_adds(b, frac);
}

/* ISO 8601 UTC with milliseconds, so that times sort as text too. */
static void
job_json_time(struct buf *b, int *first, const char *name, long long ms)
{
	char text[40];
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	int n;

	memset(&tm, 0, sizeof tm);
	gmtime_r(&secs, &tm);
	if (tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900) {
		/* What strftime("%Y-%m-%dT%H:%M:%S") and ".%03dZ" write,
		 * without their cost. */
		unsigned v[7] = { (unsigned)tm.tm_year + 1900,
		    (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
		    (unsigned)tm.tm_hour, (unsigned)tm.tm_min,
		    (unsigned)tm.tm_sec, (unsigned)(ms % 1000) };
		static const char sep[] = "--T::.Z";
		char *p = text;

		for (int i = 0; i < 7; i++) {
			int digits = i == 0 ? 4 : i == 6 ? 3 : 2;

			for (int d = digits - 1; d >= 0; d--) {
				p[d] = (char)('0' + v[i] % 10);
				v[i] /= 10;
			}
			p += digits;
			*p++ = sep[i];
		}
		*p = '\0';
	} else {
		strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
		n = (int)strlen(text);
		snprintf(text + n, sizeof text - (size_t)n, ".%03dZ",
		    (int)(ms % 1000));
	}
	job_json_str(b, first, name, text);
}

/* "options": what the client asked for. */
static void
job_json_options(struct buf *b, int *first, const struct image_request *o)
{
	int ofirst = 1;

	job_json_name(b, first, "options");
	buf_lit(b, "{");
	job_json_int(b, &ofirst, "width", (int)o->width);
	job_json_int(b, &ofirst, "height", (int)o->height);
	job_json_str(b, &ofirst, "mode", job_mode_name(o->mode));
	job_json_str(b, &ofirst, "format", job_format_name(o->format));
	if (o->quality != 0)
		job_json_int(b, &ofirst, "quality", (int)o->quality);
	if (o->has_background) {
		char bg[10];

		snprintf(bg, sizeof bg, "#%02x%02x%02x%02x", o->background[0],
		    o->background[1], o->background[2], o->background[3]);
		job_json_str(b, &ofirst, "background", bg);
	}
	/* Shown when asked for: the default keeps older jobs' JSON as it
	 * was. */
	if (o->gravity != IMAGE_GRAVITY_CENTER)
		job_json_str(b, &ofirst, "gravity",
		    job_gravity_name(o->gravity));
	if (o->gravity == IMAGE_GRAVITY_FOCUS) {
		job_json_focus(b, &ofirst, "focus_x", o->focus_x);
		job_json_focus(b, &ofirst, "focus_y", o->focus_y);
	}
	buf_lit(b, " }");
}

/* "resized_url": base_url, '/', path. */
static void
job_json_url(struct buf *b, int *first, const char *base_url,
    const char *path)
{
	job_json_name(b, first, "resized_url");
	buf_lit(b, "\"");
	job_json_chars(b, base_url);
	buf_lit(b, "/");
	job_json_chars(b, path);
	buf_lit(b, "\"");
}

/* "variants": each one's options and, once the job is completed, its
 * file, size and format, in the order asked. */
static void
job_json_variants(struct buf *b, int *first, const struct job *job,
    const char *base_url)
{
	job_json_name(b, first, "variants");
	buf_lit(b, "[");
	for (size_t i = 0; i < job->nvariants && i < JOB_MAX_VARIANTS; i++) {
		const struct job_variant *v = &job->variants[i];
		int vfirst = 1;

		if (i > 0)
			buf_lit(b, ",");
		buf_lit(b, " {");
		job_json_options(b, &vfirst, &v->opts);
		if (job->status == JOB_COMPLETED && v->path != NULL) {
			job_json_url(b, &vfirst, base_url, v->path);
			job_json_int(b, &vfirst, "width", (int)v->width);
			job_json_int(b, &vfirst, "height", (int)v->height);
			job_json_str(b, &vfirst, "format",
			    job_path_format(v->path));
		}
		buf_lit(b, " }");
	}
	buf_lit(b, " ]");
}

/* "placeholder": what to show while the thumbnails load. */
static void
job_json_placeholder(struct buf *b, int *first, const struct job *job)
{
	int pfirst = 1;

	job_json_name(b, first, "placeholder");
	buf_lit(b, "{");
	job_json_str(b, &pfirst, "blurhash", job->blurhash);
	job_json_str(b, &pfirst, "color", job->color);
	buf_lit(b, " }");
}

/* "callback_url" and "callback": the webhook and how its delivery goes. */
static void
job_json_callback(struct buf *b, int *first, const struct job *job)
{
	int cfirst = 1;

	job_json_str(b, first, "callback_url", job->callback_url);
	job_json_name(b, first, "callback");
	buf_lit(b, "{");
	job_json_str(b, &cfirst, "status",
	    job->callback_status ? job->callback_status : "waiting");
	job_json_int(b, &cfirst, "attempts", (int)job->callback_attempts);
	buf_lit(b, " }");
}

/* "resized_url" (base_url, '/', path), "width" and "height". */
static void
job_json_result(struct buf *b, int *first, const struct job *job,
    const char *base_url)
{
	job_json_url(b, first, base_url, job->path);
	job_json_int(b, first, "width", (int)job->width);
	job_json_int(b, first, "height", (int)job->height);
}

char *
job_to_json(const struct job *job, const char *base_url)
{
	struct buf b;
	int first = 1;

	buf_init(&b, JOB_JSON_MAX);
	buf_lit(&b, "{");
	job_json_str(&b, &first, "id", job->id);
	job_json_str(&b, &first, "url", job->url ? job->url : "");
	job_json_str(&b, &first, "status", job_status_name(job->status));
	job_json_int(&b, &first, "attempts", (int)job->attempts);
	job_json_options(&b, &first, &job->opts);
	if (job->created_ms > 0) {
		job_json_time(&b, &first, "created_at", job->created_ms);
		job_json_time(&b, &first, "updated_at", job->updated_ms);
	}
	job_json_str(&b, &first, "priority", job_priority_name(job->priority));
	if (job->callback_url != NULL)
		job_json_callback(&b, &first, job);
	if (job->status == JOB_COMPLETED && job->path != NULL)
		job_json_result(&b, &first, job, base_url);
	if (job->nvariants > 0)
		job_json_variants(&b, &first, job, base_url);
	if (job->status == JOB_COMPLETED && job->blurhash != NULL &&
	    job->color != NULL)
		job_json_placeholder(&b, &first, job);
	/* A queued job may carry the error of its last attempt, while it
	 * waits for a retry; a failed job always does. */
	if (job->error_code != NULL && job->status != JOB_COMPLETED) {
		int efirst = 1;

		job_json_name(&b, &first, "error");
		buf_lit(&b, "{");
		job_json_str(&b, &efirst, "code", job->error_code);
		job_json_str(&b, &efirst, "message",
		    job->error_message ? job->error_message : "");
		buf_lit(&b, " }");
	}
	buf_lit(&b, " }");
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}
