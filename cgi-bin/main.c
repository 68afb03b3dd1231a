/* main.c: thumbq.fcgi, the API's responder, over FastCGI or CGI.
 *
 * As FastCGI (lighttpd mod_fastcgi, Apache mod_fcgid, spawn-fcgi, a systemd
 * socket) it is a stateless process: the web server starts as many as it
 * wants and hands each one request at a time on the listening socket at
 * fd 0.  Each keeps one Redis connection for its life and reconnects when
 * it breaks.
 *
 * As plain CGI (Apache mod_cgi, lighttpd mod_cgi: fd 0 is not a listening
 * socket) the same program answers the one request of its environment and
 * exits (cgi.c); it connects to Redis for that request alone. */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cgi.h"
#include "conf.h"
#include "log.h"
#include "response.h"
#include "routes.h"
#include "storage.h"
#include "store.h"

static void
usage(void)
{
	fprintf(stderr, "usage: thumbq.fcgi [-c thumbq.conf]\n");
	exit(2);
}

/* The configuration, when no -c names one: $THUMBQ_CONF (which SetEnv in
 * an .htaccess file sets for a CGI program), else thumbq.conf beside the
 * program, if there is one, else the compiled-in default.  Beside the
 * program is for a copy dropped into a cgi-bin directory, where nothing
 * sets the environment of a mod_fcgid process.  The program's own path is
 * argv[0] when it has a slash; Apache's mod_cgi passes only the file name
 * there, and the path in SCRIPT_FILENAME. */
static const char *
main_conf_path(const char *argv0, int cgi, char *buf, size_t size)
{
	const char *env = getenv("THUMBQ_CONF"), *prog = argv0, *slash;
	struct stat sb;

	if (env != NULL && env[0] != '\0')
		return env;
	if (strchr(prog, '/') == NULL && cgi)
		prog = getenv("SCRIPT_FILENAME");
	if (prog == NULL || (slash = strrchr(prog, '/')) == NULL)
		return conf_default_path();
	if ((size_t)snprintf(buf, size, "%.*s/thumbq.conf", (int)(slash - prog),
	    prog) < size && stat(buf, &sb) == 0)
		return buf;
	return conf_default_path();
}

/* One request after another from the web server, until it closes the
 * listening socket or the process is told to stop. */
static void
main_fastcgi(struct api *api)
{
	FCGX_Request fcgi;

	if (FCGX_InitRequest(&fcgi, 0, 0) != 0)
		fatal("event=fcgi_init_failed");
	while (FCGX_Accept_r(&fcgi) >= 0) {
		struct request req;

		if (request_init(&req, api, &fcgi) == -1)
			response_error(&req, 400, "bad_request",
			    "unusable request line", NULL);
		else
			routes_dispatch(api, &req);
		/* FCGX_Finish_r closes the connection gracefully: it
		 * half-closes it, then waits (up to 2 s) for the web server to
		 * close its end, reading and discarding whatever still comes,
		 * so that unread input cannot reset the connection and lose
		 * the answer.  Once the input has been read to its end nothing
		 * more can come (the FastCGI spec has the application close
		 * the connection after its answer), and that wait is a sleep
		 * and a wake-up per request for nothing: it held each process
		 * until lighttpd had got round to the answer (bench/run --only
		 * api: POST 5460 -> 8920 req/s, GET 10660 -> 17500).
		 * FCGX_Detach is how libfcgi is told to close at once; in
		 * libfcgi 2.4 it does nothing else.  Not on a connection the
		 * web server keeps open for more requests (FCGI_KEEP_CONN):
		 * the flag would outlive this request. */
		if (!fcgi.keepConnection && request_input_done(&req))
			FCGX_Detach(&fcgi);
		request_free(&req);
		FCGX_Finish_r(&fcgi);
	}
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL;
	char conf_buf[PATH_MAX];
	struct thumbq_conf conf;
	struct api api;
	char *cause = NULL;
	int ch, cgi, rc = 0;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		default: usage();
		}
	}
	log_open("thumbq.fcgi", 0);
	if (FCGX_Init() != 0)
		fatal("event=fcgi_init_failed");
	/* FastCGI hands over a listening socket as fd 0; anything else (the
	 * pipe of mod_cgi, a file, a terminal) means CGI. */
	cgi = FCGX_IsCGI();
	if (cgi && getenv("REQUEST_METHOD") == NULL) {
		fprintf(stderr, "thumbq.fcgi: not started by a web server: "
		    "FastCGI needs a listening socket as standard input, CGI "
		    "the request in REQUEST_METHOD and REQUEST_URI\n");
		return 2;
	}
	if (conf_path == NULL)
		conf_path = main_conf_path(argv[0], cgi, conf_buf,
		    sizeof conf_buf);
	if (conf_load(&conf, conf_path, &cause) == -1) {
		if (!cgi)
			fatal("event=config_failed error=\"%s\"", cause);
		log_err("event=config_failed error=\"%s\"", cause);
		return cgi_refuse();
	}
	if (strcmp(conf.log, "syslog") == 0)
		log_open("thumbq.fcgi", 1);
	log_set_level(log_level_parse(conf.log_level));
	/* A client that hangs up mid-answer must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	api.conf = &conf;
	api.store = store_new(&conf);
	api.storage = storage_new(&conf);
	if (cgi)
		rc = cgi_serve(&api);
	else
		main_fastcgi(&api);
	store_free(api.store);
	storage_free(api.storage);
	conf_free(&conf);
	return rc;
}
