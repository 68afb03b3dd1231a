/* cgi.c: thumbq.fcgi started as a plain CGI program (see cgi.h).
 *
 * libfcgi's FCGX_ interface has no CGI fallback (only its stdio layer has,
 * fcgi_stdio.h, which would replace stdio in the whole program).  The
 * handlers read and write FCGX_Streams and look parameters up in an
 * FCGX_ParamArray; so this file gives them two streams of its own over
 * file descriptors 0 and 1, through the buffer procedures that
 * FCGX_Stream declares in fcgiapp.h, and the environment, which has the
 * NAME=value form of a parameter array.  Everything after that is the
 * FastCGI code path: a CGI "Status:" header is the same as FastCGI's. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cgi.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "xmalloc.h"

extern char **environ;

/* A request body is at most max_body_bytes (or a batch's bound); a few
 * reads of this size take any of them, and one write takes most answers. */
#define CGI_BUFSIZE 16384
/* The most a CGI request's body is read: the limit the shipped web server
 * configurations set (LimitRequestBody, server.max-request-size), above
 * every body the API takes with its default keys. */
#define CGI_MAX_BODY (1024 * 1024)

struct cgi_stream {
	FCGX_Stream s;
	int fd;
	unsigned char buf[CGI_BUFSIZE];
};

/* Refills a reader: the next bytes of standard input, or the end of it. */
static void
cgi_fill(FCGX_Stream *s)
{
	struct cgi_stream *cs = s->data;
	ssize_t n;

	do
		n = read(cs->fd, cs->buf, sizeof cs->buf);
	while (n == -1 && errno == EINTR);
	s->rdNext = s->stopUnget = cs->buf;
	s->stop = cs->buf + (n > 0 ? n : 0);
	/* libfcgi's readers take isClosed for the end of input, and expect a
	 * refill to give bytes or set it. */
	if (n <= 0) {
		s->isClosed = 1;
		s->FCGI_errno = n == -1 ? errno : 0;
	}
}

/* Empties a writer into standard output.  After a failure (the web server
 * went away) the stream is closed and every later write fails at once. */
static void
cgi_empty(FCGX_Stream *s, int doClose)
{
	struct cgi_stream *cs = s->data;
	const unsigned char *p = cs->buf;
	ssize_t n;

	(void)doClose;
	while (p < s->wrNext) {
		n = write(cs->fd, p, (size_t)(s->wrNext - p));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->isClosed = 1;
			s->FCGI_errno = n == -1 ? errno : EIO;
			s->wrNext = s->stop = cs->buf;
			return;
		}
		p += n;
	}
	s->wrNext = cs->buf;
	s->stop = cs->buf + sizeof cs->buf;
}

/* The pointers start as fcgiapp.h describes an empty stream of each kind:
 * a reader with nothing buffered, a writer with the whole buffer free. */
static void
cgi_stream_init(struct cgi_stream *cs, int fd, int reader)
{
	memset(cs, 0, sizeof *cs);
	cs->fd = fd;
	cs->s.data = cs;
	cs->s.isReader = reader;
	cs->s.fillBuffProc = cgi_fill;
	cs->s.emptyBuffProc = cgi_empty;
	cs->s.rdNext = cs->s.stop = cs->s.stopUnget = cs->buf;
	cs->s.wrNext = cs->buf;
	if (!reader) {
		cs->s.stop = cs->buf + sizeof cs->buf;
		cs->s.rdNext = cs->s.stop;
	} else
		cs->s.wrNext = cs->s.stop;
}

/* Reads a body whose length the web server did not give: Apache's mod_cgi
 * passes a chunked request body through as it comes, without
 * CONTENT_LENGTH (RFC 3875 asks the server for one).  The handlers size a
 * body by CONTENT_LENGTH, as they do behind FastCGI, where the web server
 * has counted it; so the body is read here, up to one byte more than
 * CGI_MAX_BODY (which is then too large for every route), and counted.
 * Returns the memory that holds it (free it), or NULL when there is no
 * such body. */
static unsigned char *
cgi_read_unsized(struct cgi_stream *in)
{
	const char *cl = getenv("CONTENT_LENGTH");
	const char *te = getenv("HTTP_TRANSFER_ENCODING");
	unsigned char *body;
	char len[24];
	size_t got = 0;
	ssize_t n;

	if ((cl != NULL && cl[0] != '\0') || te == NULL)
		return NULL;
	body = xmalloc(CGI_MAX_BODY + 1);
	while (got < CGI_MAX_BODY + 1) {
		n = read(in->fd, body + got, CGI_MAX_BODY + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	in->s.rdNext = in->s.stopUnget = body;
	in->s.stop = body + got;
	snprintf(len, sizeof len, "%zu", got);
	setenv("CONTENT_LENGTH", len, 1);
	return body;
}

/* Reads and drops what is left of a body that no handler read (an answer
 * such as 413 or 415 came first), so that the web server can finish
 * writing it: Apache's mod_cgi writes the whole body before it reads the
 * answer, and logs a broken pipe if the program has gone.  Bounded as
 * the body is. */
static void
cgi_drain(const struct request *req, struct cgi_stream *in)
{
	const char *cl = getenv("CONTENT_LENGTH");
	unsigned long long want;
	size_t got = 0;
	ssize_t n;

	if (req->body != NULL || in->s.isClosed || cl == NULL)
		return;
	want = strtoull(cl, NULL, 10);
	if (want > CGI_MAX_BODY)
		want = CGI_MAX_BODY;
	got = (size_t)(in->s.stop - in->s.rdNext);
	while (got < want) {
		n = read(in->fd, in->buf, sizeof in->buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
}

/* Writes out what is buffered; -1 if any of the answer was lost. */
static int
cgi_flush(struct cgi_stream *out)
{
	if (!out->s.isClosed)
		cgi_empty(&out->s, 1);
	if (out->s.isClosed) {
		log_err("event=cgi_write_failed error=\"%s\"",
		    strerror(out->s.FCGI_errno));
		return -1;
	}
	return 0;
}

int
cgi_serve(struct api *api)
{
	static struct cgi_stream in, out;
	struct request req;
	FCGX_Request fcgi;
	int rc;

	unsigned char *unsized;

	cgi_stream_init(&in, STDIN_FILENO, 1);
	cgi_stream_init(&out, STDOUT_FILENO, 0);
	/* Before the environment is taken: it may set CONTENT_LENGTH. */
	unsized = cgi_read_unsized(&in);
	memset(&fcgi, 0, sizeof fcgi);
	fcgi.in = &in.s;
	fcgi.out = &out.s;
	fcgi.envp = environ;
	if (request_init(&req, api, &fcgi) == -1)
		response_error(&req, 400, "bad_request",
		    "unusable request line", NULL);
	else
		routes_dispatch(api, &req);
	rc = cgi_flush(&out) == -1 ? 1 : 0;
	cgi_drain(&req, &in);
	request_free(&req);
	free(unsized);
	return rc;
}

int
cgi_refuse(void)
{
	static struct cgi_stream out;
	struct request req;

	cgi_stream_init(&out, STDOUT_FILENO, 0);
	memset(&req, 0, sizeof req);
	req.out = &out.s;
	response_error(&req, 500, "internal_error", "thumbq.fcgi cannot start: "
	    "the web server's error log says why", NULL);
	cgi_flush(&out);
	return 1;
}
