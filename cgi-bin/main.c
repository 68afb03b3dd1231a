/* main.c: thumbq.fcgi, the FastCGI responder.
 *
 * A stateless process: the web server (lighttpd mod_fastcgi, Apache
 * mod_fcgid, or spawn-fcgi) starts as many as it wants and hands each one
 * request at a time on the listening socket at fd 0.  Each keeps one Redis
 * connection for its life and reconnects when it breaks. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "conf.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "store.h"

static void
usage(void)
{
	fprintf(stderr, "usage: thumbq.fcgi [-c thumbq.conf]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *conf_path = conf_default_path();
	struct thumbq_conf conf;
	struct api api;
	FCGX_Request fcgi;
	char *cause = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		default: usage();
		}
	}
	log_open("thumbq.fcgi", 0);
	if (conf_load(&conf, conf_path, &cause) == -1)
		fatal("event=config_failed error=\"%s\"", cause);
	if (strcmp(conf.log, "syslog") == 0)
		log_open("thumbq.fcgi", 1);
	/* A client that hangs up mid-answer must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	api.conf = &conf;
	api.store = store_new(&conf);
	if (FCGX_Init() != 0)
		fatal("event=fcgi_init_failed");
	if (FCGX_InitRequest(&fcgi, 0, 0) != 0)
		fatal("event=fcgi_init_failed");
	while (FCGX_Accept_r(&fcgi) >= 0) {
		struct request req;

		if (request_init(&req, &api, &fcgi) == -1)
			response_error(&req, 400, "bad_request", "unusable request line", NULL);
		else
			routes_dispatch(&api, &req);
		/* FCGX_Finish_r closes the connection gracefully: it half-closes
		 * it, then waits (up to 2 s) for the web server to close its end,
		 * reading and discarding whatever still comes, so that unread
		 * input cannot reset the connection and lose the answer.  Once
		 * the input has been read to its end nothing more can come (the
		 * FastCGI spec has the application close the connection after
		 * its answer), and that wait is a sleep and a wake-up per request
		 * for nothing: it held each process until lighttpd had got round
		 * to the answer (bench/run --only api: POST 5460 -> 8920 req/s,
		 * GET 10660 -> 17500).  FCGX_Detach is how libfcgi is told to
		 * close at once; in libfcgi 2.4 it does nothing else.  Not on a
		 * connection the web server keeps open for more requests
		 * (FCGI_KEEP_CONN): the flag would outlive this request. */
		if (!fcgi.keepConnection && request_input_done(&req))
			FCGX_Detach(&fcgi);
		request_free(&req);
		FCGX_Finish_r(&fcgi);
	}
	store_free(api.store);
	conf_free(&conf);
	return 0;
}
