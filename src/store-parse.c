/* store-parse.c: a job's hash in Redis, read into a struct job and written
 * from one; the one C file that knows its field names and the options
 * text (doc/redis-layout.md has the whole layout).
 *
 * A record is read as untrusted input: unknown fields are ignored (a newer
 * thumbq may add some), a known field that does not parse fails the whole
 * record, and every number is bounded. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "log.h"
#include "store-int.h"
#include "xmalloc.h"

/* A job hash has about 25 fields; anything larger is not ours. */
#define STORE_MAX_FIELDS 64

/* ------------------------------------------------------------ options */

static char *
store_put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* Written by hand rather than with snprintf (it is on every API request
 * and every claim), with the same text: "w=%u;h=%u;m=%s;f=%s;q=%u;bg=%s",
 * the background as %02x four times or "-", then ";g=%s" for a gravity
 * other than center, and ";fx=%u;fy=%u" for focus.  Center writes nothing,
 * so a job without gravity has the text (and the dedupe key) it had before
 * gravity came. */
void
store_opts_format(const struct image_request *o, char out[STORE_OPTS_MAX])
{
	static const char hex[] = "0123456789abcdef";
	char text[128], *p = text;
	size_t n;

	p = store_put_str(p, "w=");
	p = decimal_put(p, o->width);
	p = store_put_str(p, ";h=");
	p = decimal_put(p, o->height);
	p = store_put_str(p, ";m=");
	p = store_put_str(p, job_mode_name(o->mode));
	p = store_put_str(p, ";f=");
	p = store_put_str(p, job_format_name(o->format));
	p = store_put_str(p, ";q=");
	p = decimal_put(p, o->quality);
	p = store_put_str(p, ";bg=");
	if (o->has_background) {
		for (int i = 0; i < 4; i++) {
			*p++ = hex[o->background[i] >> 4];
			*p++ = hex[o->background[i] & 0xf];
		}
	} else {
		*p++ = '-';
	}
	if (o->gravity != IMAGE_GRAVITY_CENTER) {
		p = store_put_str(p, ";g=");
		p = store_put_str(p, job_gravity_name(o->gravity));
	}
	if (o->gravity == IMAGE_GRAVITY_FOCUS) {
		p = store_put_str(p, ";fx=");
		p = decimal_put(p, o->focus_x);
		p = store_put_str(p, ";fy=");
		p = decimal_put(p, o->focus_y);
	}
	/* Cut as snprintf would (no request can have options that long). */
	n = (size_t)(p - text);
	if (n > STORE_OPTS_MAX - 1)
		n = STORE_OPTS_MAX - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

/* Scanners for store_opts_parse: each takes what it matches at *p and
 * moves *p past it, or returns -1. */
static int
store_scan_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* 1 to max decimal digits. */
static int
store_scan_uint(const char **p, int max, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++) {
		if (++n > max)
			return -1;
		v = v * 10 + (unsigned)(**p - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/* 1 to size - 1 characters of set, into out. */
static int
store_scan_set(const char **p, const char *set, char *out, size_t size)
{
	size_t n = 0;

	for (; **p != '\0' && strchr(set, **p) != NULL; (*p)++) {
		if (n + 1 >= size)
			return -1;
		out[n++] = **p;
	}
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

/* The optional tail: ";g=NAME", and ";fx=N;fy=N" after focus.  None is
 * center, as every record from before gravity. */
static int
store_scan_gravity(const char **p, struct image_request *o)
{
	char gravity[12];

	if (**p == '\0')
		return 0;
	if (store_scan_lit(p, ";g=") == -1 ||
	    store_scan_set(p, "abcdefghijklmnopqrstuvwxyz", gravity,
	    sizeof gravity) == -1 ||
	    job_gravity_parse(gravity, &o->gravity) == -1)
		return -1;
	if (o->gravity != IMAGE_GRAVITY_FOCUS)
		return 0;
	if (store_scan_lit(p, ";fx=") == -1 ||
	    store_scan_uint(p, 5, &o->focus_x) == -1 ||
	    store_scan_lit(p, ";fy=") == -1 ||
	    store_scan_uint(p, 5, &o->focus_y) == -1 ||
	    o->focus_x > IMAGE_FOCUS_ONE || o->focus_y > IMAGE_FOCUS_ONE)
		return -1;
	return 0;
}

int
store_opts_parse(const char *text, struct image_request *o)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
	char mode[8], format[8], bg[10], again[STORE_OPTS_MAX];
	const char *p = text;

	memset(o, 0, sizeof *o);
	/* What sscanf("w=%5u;h=%5u;m=%7[a-z];f=%7[a-z];q=%3u;bg=%9[-0-9a-f]")
	 * took, without its cost, and the gravity; the round trip below
	 * refuses the rest. */
	if (strlen(text) >= STORE_OPTS_MAX ||
	    store_scan_lit(&p, "w=") == -1 ||
	    store_scan_uint(&p, 5, &o->width) == -1 ||
	    store_scan_lit(&p, ";h=") == -1 ||
	    store_scan_uint(&p, 5, &o->height) == -1 ||
	    store_scan_lit(&p, ";m=") == -1 ||
	    store_scan_set(&p, lower, mode, sizeof mode) == -1 ||
	    store_scan_lit(&p, ";f=") == -1 ||
	    store_scan_set(&p, lower, format, sizeof format) == -1 ||
	    store_scan_lit(&p, ";q=") == -1 ||
	    store_scan_uint(&p, 3, &o->quality) == -1 ||
	    store_scan_lit(&p, ";bg=") == -1 ||
	    store_scan_set(&p, "-0123456789abcdef", bg, sizeof bg) == -1 ||
	    store_scan_gravity(&p, o) == -1)
		return -1;
	if (job_mode_parse(mode, &o->mode) == -1 ||
	    job_format_parse(format, &o->format) == -1 ||
	    o->width == 0 || o->height == 0 || o->quality > 100)
		return -1;
	if (strcmp(bg, "-") != 0) {
		if (strlen(bg) != 8 || job_rgba_parse(bg, o->background) == -1)
			return -1;
		o->has_background = 1;
	}
	/* Only the canonical text round-trips; anything else is not ours. */
	store_opts_format(o, again);
	return strcmp(again, text) == 0 ? 0 : -1;
}

void
store_arg_opts(struct store *st, const struct image_request *opts)
{
	char text[STORE_OPTS_MAX];

	store_opts_format(opts, text);
	redis_arg_str(st->r, text);
}

/* The variants field: each variant's options text, in the order asked,
 * one space between them ("" for a job of one thumbnail). */
void
store_arg_variants(struct store *st, const struct image_request *v, size_t n)
{
	char text[STORE_VARIANTS_MAX], *p = text;

	*p = '\0';
	for (size_t i = 0; i < n && i < JOB_MAX_VARIANTS; i++) {
		if (i > 0)
			*p++ = ' ';
		store_opts_format(&v[i], p);
		p += strlen(p);
	}
	redis_arg_str(st->r, text);
}

/* ------------------------------------------------------------ variants */

/* A word of the variants, vpaths or vsizes fields: an options text or a
 * thumbnail path (storage.h's STORAGE_RELPATH_MAX), with its NUL. */
#define STORE_WORD_MAX STORE_OPTS_MAX

/* Splits text at single spaces into at most JOB_MAX_VARIANTS words, each
 * shorter than size, calling fn(word, i, job).  Returns the number of
 * words, or -1 if there are too many, one is empty or too long, or fn
 * fails. */
static int
store_split(const char *text, size_t len, size_t size,
    int (*fn)(const char *, size_t, struct job *), struct job *job)
{
	char word[STORE_WORD_MAX];
	size_t i = 0, start = 0;

	for (size_t k = 0; k <= len; k++) {
		if (k < len && text[k] != ' ')
			continue;
		if (k == start || k - start >= size ||
		    k - start >= sizeof word || i >= JOB_MAX_VARIANTS)
			return -1;
		memcpy(word, text + start, k - start);
		word[k - start] = '\0';
		if (fn(word, i, job) == -1)
			return -1;
		i++;
		start = k + 1;
	}
	return (int)i;
}

static int
store_variant_opts(const char *word, size_t i, struct job *job)
{
	return store_opts_parse(word, &job->variants[i].opts);
}

static int
store_variant_path(const char *word, size_t i, struct job *job)
{
	free(job->variants[i].path);
	job->variants[i].path = xstrdup(word);
	return 0;
}

static int
store_variant_size(const char *word, size_t i, struct job *job)
{
	const char *x = strchr(word, 'x');
	unsigned long long w, h;

	if (x == NULL || redis_parse_ull(word, (size_t)(x - word),
	    0xffffffffULL, &w) == -1 || redis_parse_ull(x + 1, strlen(x + 1),
	    0xffffffffULL, &h) == -1)
		return -1;
	job->variants[i].width = (unsigned)w;
	job->variants[i].height = (unsigned)h;
	return 0;
}

/* The fields of a job with variants or a placeholder: 1 taken, 0 not one
 * of these, -1 bad.  *nfiles counts the variants' paths and sizes, which
 * must match their options (store_parse_job checks). */
static int
store_parse_variant_field(const char *name, const redisReply *v,
    struct job *job, int nfiles[2])
{
	int n;

	if (strcmp(name, "variants") == 0) {
		if ((n = store_split(v->str, v->len, STORE_OPTS_MAX,
		    store_variant_opts, job)) == -1)
			return -1;
		job->nvariants = (size_t)n;
	} else if (strcmp(name, "vpaths") == 0) {
		if ((nfiles[0] = store_split(v->str, v->len,
		    STORE_WORD_MAX, store_variant_path, job)) == -1)
			return -1;
	} else if (strcmp(name, "vsizes") == 0) {
		if ((nfiles[1] = store_split(v->str, v->len, 24,
		    store_variant_size, job)) == -1)
			return -1;
	} else if (strcmp(name, "placeholder") == 0) {
		job->placeholder = v->len == 1 && v->str[0] == '1';
	} else if (strcmp(name, "blurhash") == 0) {
		if (v->len >= JOB_BLURHASH_MAX)
			return -1;
		free(job->blurhash);
		job->blurhash = xstrndup(v->str, v->len);
	} else if (strcmp(name, "color") == 0) {
		if (v->len != 7 || v->str[0] != '#' ||
		    strspn(v->str + 1, "0123456789abcdef") != 6)
			return -1;
		free(job->color);
		job->color = xstrndup(v->str, v->len);
	} else
		return 0;
	return 1;
}

/* ------------------------------------------------------------ a record */

/* The fields of struct job kept as text, as they are. */
static const struct {
	const char *name;
	size_t off;
} store_text_fields[] = {
	{ "url", offsetof(struct job, url) },
	{ "path", offsetof(struct job, path) },
	{ "owner", offsetof(struct job, owner) },
	{ "callback", offsetof(struct job, callback_url) },
	{ "callback_status", offsetof(struct job, callback_status) },
	{ "source_job", offsetof(struct job, source_job) },
	{ "error_code", offsetof(struct job, error_code) },
	{ "error_message", offsetof(struct job, error_message) },
};

/* The fields kept as decimals: unsigned, or times in Unix ms. */
static const struct {
	const char *name;
	size_t off;
	int ms;
} store_number_fields[] = {
	{ "attempts", offsetof(struct job, attempts), 0 },
	{ "callback_attempts", offsetof(struct job, callback_attempts), 0 },
	{ "width", offsetof(struct job, width), 0 },
	{ "height", offsetof(struct job, height), 0 },
	{ "created", offsetof(struct job, created_ms), 1 },
	{ "updated", offsetof(struct job, updated_ms), 1 },
};

#define STORE_NELEM(a) (sizeof (a) / sizeof (a)[0])

/* A field of struct job's shape: 1 taken, 0 not one of these, -1 bad. */
static int
store_parse_plain(const char *name, const redisReply *v, struct job *job)
{
	unsigned long long n;
	char *base = (char *)job;

	for (size_t k = 0; k < STORE_NELEM(store_text_fields); k++) {
		char **to;

		if (strcmp(name, store_text_fields[k].name) != 0)
			continue;
		to = (char **)(void *)(base + store_text_fields[k].off);
		free(*to);
		*to = xstrndup(v->str, v->len);
		return 1;
	}
	for (size_t k = 0; k < STORE_NELEM(store_number_fields); k++) {
		int ms = store_number_fields[k].ms;

		if (strcmp(name, store_number_fields[k].name) != 0)
			continue;
		if (redis_parse_ull(v->str, v->len, ms ? 1ULL << 62 :
		    0xffffffffULL, &n) == -1)
			return -1;
		if (ms)
			*(long long *)(void *)(base +
			    store_number_fields[k].off) = (long long)n;
		else
			*(unsigned *)(void *)(base +
			    store_number_fields[k].off) = (unsigned)n;
		return 1;
	}
	return 0;
}

/* One field/value pair into job; *seen gains 1 for id, 2 for status.
 * 0, or -1 if it is one of ours and does not parse. */
static int
store_parse_field(const char *name, const redisReply *v, struct job *job,
    int *seen, int nfiles[2])
{
	int taken;

	if ((taken = store_parse_variant_field(name, v, job, nfiles)) != 0)
		return taken == 1 ? 0 : -1;
	if (strcmp(name, "id") == 0) {
		/* It names the job's keys in the commands that follow. */
		if (v->len != ID_LEN || !id_valid(v->str))
			return -1;
		memcpy(job->id, v->str, ID_LEN + 1);
		*seen |= 1;
	} else if (strcmp(name, "status") == 0) {
		if (job_status_parse(v->str, &job->status) == -1)
			return -1;
		*seen |= 2;
	} else if (strcmp(name, "opts") == 0) {
		if (store_opts_parse(v->str, &job->opts) == -1)
			return -1;
	} else if (strcmp(name, "prio") == 0) {
		if (job_priority_parse(v->str, &job->priority) == -1)
			return -1;
	} else if (strcmp(name, "file") == 0) {
		/* It becomes a path in the docroot: anything but an id's
		 * shape is ignored (the write then refuses the job). */
		if (v->len == ID_LEN && id_valid(v->str))
			memcpy(job->file, v->str, ID_LEN + 1);
		else
			log_warn("event=bad_record job=%.36s field=file",
			    job->id);
	} else if (store_parse_plain(name, v, job) == -1) {
		return -1;
	}
	return 0;
}

int
store_parse_job(struct store *st, const redisReply *r, struct job *job)
{
	int seen = 0, nfiles[2] = { -1, -1 };

	memset(job, 0, sizeof *job);
	/* A record from before priorities (cf0da77) has no prio. */
	job->priority = JOB_NORMAL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0 ||
	    r->elements > STORE_MAX_FIELDS * 2)
		goto bad;
	for (size_t i = 0; i < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];

		if (f->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    store_parse_field(f->str, v, job, &seen, nfiles) == -1)
			goto bad;
	}
	if (seen != 3 || job->url == NULL)
		goto bad;
	/* A variant's file and size, when there are any, are those of every
	 * variant asked for, in order. */
	if ((nfiles[0] != -1 && (size_t)nfiles[0] != job->nvariants) ||
	    nfiles[0] != nfiles[1])
		goto bad;
	return 0;
bad:
	redis_errorf(st->r, "redis: malformed job record");
	job_free(job);
	return -1;
}

/* ------------------------------------------------------------ writing */

/* A completed job's variants (vpaths, vsizes: one word each, as the
 * variants field) and placeholder, for finish.lua to set. */
static void
store_arg_variant_results(struct store *st, const struct job *job)
{
	char paths[STORE_PATH_MAX], sizes[JOB_MAX_VARIANTS * 24];
	size_t pn = 0, sn = 0;

	if (job->nvariants > 0 && job->nvariants <= JOB_MAX_VARIANTS) {
		for (size_t i = 0; i < job->nvariants; i++) {
			const struct job_variant *v = &job->variants[i];

			pn += (size_t)snprintf(paths + pn, sizeof paths - pn,
			    "%s%s", i ? " " : "", v->path ? v->path : "");
			sn += (size_t)snprintf(sizes + sn, sizeof sizes - sn,
			    "%s%ux%u", i ? " " : "", v->width, v->height);
			if (pn >= sizeof paths || sn >= sizeof sizes)
				break;
		}
		redis_arg_str(st->r, "vpaths");
		redis_arg_str(st->r, paths);
		redis_arg_str(st->r, "vsizes");
		redis_arg_str(st->r, sizes);
	}
	if (job->blurhash != NULL && job->color != NULL) {
		redis_arg_str(st->r, "blurhash");
		redis_arg_str(st->r, job->blurhash);
		redis_arg_str(st->r, "color");
		redis_arg_str(st->r, job->color);
	}
}

void
store_arg_result(struct store *st, const struct job *job,
    enum job_status status)
{
	if (status == JOB_COMPLETED) {
		redis_arg_str(st->r, "path");
		redis_arg_str(st->r, job->path != NULL ? job->path : "");
		redis_arg_str(st->r, "width");
		redis_arg_u64(st->r, job->width);
		redis_arg_str(st->r, "height");
		redis_arg_u64(st->r, job->height);
		store_arg_variant_results(st, job);
	} else {
		redis_arg_str(st->r, "error_code");
		redis_arg_str(st->r, job->error_code != NULL ?
		    job->error_code : "unknown");
		redis_arg_str(st->r, "error_message");
		redis_arg_str(st->r, job->error_message != NULL ?
		    job->error_message : "");
	}
}

long long
store_elem_ms(const redisReply *e)
{
	unsigned long long v = 0;

	if (e->type == REDIS_REPLY_STRING)
		redis_parse_ull(e->str, e->len, 1ULL << 62, &v);
	return (long long)v;
}
