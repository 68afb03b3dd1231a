/* test-buf.c: the capped text buffer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

static void
test_append(void)
{
	struct buf b;

	buf_init(&b, 64);
	is_str(buf_str(&b), "", "a new buffer reads empty");
	ok(buf_lit(&b, "{ \"id\": ") == 0, "literal appended");
	ok(buf_addu(&b, 0) == 0 && buf_addc(&b, ',') == 0 &&
	    buf_addu(&b, 18446744073709551615ULL) == 0, "numbers appended");
	ok(buf_addf(&b, " %s=%d", "w", -7) == 0, "formatted text appended");
	is_str(buf_str(&b), "{ \"id\": 0,18446744073709551615 w=-7",
	    "the text is what was appended");
	is_int(b.len, strlen(buf_str(&b)), "len counts every byte");
	ok(!buf_failed(&b), "nothing failed");
	buf_free(&b);
}

/* The cap is exact: max bytes fit, one more fails, and a failed append
 * leaves the text as it was. */
static void
test_cap(void)
{
	struct buf b;
	char big[100];

	memset(big, 'x', sizeof big);
	buf_init(&b, 10);
	ok(buf_add(&b, big, 10) == 0, "exactly the cap fits");
	ok(buf_addc(&b, 'y') == -1, "one byte past the cap fails");
	ok(buf_failed(&b), "the failure sticks");
	is_int(b.len, 10, "a failed append adds nothing");
	is_str(buf_str(&b), "xxxxxxxxxx", "the text is unchanged");
	ok(buf_addf(&b, "%d", 1) == -1, "a formatted append past the cap fails");
	buf_reset(&b);
	ok(!buf_failed(&b) && b.len == 0, "reset empties and clears the failure");
	ok(buf_add(&b, big, 11) == -1, "one large append past the cap fails");
	is_int(b.len, 0, "and adds nothing");
	ok(b.alloc <= 11, "memory never grows past the cap and its NUL");
	buf_free(&b);

	buf_init(&b, 0);
	ok(buf_add(&b, "", 0) == 0, "a zero-cap buffer takes nothing");
	ok(buf_addc(&b, 'a') == -1, "and refuses a byte");
	buf_free(&b);
}

static void
test_growth(void)
{
	struct buf b;
	char *s;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	ok(!buf_failed(&b) && b.len == 100000, "100000 appends grow the buffer");
	ok(buf_str(&b)[99999] == 'a' + 99999 % 26 && buf_str(&b)[100000] == '\0',
	    "the last byte and the NUL are in place");
	s = buf_take(&b);
	ok(strlen(s) == 100000, "take hands the text over");
	is_str(buf_str(&b), "", "and leaves the buffer empty");
	free(s);
	s = buf_take(&b);
	is_str(s, "", "taking an empty buffer gives an empty string");
	free(s);
	buf_free(&b);
}

int
main(void)
{
	test_append();
	test_cap();
	test_growth();
	return tap_done();
}
