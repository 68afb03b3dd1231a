/* test-webhook.c: the X-Thumbq-Signature value webhook_sign() computes.
 *
 * It is "sha256=" and the hex HMAC-SHA256 of timestamp "." body.  RFC 4231
 * test case 7 is the one whose data holds a full stop, so it splits into a
 * timestamp and a body whose signature must be the RFC's HMAC.  The other
 * values were computed with Python's hmac module (an implementation that
 * shares no code with libcrypto), e.g.
 *   "sha256=" + hmac.new(key, ts + b"." + body, hashlib.sha256).hexdigest()
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "webhook.h"

/* Signs and compares; body may hold NULs (len says where it ends). */
static void
sign_is(const char *secret, const char *ts, const char *body, size_t len, const char *want,
    const char *what)
{
	char out[WEBHOOK_SIGNATURE_MAX];

	memset(out, 'x', sizeof out);
	webhook_sign(secret, ts, body, len, out);
	is_str(out, want, "%s", what);
}

static void
test_rfc4231(void)
{
	char key[132], data[200];
	const char *dot;

	/* Test case 7: a 131-byte key of 0xaa, data longer than a block. */
	memset(key, 0xaa, 131);
	key[131] = '\0';
	strcpy(data, "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being used by the "
	    "HMAC algorithm.");
	dot = strchr(data, '.');
	data[dot - data] = '\0';
	sign_is(key, data, dot + 1, strlen(dot + 1),
	    "sha256=9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "RFC 4231 test case 7, split at its full stop");
}

static void
test_known(void)
{
	char key[26];

	sign_is("whsec_test", "1700000000", "{\"id\":\"abc\",\"status\":\"completed\"}", 33,
	    "sha256=629724ed458ca924fff262346f6c4fff9dce0982fb47509f248c835647efed40",
	    "a job-like body");
	sign_is("Jefe", "what do ya want", "for nothing?", 12,
	    "sha256=e33f91577b90d4b3bbd73cb61803074f1965d27701b5527942dd9ea9443af37c",
	    "RFC 4231 test case 2's key and data with a full stop");
	/* Test case 4's key: 0x01 .. 0x19. */
	for (int i = 0; i < 25; i++)
		key[i] = (char)(i + 1);
	key[25] = '\0';
	sign_is(key, "1", "2", 1,
	    "sha256=9f27013705c6496ff21092a05ee7ea7310f4cb43252c96c3ec3a4de83c5d05c6",
	    "RFC 4231 test case 4's key, short data");
	sign_is("", "", "", 0,
	    "sha256=0d0ab78babcce47b6860946aad720dcc13630f70074364b65665c4caefb81ecf",
	    "empty key, empty timestamp and body (data \".\")");
	sign_is("k", "1", "a\0b", 3,
	    "sha256=314cff594a3c35f214d16590d400c4ded1017c811d53496a784e390a7cd06d5d",
	    "a body with a NUL byte: len, not strlen, counts");
	sign_is("k", "1", "a\0bcdef", 3,
	    "sha256=314cff594a3c35f214d16590d400c4ded1017c811d53496a784e390a7cd06d5d",
	    "bytes past len are not signed");
}

static void
test_shape(void)
{
	char a[WEBHOOK_SIGNATURE_MAX], b[WEBHOOK_SIGNATURE_MAX];
	size_t n;
	int hex = 1;

	webhook_sign("secret", "1700000000", "{}", 2, a);
	n = strlen(a);
	is_int((long long)n, WEBHOOK_SIGNATURE_MAX - 1, "sha256= and 64 digits fill the buffer");
	ok(strncmp(a, "sha256=", 7) == 0, "starts with sha256=");
	for (size_t i = 7; i < n; i++)
		if (strchr("0123456789abcdef", a[i]) == NULL)
			hex = 0;
	ok(hex, "lower-case hex digits");
	webhook_sign("secret", "1700000001", "{}", 2, b);
	ok(strcmp(a, b) != 0, "another timestamp, another signature");
	webhook_sign("secreT", "1700000000", "{}", 2, b);
	ok(strcmp(a, b) != 0, "another secret, another signature");
	webhook_sign("secret", "1700000000", "{ }", 3, b);
	ok(strcmp(a, b) != 0, "another body, another signature");
	webhook_sign("secret", "1700000000", "{}", 2, b);
	is_str(b, a, "the same input signs the same");
}

int
main(void)
{
	test_rfc4231();
	test_known();
	test_shape();
	return tap_done();
}
