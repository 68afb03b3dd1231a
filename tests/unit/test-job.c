/* test-job.c: POST bodies are parsed strictly into 400 (not JSON) or 422 (not
 * a usable request), and job JSON carries what a client of the seed service
 * reads. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "job.h"
#include "store.h"
#include "tap.h"

static const struct job_parse_limits limits = {
	.max_url_bytes = 2048, .default_width = 100, .default_height = 100, .max_size = 1024,
	.max_variants = 3,
};
static char msgbuf[JOB_MESSAGE_MAX];

static enum job_parse_result
parse(const char *body, const char **msg)
{
	struct job_request req;
	enum job_parse_result r = job_request_parse(body, strlen(body), &limits, &req, msg, msgbuf);

	job_request_free(&req);
	return r;
}

#define PARSES_AS(body, want, what) do {					\
	const char *msg_ = NULL;						\
	enum job_parse_result got_ = parse(body, &msg_);			\
	if (!ok(got_ == (want), "%s", what))					\
		printf("#   got %d (%s), want %d\n", got_, msg_ ? msg_ : "", want); \
} while (0)

/* The job JSON byte for byte, as clients have always received it: json-c's
 * spaced layout, members in this order, '/' unescaped, \u00xx for control
 * characters, other bytes as they are.  A queued job with every option, the
 * same job completed, then failed with characters that need escaping. */
static const char golden_queued[] =
    "{ \"id\": \"96b725d0-14f5-48b7-b8b1-2182219fbf06\", "
    "\"url\": \"https://example.org/photo.jpg?a=1&b=/c\", \"status\": \"queued\", "
    "\"attempts\": 0, \"options\": { \"width\": 300, \"height\": 200, "
    "\"mode\": \"pad\", \"format\": \"webp\", \"quality\": 70, "
    "\"background\": \"#ff8000ff\" }, \"created_at\": \"2025-12-06T05:46:40.123Z\", "
    "\"updated_at\": \"2025-12-06T05:46:40.456Z\", \"priority\": \"high\", "
    "\"callback_url\": \"https://hooks.example.org/done\", "
    "\"callback\": { \"status\": \"waiting\", \"attempts\": 0 } }";
static const char golden_completed[] =
    "{ \"id\": \"96b725d0-14f5-48b7-b8b1-2182219fbf06\", "
    "\"url\": \"https://example.org/photo.jpg?a=1&b=/c\", \"status\": \"completed\", "
    "\"attempts\": 1, \"options\": { \"width\": 300, \"height\": 200, "
    "\"mode\": \"pad\", \"format\": \"webp\", \"quality\": 70, "
    "\"background\": \"#ff8000ff\" }, \"created_at\": \"2025-12-06T05:46:40.123Z\", "
    "\"updated_at\": \"2025-12-06T05:46:41.999Z\", \"priority\": \"high\", "
    "\"callback_url\": \"https://hooks.example.org/done\", "
    "\"callback\": { \"status\": \"delivered\", \"attempts\": 1 }, "
    "\"resized_url\": \"http://localhost:8080/thumbnails/96/b7/"
    "96b725d0-14f5-48b7-b8b1-2182219fbf06.webp\", \"width\": 300, \"height\": 200 }";
static const char golden_failed[] =
    "{ \"id\": \"96b725d0-14f5-48b7-b8b1-2182219fbf06\", "
    "\"url\": \"https://example.org/photo.jpg?a=1&b=/c\", \"status\": \"failed\", "
    "\"attempts\": 3, \"options\": { \"width\": 300, \"height\": 200, "
    "\"mode\": \"pad\", \"format\": \"webp\", \"quality\": 70, "
    "\"background\": \"#ff8000ff\" }, \"created_at\": \"2025-12-06T05:46:40.123Z\", "
    "\"updated_at\": \"2025-12-06T05:46:41.999Z\", \"priority\": \"high\", "
    "\"callback_url\": \"https://hooks.example.org/done\", "
    "\"callback\": { \"status\": \"delivered\", \"attempts\": 1 }, "
    "\"error\": { \"code\": \"http_error\", \"message\": \"origin answered HTTP 404 "
    "\\\"quoted\\\" \\\\ \\u0001\\t\\n/\xe2\x82\xac\" } }";
/* The seed's shape: a job with nothing but what POST {"url"} gives. */
static const char golden_seed[] =
    "{ \"id\": \"0b6f2c1e-7d3a-4e55-9a0c-5f1e2d3c4b5a\", "
    "\"url\": \"http://example.org/a.png\", \"status\": \"queued\", \"attempts\": 0, "
    "\"options\": { \"width\": 100, \"height\": 100, \"mode\": \"fit\", "
    "\"format\": \"auto\" }, \"priority\": \"normal\" }";

static void
is_json(struct job *job, const char *want, const char *what)
{
	char *s = job_to_json(job, "http://localhost:8080");

	is_str(s, want, "%s", what);
	free(s);
}

