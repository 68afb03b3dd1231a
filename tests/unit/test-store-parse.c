/* test-store-parse.c: a job's hash, as Redis answers HGETALL, read into a
 * struct job: every field the scripts write (doc/redis-layout.md), records
 * older thumbqs wrote, and records that are not ours.  No Redis is needed:
 * the replies are made here. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "store-int.h"
#include "tap.h"

#define ID "96b725d0-14f5-48b7-b8b1-2182219fbf06"

static redisReply strs[64], *elems[64], reply;

/* An HGETALL reply of the field/value strings given, NULL-terminated. */
static const redisReply *
record(const char *first, ...)
{
	const char *s = first;
	va_list ap;
	size_t n = 0;

	va_start(ap, first);
	for (; s != NULL && n < 64; s = va_arg(ap, const char *), n++) {
		memset(&strs[n], 0, sizeof strs[n]);
		strs[n].type = REDIS_REPLY_STRING;
		strs[n].str = (char *)s;
		strs[n].len = strlen(s);
		elems[n] = &strs[n];
	}
	va_end(ap);
	memset(&reply, 0, sizeof reply);
	reply.type = REDIS_REPLY_ARRAY;
	reply.elements = n;
	reply.element = elems;
	return &reply;
}

static void
test_whole(struct store *st)
{
	struct job job;

	/* Every field a job's hash can hold (lib.lua, create.lua, claim.lua,
	 * finish.lua, webhook-done.lua): the ones C reads, and the ones it
	 * leaves to the scripts. */
	ok(store_parse_job(st, record("id", ID, "url", "http://x.org/a.png",
	    "status", "completed", "opts", "w=300;h=200;m=pad;f=webp;q=70;"
	    "bg=ff8000ff", "prio", "low", "attempts", "2", "created",
	    "1765000000123", "updated", "1765000001999", "claimed",
	    "1765000001000", "lease", "host:1:2", "file", ID, "path",
	    "thumbnails/96/b7/" ID ".webp", "width", "300", "height", "200",
	    "owner", "k1", "callback", "https://hooks.example.org/done",
	    "callback_status", "delivered", "callback_attempts", "1",
	    "callback_last_status", "204", "callback_at", "queued",
	    "callback_again", "1", "dkey", "thumbq:dedupe:ab", "source_job",
	    "0b6f2c1e-7d3a-4e55-9a0c-5f1e2d3c4b5a", "error_code", "http_error",
	    "error_message", "origin answered 404", NULL), &job) == 0,
	    "a record with every field parses");
	is_str(job.id, ID, "id");
	is_str(job.url, "http://x.org/a.png", "url");
	is_int(job.status, JOB_COMPLETED, "status");
	ok(job.opts.width == 300 && job.opts.height == 200 &&
	    job.opts.mode == IMAGE_PAD && job.opts.format == IMAGE_WEBP &&
	    job.opts.quality == 70 && job.opts.has_background &&
	    memcmp(job.opts.background, "\xff\x80\x00\xff", 4) == 0,
	    "opts: every option");
	is_int(job.priority, JOB_LOW, "prio");
	is_int(job.attempts, 2, "attempts");
	is_int(job.created_ms, 1765000000123LL, "created");
	is_int(job.updated_ms, 1765000001999LL, "updated");
	is_str(job.file, ID, "file");
	is_str(job.path, "thumbnails/96/b7/" ID ".webp", "path");
	ok(job.width == 300 && job.height == 200, "width and height");
	is_str(job.owner, "k1", "owner");
	is_str(job.callback_url, "https://hooks.example.org/done", "callback");
	is_str(job.callback_status, "delivered", "callback_status");
	is_int(job.callback_attempts, 1, "callback_attempts");
	is_str(job.source_job, "0b6f2c1e-7d3a-4e55-9a0c-5f1e2d3c4b5a",
	    "source_job");
	is_str(job.error_code, "http_error", "error_code");
	is_str(job.error_message, "origin answered 404", "error_message");
	job_free(&job);
}

/* Records older thumbqs wrote, which a running service still reads after
 * an upgrade. */
static void
test_old(struct store *st)
{
	struct job job;

	ok(store_parse_job(st, record("id", ID, "url", "http://x.org/a.png",
	    "status", "queued", "opts", "w=100;h=100;m=fit;f=auto;q=0;bg=-",
	    "attempts", "0", "created", "1", "updated", "1", NULL),
	    &job) == 0 && job.priority == JOB_NORMAL,
	    "a record from before priorities is normal, though 0 is high");
	ok(job.opts.gravity == IMAGE_GRAVITY_CENTER && job.opts.focus_x == 0 &&
	    job.opts.focus_y == 0, "a record from before gravity is center");
	job_free(&job);
	ok(store_parse_job(st, record("id", ID, "url", "http://x.org/a.png",
	    "status", "queued", "opts", "w=300;h=100;m=fill;f=auto;q=0;bg=-;"
	    "g=focus;fx=2500;fy=7500", NULL), &job) == 0 &&
	    job.opts.gravity == IMAGE_GRAVITY_FOCUS && job.opts.focus_x == 2500 &&
	    job.opts.focus_y == 7500, "a record with gravity focus and its point");
	job_free(&job);
	ok(store_parse_job(st, record("id", ID, "url", "http://x.org/a.png",
	    "status", "queued", NULL), &job) == 0 && job.opts.width == 0 &&
	    !job.opts.has_background,
	    "a record from before options reads without any");
	job_free(&job);
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "failed",
	    "shared", "2", "some_future_field", "x", NULL), &job) == 0,
	    "fields it does not know are left alone");
	job_free(&job);
}

