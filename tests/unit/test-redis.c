/* test-redis.c: commands are built in the Redis protocol one typed argument
 * at a time, exactly as Redis reads them, and a command past the cap is
 * never sent; replies' numbers are parsed with bounds, and an array reply's
 * length is bounded before hiredis allocates it.  No Redis is needed:
 * nothing here connects (tests/integration runs the commands). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "redis.h"
#include "tap.h"

static const char *const scripts[] = { "return 1" };

/* The command built so far, as a C string (the tests' commands hold no
 * NUL but where they say so). */
static const char *
text(struct redis *r)
{
	size_t len;
	const char *t = redis_cmd_text(r, &len);

	return t != NULL ? t : "(failed)";
}

static void
test_plain(struct redis *r)
{
	size_t len;

	redis_begin(r, "HGETALL");
	redis_arg_fmt(r, "%sjob:{%s}", "thumbq:", "x");
	is_str(text(r), "*2\r\n$7\r\nHGETALL\r\n$14\r\nthumbq:job:{x}\r\n",
	    "a command is its count, then each argument with its length");

	redis_begin(r, "ZADD");
	redis_arg_u64(r, 0);
	redis_arg_u64(r, 18446744073709551615ULL);
	redis_arg_i64(r, -9223372036854775807LL - 1);
	redis_arg_i64(r, 42);
	redis_arg_str(r, "");
	is_str(text(r), "*6\r\n$4\r\nZADD\r\n$1\r\n0\r\n"
	    "$20\r\n18446744073709551615\r\n$20\r\n-9223372036854775808\r\n"
	    "$2\r\n42\r\n$0\r\n\r\n",
	    "numbers are written as decimals, the empty string as $0");

	redis_begin(r, "SET");
	redis_arg(r, "a\0b\r\n", 5);
	ok(redis_cmd_text(r, &len) != NULL && len == 24 &&
	    memcmp(redis_cmd_text(r, &len), "*2\r\n$3\r\nSET\r\n$5\r\na\0b\r\n\r\n",
	    24) == 0, "an argument may hold any byte: it is counted, not "
	    "scanned");

	redis_begin(r, "ECHO");
	{
		char big[600];

		memset(big, 'y', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		redis_arg_fmt(r, "%s%s", big, "z");
		ok(strstr(text(r), "$600\r\nyyy") != NULL &&
		    strstr(text(r), "yz\r\n") != NULL,
		    "a formatted argument longer than its first guess is whole");
	}
}

static void
test_script(struct redis *r)
{
	redis_begin_script(r, 0);
	redis_arg_str(r, "thumbq:");
	redis_arg_u64(r, 7);
	is_str(text(r), "*5\r\n$7\r\nEVALSHA\r\n$40\r\n"
	    "0000000000000000000000000000000000000000\r\n"
	    "$1\r\n0\r\n$7\r\nthumbq:\r\n$1\r\n7\r\n",
	    "a script runs as EVALSHA SHA1 0 ARGV... (its SHA1 learnt on "
	    "first run)");
}

/* The cap is REDIS_CMD_MAX: a command that would pass it fails whole and
 * is never sent, and the next command is built afresh. */
static void
test_cap(struct redis *r)
{
	size_t half = REDIS_CMD_MAX / 2, len;
	char *big = malloc(half);

	memset(big, 'u', half);
	redis_begin(r, "RPUSH");
	redis_arg(r, big, half);
	ok(redis_cmd_text(r, &len) != NULL && len > half, "half the cap fits");
	redis_arg(r, big, half);
	ok(redis_cmd_text(r, &len) == NULL, "past the cap the command fails");
	ok(redis_run(r) == NULL && strstr(redis_error(r), "over") != NULL,
	    "and runs as an error without connecting: %s", redis_error(r));
	redis_begin(r, "PING");
	is_str(text(r), "*1\r\n$4\r\nPING\r\n", "the next command is whole");
	free(big);
}

static void
test_numbers(void)
{
	unsigned long long v = 7;

	ok(redis_parse_ull("18446744073709551615", 20, ~0ULL, &v) == 0 &&
	    v == ~0ULL, "the largest decimal parses");
	ok(redis_parse_ull("18446744073709551616", 20, ~0ULL, &v) == -1,
	    "one more overflows and is refused");
	ok(redis_parse_ull("101", 3, 100, &v) == -1, "past max is refused");
	ok(redis_parse_ull("", 0, 100, &v) == -1, "empty is refused");
	ok(redis_parse_ull("-1", 2, 100, &v) == -1 &&
	    redis_parse_ull("1x", 2, 100, &v) == -1 &&
	    redis_parse_ull(" 1", 2, 100, &v) == -1,
	    "anything but digits is refused");
	ok(redis_parse_ull("0012", 4, 100, &v) == 0 && v == 12,
	    "leading zeros are digits");
}

/* Feeds text to a bounded reader; returns the reply, or NULL on error. */
static redisReply *
read_reply(const char *text, size_t len, char *err, size_t errlen)
{
	redisReader *rd = redisReaderCreate();
	void *reply = NULL;

	redis_reader_bound(rd);
	if (redisReaderFeed(rd, text, len) != REDIS_OK ||
	    redisReaderGetReply(rd, &reply) != REDIS_OK)
		reply = NULL;
	snprintf(err, errlen, "%s", rd->err ? rd->errstr : "");
	redisReaderFree(rd);
	return reply;
}

/*
 * hiredis 0.14 allocates an array's element pointers from the count alone:
 * a count above a million is refused before it does (8 GB for a billion).
 */
static void
test_reader_bound(void)
{
	static const char small[] = "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n"
	    ":3\r\n";
	static const char million[] = "*1048576\r\n";
	static const char huge[] = "*1000000000\r\n:1\r\n";
	static const char nested[] = "*1\r\n*2000000\r\n";
	redisReply *reply;
	char err[128];

	reply = read_reply(small, sizeof small - 1, err, sizeof err);
	ok(reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
	    reply->elements == 3 && reply->element[1]->elements == 2 &&
	    reply->element[1]->element[1]->type == REDIS_REPLY_NIL,
	    "a nested array reply reads through the bounded reader");
	if (reply != NULL)
		freeReplyObject(reply);
	reply = read_reply(million, sizeof million - 1, err, sizeof err);
	ok(reply == NULL && err[0] == '\0', "2^20 elements are allowed "
	    "(the reply waits for them)");
	reply = read_reply(huge, sizeof huge - 1, err, sizeof err);
	ok(reply == NULL && err[0] != '\0', "an array of a billion elements "
	    "is refused before it is allocated: %s", err);
	reply = read_reply(nested, sizeof nested - 1, err, sizeof err);
	ok(reply == NULL && err[0] != '\0', "so is one nested in another: %s",
	    err);
}

int
main(void)
{
	struct thumbq_conf conf;
	struct redis *r;

	conf_defaults(&conf);
	/* Nothing listens here: the tests never connect. */
	r = redis_new(&conf, scripts, 1);
	test_plain(r);
	test_script(r);
	test_cap(r);
	test_numbers();
	test_reader_bound();
	redis_free(r);
	conf_free(&conf);
	return tap_done();
}