static void
test_golden(void)
{
	struct job job;
	char *s;

	memset(&job, 0, sizeof job);
	strcpy(job.id, "0b6f2c1e-7d3a-4e55-9a0c-5f1e2d3c4b5a");
	job.url = strdup("http://example.org/a.png");
	job.opts.width = job.opts.height = 100;
	job.priority = JOB_NORMAL;
	is_json(&job, golden_seed, "a seed job's JSON, byte for byte");
	job_free(&job);

	memset(&job, 0, sizeof job);
	strcpy(job.id, "96b725d0-14f5-48b7-b8b1-2182219fbf06");
	job.url = strdup("https://example.org/photo.jpg?a=1&b=/c");
	job.status = JOB_QUEUED;
	job.opts.width = 300;
	job.opts.height = 200;
	job.opts.mode = IMAGE_PAD;
	job.opts.format = IMAGE_WEBP;
	job.opts.quality = 70;
	job.opts.has_background = 1;
	memcpy(job.opts.background, "\xff\x80\x00\xff", 4);
	job.priority = JOB_HIGH;
	job.created_ms = 1765000000123LL;
	job.updated_ms = 1765000000456LL;
	job.callback_url = strdup("https://hooks.example.org/done");
	is_json(&job, golden_queued, "a queued job's JSON, byte for byte");

	job.status = JOB_COMPLETED;
	job.attempts = 1;
	job.path = strdup("thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.webp");
	job.width = 300;
	job.height = 200;
	job.updated_ms = 1765000001999LL;
	job.callback_status = strdup("delivered");
	job.callback_attempts = 1;
	is_json(&job, golden_completed, "a completed job's JSON, byte for byte");

	job.status = JOB_FAILED;
	job.attempts = 3;
	job.error_code = strdup("http_error");
	job.error_message = strdup("origin answered HTTP 404 \"quoted\" \\ \x01\t\n/\xe2\x82\xac");
	is_json(&job, golden_failed, "a failed job's JSON, byte for byte");

	/* A record thumbq did not write (Redis is input too) is refused
	 * whole, not cut: up to the cap it renders, past it nothing does. */
	free(job.error_message);
	job.error_message = malloc(JOB_JSON_MAX);
	memset(job.error_message, 'x', JOB_JSON_MAX - 1);
	job.error_message[JOB_JSON_MAX - 1] = '\0';
	s = job_to_json(&job, "http://localhost:8080");
	ok(s == NULL, "a job whose JSON would pass JOB_JSON_MAX has none");
	free(s);
	job.error_message[JOB_JSON_MAX - 1 - strlen(golden_failed)] = '\0';
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strlen(s) < JOB_JSON_MAX && strstr(s, "xxx\" } }") != NULL,
	    "one just below it renders whole");
	free(s);
	job_free(&job);
}

/* gravity: each name parses and round-trips through the options text and
 * the job JSON; focus needs both points, in 0..1; anything but center with
 * a mode other than fill is refused naming the field. */