#define REFUSED(what, ...) do {						\
	struct job j_;							\
	ok(store_parse_job(st, record(__VA_ARGS__, NULL), &j_) == -1 &&	\
	    strcmp(store_error(st), "redis: malformed job record") == 0,	\
	    "refused: %s", what);					\
} while (0)

static void
test_refused(struct store *st)
{
	struct job job;

	REFUSED("no id", "url", "u", "status", "queued");
	REFUSED("no status", "id", ID, "url", "u");
	REFUSED("no url", "id", ID, "status", "queued");
	REFUSED("an id of another length", "id", "x", "url", "u", "status",
	    "queued");
	REFUSED("an id not of an id's shape", "id",
	    "96b725d0-14f5-48b7-b8b1-2182219fbf0/", "url", "u", "status",
	    "queued");
	record("id", ID, "url", "u", "status", "queued", NULL);
	strs[1].str = (char *)"96b725d0\0" "14f5-48b7-b8b1-2182219fbf06";
	ok(store_parse_job(st, &reply, &job) == -1,
	    "refused: an id with a NUL inside");
	REFUSED("an unknown status", "id", ID, "url", "u", "status", "leased");
	REFUSED("an unknown priority", "id", ID, "url", "u", "status",
	    "queued", "prio", "urgent");
	REFUSED("options not in their canonical form", "id", ID, "url", "u",
	    "status", "queued", "opts", "w=100;h=100;m=fit;f=auto;q=0;bg=-;x");
	REFUSED("an unknown gravity", "id", ID, "url", "u", "status",
	    "queued", "opts", "w=100;h=100;m=fill;f=auto;q=0;bg=-;g=up");
	REFUSED("a focus point past 1", "id", ID, "url", "u", "status",
	    "queued", "opts", "w=100;h=100;m=fill;f=auto;q=0;bg=-;g=focus;"
	    "fx=20000;fy=0");
	REFUSED("a width past 32 bits", "id", ID, "url", "u", "status",
	    "queued", "width", "4294967296");
	REFUSED("a negative count", "id", ID, "url", "u", "status", "queued",
	    "attempts", "-1");
	REFUSED("a time past 2^62 ms", "id", ID, "url", "u", "status",
	    "queued", "created", "4611686018427387905");
	REFUSED("a field without its value", "id", ID, "url", "u", "status");
	record("id", ID, "url", "u", "status", "queued", NULL);
	strs[1].type = REDIS_REPLY_INTEGER;
	ok(store_parse_job(st, &reply, &job) == -1,
	    "refused: a value that is not a string");
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "queued",
	    "file", "../../etc/x", NULL), &job) == 0 && job.file[0] == '\0',
	    "a file name not of an id's shape is dropped, the rest kept");
	job_free(&job);
}

/* A job with variants and a placeholder: the options of each, and once
 * completed each one's file and size, in order; records whose parts do
 * not agree are not ours. */
static void
test_variants(struct store *st)
{
	struct job job;

	ok(store_parse_job(st, record("id", ID, "url", "http://x.org/a.png",
	    "status", "completed", "opts", "w=100;h=100;m=fit;f=auto;q=0;bg=-",
	    "variants", "w=400;h=300;m=fill;f=webp;q=0;bg=- "
	    "w=100;h=100;m=fit;f=png;q=0;bg=-", "placeholder", "1",
	    "vpaths", "thumbnails/96/b7/" ID ".webp thumbnails/96/b7/" ID ".png",
	    "vsizes", "400x300 100x75", "blurhash", "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
	    "color", "#204060", NULL), &job) == 0, "a record with variants");
	is_int(job.nvariants, 2, "two variants");
	ok(job.variants[0].opts.mode == IMAGE_FILL &&
	    job.variants[0].opts.format == IMAGE_WEBP &&
	    job.variants[0].opts.width == 400, "variant 0's options");
	ok(job.variants[1].opts.format == IMAGE_PNG, "variant 1's options");
	is_str(job.variants[1].path, "thumbnails/96/b7/" ID ".png",
	    "variant 1's path");
	ok(job.variants[1].width == 100 && job.variants[1].height == 75,
	    "variant 1's size");
	ok(job.placeholder == 1, "placeholder asked");
	is_str(job.blurhash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "blurhash");
	is_str(job.color, "#204060", "color");
	job_free(&job);

	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "completed",
	    "variants", "w=1;h=1;m=fit;f=auto;q=0;bg=- w=2;h=2;m=fit;f=auto;q=0;bg=-",
	    "vpaths", "thumbnails/96/b7/" ID ".png", "vsizes", "1x1", NULL),
	    &job) == -1, "fewer files than variants: not ours");
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "queued",
	    "variants", "w=1;h=1;m=fit;f=auto;q=0;bg=-  w=2;h=2;m=fit;f=auto;q=0;bg=-",
	    NULL), &job) == -1, "an empty variant: not ours");
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "queued",
	    "variants", "w=1;h=1;m=zoom;f=auto;q=0;bg=-", NULL), &job) == -1,
	    "a variant's options that do not parse: not ours");
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "completed",
	    "color", "red", NULL), &job) == -1, "a colour not #rrggbb: not ours");
	ok(store_parse_job(st, record("id", ID, "url", "u", "status", "queued",
	    "variants", "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=- w=1;h=1;m=fit;f=auto;q=0;bg=- "
	    "w=1;h=1;m=fit;f=auto;q=0;bg=-", NULL), &job) == -1,
	    "more than JOB_MAX_VARIANTS variants: not ours");
}

int
main(void)
{
	struct thumbq_conf conf;
	struct store *st;

	conf_defaults(&conf);
	st = store_new(&conf);	/* never connects here */
	test_whole(st);
	test_old(st);
	test_refused(st);
	test_variants(st);
	store_free(st);
	conf_free(&conf);
	return tap_done();
}
