/* null-fcgi.c: the API floor for bench/run.
 *
 * A FastCGI responder that does nothing: it reads the request body (as
 * thumbq.fcgi does for a POST) and answers every request with the same 201,
 * with the headers and a body of the size of a real job JSON.  bench/run
 * compiles it with `cc bench/null-fcgi.c -lfcgi` and puts it behind the same
 * lighttpd configuration (lighttpd/thumbq.conf, unchanged) in place of
 * thumbq.fcgi, so the difference between the two is the cost of thumbq.fcgi's
 * own work: parsing, JSON, ids and the Redis round trip.  It closes the
 * connection the way thumbq.fcgi does (at once, FCGX_Detach, once its input
 * is read to the end), so that the floor is the best a responder can do
 * behind that configuration, not one that waits for lighttpd to hang up. */
#include <signal.h>
#include <string.h>

#include <fcgiapp.h>

static const char head[] =
    "Status: 201 Created\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 119\r\n"
    "Cache-Control: no-store\r\n"
    "Location: /v1/thumbnails/00000000-0000-4000-8000-000000000000\r\n"
    "\r\n";
/* 118 bytes and a newline, like a job just created. */
static const char body[] =
    "{ \"id\": \"00000000-0000-4000-8000-000000000000\", \"url\": "
    "\"http://127.0.0.1:1/x.jpg\", \"status\": \"queued\", \"attempts\": 0 }\n";

int
main(void)
{
	FCGX_Request req;
	char buf[4096];

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, (int)sizeof buf, req.in) > 0)
			;
		FCGX_PutStr(head, (int)(sizeof head - 1), req.out);
		FCGX_PutStr(body, (int)(sizeof body - 1), req.out);
		if (!req.keepConnection)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	return 0;
}