static void
test_gravity(void)
{
	static const char *const names[] = {
		"center", "north", "south", "east", "west", "northeast",
		"northwest", "southeast", "southwest", "smart",
	};
	static const struct { const char *body; const char *field; } bad[] = {
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"up\"}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":1}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"gravity\":\"north\"}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"pad\",\"gravity\":\"smart\"}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\"}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":0.5}", "gravity" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":1.5,\"focus_y\":0}", "focus_x" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":0,\"focus_y\":-0.1}", "focus_y" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":\"0.5\",\"focus_y\":0}", "focus_x" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":null,\"focus_y\":0}", "focus_x" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"focus\",\"focus_x\":1e999,\"focus_y\":0}", "focus_x" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"focus_x\":0.5}", "focus_x" },
		{ "{\"url\":\"http://x.org/\",\"mode\":\"fill\",\"gravity\":\"north\",\"focus_y\":0.5}", "focus_y" },
	};
	struct job_request req;
	struct image_request back;
	struct job job;
	const char *msg = NULL;
	char body[256], text[STORE_OPTS_MAX], want[64], *s;
	enum job_parse_result r;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(body, sizeof body, "{\"url\":\"http://x.org/\","
		    "\"mode\":\"fill\",\"gravity\":\"%s\"}", names[i]);
		r = job_request_parse(body, strlen(body), &limits, &req, &msg,
		    msgbuf);
		ok(r == JOB_PARSE_OK && strcmp(job_gravity_name(
		    req.opts.gravity), names[i]) == 0, "gravity %s parses",
		    names[i]);
		store_opts_format(&req.opts, text);
		if (i == 0)
			snprintf(want, sizeof want, "w=100;h=100;m=fill;f=auto;"
			    "q=0;bg=-");
		else
			snprintf(want, sizeof want, "w=100;h=100;m=fill;f=auto;"
			    "q=0;bg=-;g=%s", names[i]);
		is_str(text, want, "gravity %s in the options text (center: "
		    "as before gravity)", names[i]);
		ok(store_opts_parse(text, &back) == 0 &&
		    memcmp(&back, &req.opts, sizeof back) == 0,
		    "gravity %s parses back from the options text", names[i]);
		job_request_free(&req);
	}
	snprintf(body, sizeof body, "{\"url\":\"http://x.org/\",\"gravity\":"
	    "\"center\"}");
	r = job_request_parse(body, strlen(body), &limits, &req, &msg, msgbuf);
	ok(r == JOB_PARSE_OK && req.opts.gravity == IMAGE_GRAVITY_CENTER,
	    "gravity center with mode fit: what fit does anyway, accepted");
	job_request_free(&req);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = parse(bad[i].body, &msg);
		ok(r == JOB_PARSE_INVALID && strncmp(msg, bad[i].field,
		    strlen(bad[i].field)) == 0, "422 naming %s: %s -> %s",
		    bad[i].field, bad[i].body, msg);
	}

	snprintf(body, sizeof body, "{\"url\":\"http://x.org/\",\"mode\":"
	    "\"fill\",\"gravity\":\"focus\",\"focus_x\":0.25,\"focus_y\":1}");
	r = job_request_parse(body, strlen(body), &limits, &req, &msg, msgbuf);
	ok(r == JOB_PARSE_OK && req.opts.gravity == IMAGE_GRAVITY_FOCUS &&
	    req.opts.focus_x == 2500 && req.opts.focus_y == 10000,
	    "focus 0.25, 1 (an integer) parses in ten-thousandths");
	store_opts_format(&req.opts, text);
	is_str(text, "w=100;h=100;m=fill;f=auto;q=0;bg=-;g=focus;fx=2500;"
	    "fy=10000", "focus in the options text");
	ok(store_opts_parse(text, &back) == 0 &&
	    memcmp(&back, &req.opts, sizeof back) == 0,
	    "focus parses back from the options text");
	memset(&job, 0, sizeof job);
	strcpy(job.id, "96b725d0-14f5-48b7-b8b1-2182219fbf06");
	job.url = strdup("http://x.org/");
	job.opts = req.opts;
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strstr(s, "\"mode\": \"fill\", \"format\": \"auto\", "
	    "\"gravity\": \"focus\", \"focus_x\": 0.25, \"focus_y\": 1 }") !=
	    NULL, "focus in the job JSON's options: %s", s);
	free(s);
	job.opts.focus_x = 3333;
	job.opts.focus_y = 0;
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strstr(s, "\"focus_x\": 0.3333, \"focus_y\": 0 }") !=
	    NULL, "focus 0.3333 and 0 in the job JSON");
	free(s);
	job.opts.gravity = IMAGE_GRAVITY_SMART;
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strstr(s, "\"gravity\": \"smart\" }") != NULL &&
	    strstr(s, "focus") == NULL, "smart in the job JSON, no focus");
	free(s);
	job.opts.gravity = IMAGE_GRAVITY_CENTER;
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strstr(s, "gravity") == NULL, "center, the default, "
	    "is not shown (older jobs' JSON as it was)");
	free(s);
	job_free(&job);
	job_request_free(&req);

	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=up", &back) ==
	    -1, "an unknown gravity in an options text is refused");
	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=center",
	    &back) == -1, "center written out is not canonical: refused");
	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=focus",
	    &back) == -1, "focus without its point is refused");
	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=focus;"
	    "fx=10001;fy=0", &back) == -1, "a focus past 1 is refused");
	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=north;"
	    "fx=1;fy=1", &back) == -1, "a point without focus is refused");
	ok(store_opts_parse("w=100;h=100;m=fill;f=auto;q=0;bg=-;g=focus;"
	    "fx=0100;fy=0", &back) == -1, "a point with a leading 0 is not "
	    "canonical: refused");

	/* Variants inherit the body's gravity; one whose own mode is not
	 * fill drops an inherited one, and refuses one it names. */
	snprintf(body, sizeof body, "{\"url\":\"http://x.org/\",\"mode\":"
	    "\"fill\",\"gravity\":\"smart\",\"variants\":[{\"width\":50},"
	    "{\"mode\":\"fit\"},{\"gravity\":\"north\"}]}");
	r = job_request_parse(body, strlen(body), &limits, &req, &msg, msgbuf);
	ok(r == JOB_PARSE_OK && req.nvariants == 3 &&
	    req.variants[0].gravity == IMAGE_GRAVITY_SMART &&
	    req.variants[1].mode == IMAGE_FIT &&
	    req.variants[1].gravity == IMAGE_GRAVITY_CENTER &&
	    req.variants[2].gravity == IMAGE_GRAVITY_NORTH, "variants: smart "
	    "inherited, dropped by a fit variant, replaced by north (%s)",
	    r == JOB_PARSE_OK ? "ok" : msg);
	job_request_free(&req);
	snprintf(body, sizeof body, "{\"url\":\"http://x.org/\",\"mode\":"
	    "\"fill\",\"gravity\":\"focus\",\"focus_x\":0.2,\"focus_y\":"
	    "0.4,\"variants\":[{\"focus_x\":0.9},{\"gravity\":\"west\"}]}");
	r = job_request_parse(body, strlen(body), &limits, &req, &msg, msgbuf);
	ok(r == JOB_PARSE_OK && req.nvariants == 2 &&
	    req.variants[0].gravity == IMAGE_GRAVITY_FOCUS &&
	    req.variants[0].focus_x == 9000 && req.variants[0].focus_y == 4000 &&
	    req.variants[1].gravity == IMAGE_GRAVITY_WEST &&
	    req.variants[1].focus_x == 0 && req.variants[1].focus_y == 0,
	    "variants: a focus point inherited in part, dropped with west "
	    "(%s)", r == JOB_PARSE_OK ? "ok" : msg);
	job_request_free(&req);
	r = parse("{\"url\":\"http://x.org/\",\"mode\":\"fill\","
	    "\"variants\":[{\"mode\":\"pad\",\"gravity\":\"east\"}]}", &msg);
	ok(r == JOB_PARSE_INVALID && strncmp(msg, "variants[0]: gravity", 20) ==
	    0, "a variant naming a gravity with mode pad: 422 (%s)", msg);
}

