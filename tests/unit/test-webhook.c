/* test-webhook.c: the X-Thumbq-Signature value webhook_sign() computes, and
 * the sender that runs deliveries side by side.
 *
 * The signature is "sha256=" and the hex HMAC-SHA256 of timestamp "." body.  RFC 4231
 * test case 7 is the one whose data holds a full stop, so it splits into a
 * timestamp and a body whose signature must be the RFC's HMAC.  The other
 * values were computed with Python's hmac module (an implementation that
 * shares no code with libcrypto), e.g.
 *   "sha256=" + hmac.new(key, ts + b"." + body, hashlib.sha256).hexdigest()
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "joberror.h"
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

/* ---- the sender, against receivers on loopback that this test runs */

#define MAX_CONNS 8

/* A receiver on 127.0.0.1: a listening socket and what it accepted. */
struct receiver {
	int lfd;
	unsigned short port;
	int fds[MAX_CONNS];
	size_t nfds;
	char req[MAX_CONNS][4096];	/* what each sent, NUL-terminated */
	size_t reqlen[MAX_CONNS];
	size_t answered[MAX_CONNS];	/* bytes of req up to the last head answered */
	const char *answer;	/* written once a request is read; NULL: never */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
receiver_open(struct receiver *r, const char *answer)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;

	memset(r, 0, sizeof *r);
	r->answer = answer;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(r->lfd, (struct sockaddr *)&sin, sizeof sin) == -1 || listen(r->lfd, 16) == -1 ||
	    getsockname(r->lfd, (struct sockaddr *)&sin, &len) == -1 ||
	    fcntl(r->lfd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	r->port = ntohs(sin.sin_port);
	return 0;
}

static void
receiver_close(struct receiver *r)
{
	for (size_t i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	close(r->lfd);
}

/* Accepts and reads what has come, without blocking; answers each request
 * head that has come in full, if it is to answer (a connection may carry
 * one request after another). */
static void
receiver_serve(struct receiver *r)
{
	int fd;

	while (r->nfds < MAX_CONNS && (fd = accept(r->lfd, NULL, NULL)) != -1) {
		fcntl(fd, F_SETFL, O_NONBLOCK);
		r->fds[r->nfds++] = fd;
	}
	for (size_t i = 0; i < r->nfds; i++) {
		size_t room = sizeof r->req[i] - 1 - r->reqlen[i];
		ssize_t n;
		char *head;

		if (room == 0 || (n = read(r->fds[i], r->req[i] + r->reqlen[i], room)) <= 0)
			continue;
		r->reqlen[i] += (size_t)n;
		r->req[i][r->reqlen[i]] = '\0';
		while (r->answer != NULL &&
		    (head = strstr(r->req[i] + r->answered[i], "\r\n\r\n")) != NULL) {
			r->answered[i] = (size_t)(head + 4 - r->req[i]);
			if (write(r->fds[i], r->answer, strlen(r->answer)) < 0)
				diag("receiver: write failed");
		}
	}
}

/* A header's value in a request, into out; "" if absent. */
static void
header_value(const char *req, const char *name, char *out, size_t size)
{
	const char *p = strstr(req, name), *e;

	out[0] = '\0';
	if (p == NULL || (e = strstr(p, "\r\n")) == NULL)
		return;
	p += strlen(name);
	if ((size_t)(e - p) < size) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

struct outcome {
	int done, delivered;
	long status;
	char code[32];
	long long ms;		/* from the start */
};

/* Runs the sender until n deliveries are done or limit_ms pass, serving r;
 * each delivery's arg is its struct outcome.  Returns how many connections
 * r had accepted when the first delivery ended. */
static size_t
run_until(struct webhook_sender *ws, struct receiver *r, size_t n, long long limit_ms)
{
	long long start = now_ms();
	size_t done = 0, accepted_first = 0;

	while (done < n && now_ms() - start < limit_ms) {
		struct job_error err;
		struct outcome *o;
		int delivered;
		long status;

		webhook_run(ws, 10);
		receiver_serve(r);
		job_error_clear(&err);
		while ((o = webhook_finished(ws, &delivered, &status, &err)) != NULL) {
			if (done++ == 0)
				accepted_first = r->nfds;
			o->done = 1;
			o->delivered = delivered;
			o->status = status;
			snprintf(o->code, sizeof o->code, "%s", err.code ? err.code : "");
			o->ms = now_ms() - start;
			job_error_clear(&err);
		}
	}
	return accepted_first;
}

static struct webhook_sender *
sender(struct thumbq_conf *conf, const char *text, unsigned slots)
{
	struct webhook_sender *ws;
	char *cause = NULL;

	conf_defaults(conf);
	if (conf_parse_text(conf, text, "test", &cause) == -1) {
		diag(cause);
		return NULL;
	}
	if ((ws = webhook_sender_new(conf, slots, &cause)) == NULL)
		diag(cause);
	return ws;
}

/* Three deliveries to a receiver that reads and never answers: all three
 * are out at once (a courier is not stuck on one), each ends in a timeout
 * after webhook_timeout, and the secret given with each signs it. */
static void
test_concurrent(void)
{
	struct thumbq_conf conf;
	struct webhook_sender *ws;
	struct receiver r;
	struct outcome outs[3];
	struct job_error err;
	char url[64], ts[32], sig[WEBHOOK_SIGNATURE_MAX], want[WEBHOOK_SIGNATURE_MAX];
	const char *body;
	size_t accepted;
	int started = 0;

	memset(outs, 0, sizeof outs);
	ws = sender(&conf, "fetch_allow_networks = 127.0.0.0/8\nwebhook_timeout = 1\n", 3);
	if (!ok(ws != NULL && receiver_open(&r, NULL) == 0, "sender and receiver set up"))
		return;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", r.port);
	for (int i = 0; i < 3; i++) {
		job_error_clear(&err);
		started += webhook_start(ws, url, strdup("{\"n\": 1}"), "per-key secret", &outs[i],
		    &err) == 0;
	}
	is_int(started, 3, "three deliveries start");
	job_error_clear(&err);
	ok(webhook_start(ws, url, strdup("{}"), "", NULL, &err) == -1 &&
	    err.code != NULL && strcmp(err.code, "webhook_failed") == 0,
	    "a fourth, with every slot busy, does not start");
	accepted = run_until(ws, &r, 3, 5000);
	is_int((long long)accepted, 3, "the receiver had all three connections before any ended");
	for (int i = 0; i < 3; i++) {
		ok(outs[i].done && !outs[i].delivered && strcmp(outs[i].code, "timeout") == 0,
		    "delivery %d ends in a timeout (code %s)", i + 1, outs[i].code);
		ok(outs[i].ms >= 900 && outs[i].ms < 2500,
		    "delivery %d ends after webhook_timeout, 1 s (%lld ms), side by side", i + 1,
		    outs[i].ms);
	}
	header_value(r.req[0], "X-Thumbq-Timestamp: ", ts, sizeof ts);
	header_value(r.req[0], "X-Thumbq-Signature: ", sig, sizeof sig);
	body = strstr(r.req[0], "\r\n\r\n");
	webhook_sign("per-key secret", ts, "{\"n\": 1}", 8, want);
	ok(body != NULL && strcmp(body + 4, "{\"n\": 1}") == 0, "the body is sent as given");
	is_str(sig, want, "signed with the secret given with the delivery");
	receiver_close(&r);
	webhook_sender_free(ws);
	conf_free(&conf);
}

/* An answer: 2xx delivered, anything else not; the slot is free again. */
static void
test_answers(void)
{
	struct thumbq_conf conf;
	struct webhook_sender *ws;
	struct receiver r;
	struct outcome o[2];
	struct job_error err;
	char url[64];

	memset(o, 0, sizeof o);
	ws = sender(&conf, "fetch_allow_networks = 127.0.0.0/8\nwebhook_timeout = 5\n", 1);
	if (!ok(ws != NULL && receiver_open(&r, "HTTP/1.1 204 No Content\r\n"
	    "Content-Length: 0\r\n\r\n") == 0, "sender and answering receiver set up"))
		return;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", r.port);
	job_error_clear(&err);
	ok(webhook_start(ws, url, strdup("{}"), "", &o[0], &err) == 0, "a delivery starts");
	run_until(ws, &r, 1, 5000);
	ok(o[0].done && o[0].delivered && o[0].status == 204, "204: delivered (status %ld)",
	    o[0].status);
	ok(strstr(r.req[0], "X-Thumbq-Signature") == NULL, "an empty secret: not signed");
	r.answer = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n";
	job_error_clear(&err);
	ok(webhook_start(ws, url, strdup("{}"), "", &o[1], &err) == 0,
	    "the slot takes the next delivery");
	run_until(ws, &r, 1, 5000);
	ok(o[1].done && !o[1].delivered && o[1].status == 302 &&
	    strcmp(o[1].code, "http_error") == 0, "302: not delivered, not followed (%s)",
	    o[1].code);
	receiver_close(&r);
	webhook_sender_free(ws);
	conf_free(&conf);
}

/* The address policy: without fetch_allow_networks, loopback is refused at
 * the socket, so the receiver never sees a connection; a URL that is not
 * http(s) never starts. */
static void
test_policy(void)
{
	struct thumbq_conf conf;
	struct webhook_sender *ws;
	struct receiver r;
	struct outcome o;
	struct job_error err;
	char url[64];

	memset(&o, 0, sizeof o);
	ws = sender(&conf, "webhook_timeout = 5\n", 2);
	if (!ok(ws != NULL && receiver_open(&r, NULL) == 0, "default policy: set up"))
		return;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", r.port);
	job_error_clear(&err);
	ok(webhook_start(ws, url, strdup("{}"), "", &o, &err) == 0, "a loopback delivery starts");
	run_until(ws, &r, 1, 5000);
	ok(o.done && !o.delivered && strcmp(o.code, "address_blocked") == 0,
	    "it ends address_blocked (%s)", o.code);
	is_int((long long)r.nfds, 0, "the receiver saw no connection");
	job_error_clear(&err);
	ok(webhook_start(ws, "ftp://127.0.0.1/hook", strdup("{}"), "", &o, &err) == -1 &&
	    err.code != NULL && strcmp(err.code, "url_invalid") == 0, "ftp: url_invalid at once");
	receiver_close(&r);
	webhook_sender_free(ws);
	conf_free(&conf);
}

int
main(void)
{
	test_rfc4231();
	test_known();
	test_shape();
	test_concurrent();
	test_answers();
	test_policy();
	return tap_done();
}