/* format: avif and jxl where this build writes them, negotiate always; and
 * negotiate resolved from Accept headers as browsers and clients send them. */
static void
test_formats(void)
{
	static const struct {
		const char *accept;
		enum image_format want;
		const char *why;
	} cases[] = {
		{ NULL, IMAGE_AUTO, "no Accept header: auto" },
		{ "", IMAGE_AUTO, "empty Accept: auto" },
		{ "*/*", IMAGE_AUTO, "*/* chooses nothing: auto" },
		{ "image/*,*/*;q=0.8", IMAGE_AUTO, "wildcards only: auto" },
		{ "image/jpeg, image/png", IMAGE_AUTO, "jpeg and png: auto" },
		/* Chrome 120 and Firefox 120 fetching an <img> */
		{ "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
		    IMAGE_AVIF, "Chrome's: avif" },
		{ "image/avif,image/webp,*/*", IMAGE_AVIF, "Firefox's: avif" },
		/* Safari 14 (WebP, no AVIF) */
		{ "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5",
		    IMAGE_WEBP, "Safari 14's: webp" },
		{ "image/webp", IMAGE_WEBP, "webp alone: webp" },
		{ "IMAGE/AVIF", IMAGE_AVIF, "types are case-insensitive" },
		{ "image/avif;q=0, image/webp", IMAGE_WEBP, "avif with q=0 is refused: webp" },
		{ "image/avif;q=0.0,image/webp;q=0", IMAGE_AUTO, "both refused: auto" },
		{ "image/avif;q=0.5, image/webp;q=0.9", IMAGE_WEBP, "webp preferred by q: webp" },
		{ "image/webp;q=0.5, image/avif ; q=0.5", IMAGE_AVIF, "a tie goes to avif" },
		{ "image/avif-sequence, image/webpx", IMAGE_AUTO, "longer names are other types: auto" },
		{ "text/html;q=0.9;level=image/avif", IMAGE_AUTO, "a parameter naming avif: auto" },
		{ "  image/avif  ;charset=x;q=1 ,", IMAGE_AVIF, "blanks, other parameters, a trailing comma" },
		{ ",,,;;;=", IMAGE_AUTO, "junk: auto" },
	};
	enum image_format f;
	char buf[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum image_format want = cases[i].want;

		/* Without AVIF output the choice falls to webp. */
		if (want == IMAGE_AVIF && !job_format_available(IMAGE_AVIF))
			want = cases[i].accept && strstr(cases[i].accept, "webp") ? IMAGE_WEBP : IMAGE_AUTO;
		f = IMAGE_NEGOTIATE;
		job_format_negotiate(cases[i].accept, &f);
		is_str(job_format_name(f), job_format_name(want), "negotiate, %s", cases[i].why);
	}
	f = IMAGE_PNG;
	job_format_negotiate("image/avif", &f);
	is_int(f, IMAGE_PNG, "a format that is not negotiate is left alone");

	static const struct { const char *name; enum image_format f; } names[] = {
		{ "avif", IMAGE_AVIF }, { "jxl", IMAGE_JXL }, { "negotiate", IMAGE_NEGOTIATE },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct job_request req;
		const char *msg = NULL;
		enum job_parse_result r;

		snprintf(buf, sizeof buf, "{\"url\":\"http://x.org/\",\"format\":\"%s\"}", names[i].name);
		r = job_request_parse(buf, strlen(buf), &limits, &req, &msg, msgbuf);
		if (job_format_available(names[i].f)) {
			ok(r == JOB_PARSE_OK && req.opts.format == names[i].f, "format %s parses", names[i].name);
			is_str(job_format_name(names[i].f), names[i].name, "and is named %s", names[i].name);
			if (r == JOB_PARSE_OK)
				job_request_free(&req);
		} else
			ok(r == JOB_PARSE_INVALID && strcmp(msg, "format ") > 0 &&
			    strstr(msg, "not available on this server") != NULL,
			    "format %s: 422, not available on this server (%s)", names[i].name, msg);
	}
#ifdef HAVE_AVIF
	ok(job_format_available(IMAGE_AVIF), "built with libheif: avif available");
#else
	ok(!job_format_available(IMAGE_AVIF), "built without libheif: avif not available");
#endif
#ifdef HAVE_JXL
	ok(job_format_available(IMAGE_JXL), "built with libjxl: jxl available");
#else
	ok(!job_format_available(IMAGE_JXL), "built without libjxl: jxl not available");
#endif
}

/* A job's variants: each an option set over the body's options, in the
 * order asked; the limits and the messages; a batch's; the JSON. */
static const char golden_variants[] =
    "{ \"id\": \"96b725d0-14f5-48b7-b8b1-2182219fbf06\", "
    "\"url\": \"https://example.org/p.jpg\", \"status\": \"completed\", "
    "\"attempts\": 1, \"options\": { \"width\": 100, \"height\": 100, "
    "\"mode\": \"fit\", \"format\": \"auto\" }, \"priority\": \"normal\", "
    "\"resized_url\": \"http://localhost:8080/thumbnails/96/b7/a.webp\", "
    "\"width\": 400, \"height\": 300, \"variants\": [ { \"options\": "
    "{ \"width\": 400, \"height\": 300, \"mode\": \"fill\", "
    "\"format\": \"webp\" }, \"resized_url\": "
    "\"http://localhost:8080/thumbnails/96/b7/a.webp\", \"width\": 400, "
    "\"height\": 300, \"format\": \"webp\" }, { \"options\": { \"width\": "
    "100, \"height\": 100, \"mode\": \"fit\", \"format\": \"auto\" }, "
    "\"resized_url\": \"http://localhost:8080/thumbnails/96/b7/b.jpg\", "
    "\"width\": 100, \"height\": 75, \"format\": \"jpeg\" } ], "
    "\"placeholder\": { \"blurhash\": \"LEHV6nWB2yk8pyo0adR*.7kCMdnj\", "
    "\"color\": \"#204060\" } }";

static void
test_variants(void)
{
	struct job_request req;
	struct job_batch_request br;
	struct job job;
	const char *msg = NULL;
	const char *body = "{\"url\": \"https://example.org/p.jpg\", "
	    "\"quality\": 70, \"format\": \"webp\", \"placeholder\": true, "
	    "\"variants\": [{\"width\": 400, \"height\": 300, "
	    "\"mode\": \"fill\"}, {\"width\": 200, \"format\": \"png\"}, "
	    "{}]}";
	char *s;

	ok(job_request_parse(body, strlen(body), &limits, &req, &msg,
	    msgbuf) == JOB_PARSE_OK, "a body with three variants parses");
	is_int(req.nvariants, 3, "three variants");
	ok(req.placeholder == 1, "placeholder: true taken");
	is_int(req.variants[0].width, 400, "variant 0: its own width");
	ok(req.variants[0].mode == IMAGE_FILL, "variant 0: its own mode");
	ok(req.variants[0].format == IMAGE_WEBP && req.variants[0].quality == 70,
	    "variant 0: the body's format and quality");
	is_int(req.variants[1].width, 200, "variant 1: its own width");
	is_int(req.variants[1].height, 100, "variant 1: the default height");
	ok(req.variants[1].format == IMAGE_PNG, "variant 1: its own format");
	ok(memcmp(&req.variants[2], &req.opts, sizeof req.opts) == 0,
	    "variant 2 ({}): the body's options");
	job_request_free(&req);

	PARSES_AS("{\"url\": \"https://example.org/p.jpg\"}", JOB_PARSE_OK,
	    "no variants: fine");
	ok(parse("{\"url\": \"https://example.org/p.jpg\", \"variants\": "
	    "[{}, {\"height\": 0}]}", &msg) == JOB_PARSE_INVALID &&
	    strncmp(msg, "variants[1]: height must be", 27) == 0,
	    "a bad variant: 422 naming it (%s)", msg);
	ok(parse("{\"url\": \"https://example.org/p.jpg\", \"variants\": "
	    "[{}, {}, {}, {}]}", &msg) == JOB_PARSE_INVALID &&
	    strstr(msg, "1 to 3") != NULL,
	    "more variants than max_variants: 422 (%s)", msg);
	PARSES_AS("{\"url\": \"https://example.org/p.jpg\", \"variants\": []}",
	    JOB_PARSE_INVALID, "an empty variants list: 422");
	PARSES_AS("{\"url\": \"https://example.org/p.jpg\", \"variants\": {}}",
	    JOB_PARSE_INVALID, "variants not an array: 422");
	PARSES_AS("{\"url\": \"https://example.org/p.jpg\", \"variants\": [3]}",
	    JOB_PARSE_INVALID, "a variant not an object: 422");
	PARSES_AS("{\"url\": \"https://example.org/p.jpg\", \"variants\": "
	    "[{\"mode\": \"zoom\"}]}", JOB_PARSE_INVALID,
	    "a variant's unknown mode: 422");
	PARSES_AS("{\"url\": \"https://example.org/p.jpg\", \"placeholder\": 1}",
	    JOB_PARSE_INVALID, "placeholder not a boolean: 422");

	body = "{\"urls\": [\"https://example.org/a.jpg\", "
	    "\"https://example.org/b.jpg\"], \"variants\": [{\"width\": 50}, "
	    "{\"width\": 20, \"format\": \"webp\"}]}";
	ok(job_batch_parse(body, strlen(body), &(struct job_parse_limits){
	    .max_url_bytes = 2048, .default_width = 100, .default_height = 100,
	    .max_size = 1024, .max_batch = 10, .max_variants = 3 }, &br, &msg,
	    msgbuf) == JOB_PARSE_OK && br.nvariants == 2 &&
	    br.variants[1].width == 20 && br.variants[1].format == IMAGE_WEBP,
	    "a batch takes variants too");
	job_batch_request_free(&br);

	memset(&job, 0, sizeof job);
	strcpy(job.id, "96b725d0-14f5-48b7-b8b1-2182219fbf06");
	job.url = strdup("https://example.org/p.jpg");
	job.opts.width = job.opts.height = 100;
	job.priority = JOB_NORMAL;
	job.status = JOB_COMPLETED;
	job.attempts = 1;
	job.nvariants = 2;
	job.variants[0].opts = (struct image_request){ .width = 400,
	    .height = 300, .mode = IMAGE_FILL, .format = IMAGE_WEBP };
	job.variants[1].opts = job.opts;
	job.variants[0].path = strdup("thumbnails/96/b7/a.webp");
	job.variants[0].width = 400;
	job.variants[0].height = 300;
	job.variants[1].path = strdup("thumbnails/96/b7/b.jpg");
	job.variants[1].width = 100;
	job.variants[1].height = 75;
	job.path = strdup(job.variants[0].path);
	job.width = 400;
	job.height = 300;
	job.blurhash = strdup("LEHV6nWB2yk8pyo0adR*.7kCMdnj");
	job.color = strdup("#204060");
	is_json(&job, golden_variants, "a completed variants job's JSON: the "
	    "first variant at the top, every one in variants, the placeholder");
	job.status = JOB_QUEUED;
	s = job_to_json(&job, "http://localhost:8080");
	ok(s != NULL && strstr(s, "resized_url") == NULL &&
	    strstr(s, "\"variants\": [ { \"options\"") != NULL &&
	    strstr(s, "placeholder") == NULL,
	    "queued: the variants' options only, no files, no placeholder");
	free(s);
	job_free(&job);
	is_str(job_path_format("thumbnails/a/b/c.jpg"), "jpeg", "jpg is jpeg");
	is_str(job_path_format("thumbnails/a/b/c.png"), "png", "png is png");
}

int
main(void)
{
	struct job_request req;
	const char *msg = NULL;
	char longurl[2100];

	const char *seed = "{\"url\": \"https://example.org/photo.jpg\"}";

	ok(job_request_parse(seed, strlen(seed), &limits, &req, &msg, msgbuf) == JOB_PARSE_OK,
	    "the seed body parses");
	is_str(req.url, "https://example.org/photo.jpg", "url taken");
	is_int(req.opts.width, 100, "default width");
	is_int(req.opts.height, 100, "default height");
	is_int(req.opts.mode, IMAGE_FIT, "default mode fit");
	is_int(req.opts.format, IMAGE_AUTO, "default format auto");
	is_int(req.opts.quality, 0, "default quality: the configured one");
	ok(!req.opts.has_background, "no background by default");
	job_request_free(&req);

	PARSES_AS("{\"url\":\"http://example.org/a.png\",\"extra\":1}", JOB_PARSE_OK,
	    "unknown fields are ignored");
	PARSES_AS("", JOB_PARSE_MALFORMED, "empty body: 400");
	PARSES_AS("{\"url\": ", JOB_PARSE_MALFORMED, "truncated JSON: 400");
	PARSES_AS("{'url': 'http://x/'}", JOB_PARSE_MALFORMED, "single quotes: 400");
	PARSES_AS("{\"url\":\"http://x.org/\"} trailing", JOB_PARSE_MALFORMED, "trailing junk: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xff\"}", JOB_PARSE_MALFORMED, "invalid UTF-8: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xc0\xaf\"}", JOB_PARSE_MALFORMED, "overlong UTF-8: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xe0\x80\xaf\"}", JOB_PARSE_MALFORMED, "overlong 3-byte: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xed\xa0\x80\"}", JOB_PARSE_MALFORMED, "UTF-8 surrogate: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xf4\x90\x80\x80\"}", JOB_PARSE_MALFORMED, "past U+10FFFF: 400");
	PARSES_AS("{\"url\":\"http://x.org/\xe2\x82\xac\xf0\x9f\x98\x80\"}", JOB_PARSE_OK, "valid multi-byte UTF-8 is fine");
	PARSES_AS("{\"url\":\"http://x.org/\xe2\x82\"}", JOB_PARSE_MALFORMED, "cut UTF-8 sequence: 400");
	PARSES_AS("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", JOB_PARSE_MALFORMED,
	    "deep nesting: 400");
	PARSES_AS("[\"http://x.org/\"]", JOB_PARSE_INVALID, "array body: 422");
	PARSES_AS("42", JOB_PARSE_INVALID, "number body: 422");
	PARSES_AS("null", JOB_PARSE_INVALID, "null body: 422");
	PARSES_AS("true", JOB_PARSE_INVALID, "boolean body: 422");
	PARSES_AS("   ", JOB_PARSE_MALFORMED, "blank body: 400");
	PARSES_AS("{\"url\":\"http://x.org/\"}\n  ", JOB_PARSE_OK, "trailing white space is fine");
	PARSES_AS("{\"url\":\"http://x.org/\"}{}", JOB_PARSE_MALFORMED, "two objects: 400");
	PARSES_AS("42 43", JOB_PARSE_MALFORMED, "two numbers: 400");
	PARSES_AS("\"http://x.org/\"", JOB_PARSE_INVALID, "string body: 422");
	PARSES_AS("{}", JOB_PARSE_INVALID, "missing url: 422");
	PARSES_AS("{\"url\": 42}", JOB_PARSE_INVALID, "url not a string: 422");
	PARSES_AS("{\"url\": null}", JOB_PARSE_INVALID, "url null: 422");
	PARSES_AS("{\"url\": \"ftp://x.org/a.jpg\"}", JOB_PARSE_INVALID, "ftp url: 422");
	PARSES_AS("{\"url\": \"file:///etc/passwd\"}", JOB_PARSE_INVALID, "file url: 422");
	PARSES_AS("{\"url\": \"not a url\"}", JOB_PARSE_INVALID, "not a url: 422");
	PARSES_AS("{\"url\": \"http://user:pw@x.org/a.jpg\"}", JOB_PARSE_INVALID, "userinfo: 422");
	PARSES_AS("{\"url\": \"http://x.org/\\u0000.jpg\"}", JOB_PARSE_INVALID, "NUL in url: 422");
	strcpy(longurl, "{\"url\": \"http://x.org/");
	memset(longurl + strlen(longurl), 'a', 2060);
	strcpy(longurl + 2080, "\"}");
	PARSES_AS(longurl, JOB_PARSE_INVALID, "url over 2048 bytes: 422");
	ok(parse("{}", &msg) == JOB_PARSE_INVALID && strcmp(msg, "url is required") == 0,
	    "missing url says so");

	/* Options: each valid value, and each invalid one refused naming the field. */
	{
		static const struct { const char *body; const char *field; } bad[] = {
			{ "{\"url\":\"http://x.org/\",\"width\":0}", "width" },
			{ "{\"url\":\"http://x.org/\",\"width\":1025}", "width" },
			{ "{\"url\":\"http://x.org/\",\"width\":\"100\"}", "width" },
			{ "{\"url\":\"http://x.org/\",\"width\":10.5}", "width" },
			{ "{\"url\":\"http://x.org/\",\"height\":-1}", "height" },
			{ "{\"url\":\"http://x.org/\",\"mode\":\"stretch\"}", "mode" },
			{ "{\"url\":\"http://x.org/\",\"mode\":1}", "mode" },
			{ "{\"url\":\"http://x.org/\",\"format\":\"gif\"}", "format" },
			{ "{\"url\":\"http://x.org/\",\"quality\":0}", "quality" },
			{ "{\"url\":\"http://x.org/\",\"quality\":101}", "quality" },
			{ "{\"url\":\"http://x.org/\",\"background\":\"red\"}", "background" },
			{ "{\"url\":\"http://x.org/\",\"background\":\"#12345\"}", "background" },
			{ "{\"url\":\"http://x.org/\",\"background\":\"#gggggg\"}", "background" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			enum job_parse_result r = parse(bad[i].body, &msg);

			ok(r == JOB_PARSE_INVALID && strncmp(msg, bad[i].field, strlen(bad[i].field)) == 0,
			    "422 naming %s: %s -> %s", bad[i].field, bad[i].body, msg);
		}
		const char *good = "{\"url\":\"http://x.org/a.png\",\"width\":300,\"height\":200,"
		    "\"mode\":\"pad\",\"format\":\"webp\",\"quality\":70,\"background\":\"#ff8000\"}";
		ok(job_request_parse(good, strlen(good), &limits, &req, &msg, msgbuf) == JOB_PARSE_OK,
		    "all options together parse");
		ok(req.opts.width == 300 && req.opts.height == 200 && req.opts.mode == IMAGE_PAD &&
		    req.opts.format == IMAGE_WEBP && req.opts.quality == 70 && req.opts.has_background &&
		    req.opts.background[0] == 0xff && req.opts.background[1] == 0x80 &&
		    req.opts.background[2] == 0 && req.opts.background[3] == 0xff,
		    "each option taken (#rrggbb is opaque)");
		char text[STORE_OPTS_MAX];
		struct image_request back;

		store_opts_format(&req.opts, text);
		is_str(text, "w=300;h=200;m=pad;f=webp;q=70;bg=ff8000ff", "canonical options text");
		ok(store_opts_parse(text, &back) == 0 && memcmp(&back, &req.opts, sizeof back) == 0,
		    "options text parses back to the same options");
		ok(store_opts_parse("w=300;h=200;m=pad;f=webp;q=70;bg=ff8000ff;x", &back) == -1,
		    "trailing junk in an options text is refused");
		ok(store_opts_parse("w=0;h=200;m=fit;f=auto;q=0;bg=-", &back) == -1,
		    "zero width in an options text is refused");
		ok(store_opts_parse("w=300;h=200;m=zoom;f=auto;q=0;bg=-", &back) == -1,
		    "unknown mode in an options text is refused");
		job_request_free(&req);
		const char *tr = "{\"url\":\"http://x.org/\",\"background\":\"transparent\"}";
		ok(job_request_parse(tr, strlen(tr), &limits, &req, &msg, msgbuf) == JOB_PARSE_OK &&
		    req.opts.has_background && req.opts.background[3] == 0, "transparent background");
		job_request_free(&req);
	}

	/* Job JSON, as the seed's clients read it. */
	struct job job;
	struct json_object *o, *v, *e;
	char *s;

	memset(&job, 0, sizeof job);
	strcpy(job.id, "96b725d0-14f5-48b7-b8b1-2182219fbf06");
	job.url = strdup("https://example.org/photo.jpg");
	job.status = JOB_QUEUED;
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(o != NULL, "queued job renders valid JSON: %s", s);
	ok(json_object_object_get_ex(o, "id", &v) &&
	    strcmp(json_object_get_string(v), job.id) == 0, "has id");
	ok(json_object_object_get_ex(o, "status", &v) &&
	    strcmp(json_object_get_string(v), "queued") == 0, "status queued");
	ok(!json_object_object_get_ex(o, "resized_url", &v), "no resized_url while queued");
	json_object_put(o);
	free(s);

	job.status = JOB_COMPLETED;
	job.path = strdup("thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg");
	job.width = 100;
	job.height = 67;
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(json_object_object_get_ex(o, "resized_url", &v) && strcmp(json_object_get_string(v),
	    "http://localhost:8080/thumbnails/96/b7/96b725d0-14f5-48b7-b8b1-2182219fbf06.jpg") == 0,
	    "completed job has absolute resized_url");
	ok(json_object_object_get_ex(o, "width", &v) && json_object_get_int(v) == 100, "width");
	ok(json_object_object_get_ex(o, "height", &v) && json_object_get_int(v) == 67, "height");
	ok(!json_object_object_get_ex(o, "error", &v), "no error when completed");
	json_object_put(o);
	free(s);
	/* Answered from another client's job (dedupe): its id is that job's
	 * capability, and never shown. */
	job.source_job = strdup("0b6f2c1e-7d3a-4e55-9a0c-5f1e2d3c4b5a");
	s = job_to_json(&job, "http://localhost:8080");
	ok(strstr(s, "source_job") == NULL && strstr(s, "0b6f2c1e") == NULL,
	    "the job it was answered from is not in its JSON: %s", s);
	free(s);

	job.status = JOB_FAILED;
	job.error_code = strdup("http_error");
	job.error_message = strdup("origin answered HTTP 404 \"quoted\" \x01");
	s = job_to_json(&job, "http://localhost:8080");
	o = json_tokener_parse(s);
	ok(o != NULL, "failed job with odd characters renders valid JSON");
	ok(json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "code", &v) &&
	    strcmp(json_object_get_string(v), "http_error") == 0, "error.code");
	ok(json_object_object_get_ex(e, "message", &v) &&
	    strstr(json_object_get_string(v), "HTTP 404") != NULL, "error.message");
	ok(!json_object_object_get_ex(o, "resized_url", &v), "no resized_url when failed");
	json_object_put(o);
	free(s);
	job_free(&job);

	test_golden();
	test_gravity();
	test_formats();
	test_variants();

	enum job_status st;
	ok(job_status_parse("processing", &st) == 0 && st == JOB_PROCESSING, "status parses");
	ok(job_status_parse("bogus", &st) == -1, "unknown status refused");
	return tap_done();
}
