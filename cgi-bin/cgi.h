/* cgi.h: thumbq.fcgi started as a plain CGI program.
 *
 * Shared hosts run the programs of a customer's cgi-bin through Apache's
 * mod_cgi (or lighttpd's): one process per request, the request's
 * parameters in the environment, its body on standard input, the answer on
 * standard output.  The same binary answers that way when the web server
 * did not hand it a FastCGI listening socket (FCGX_IsCGI), with the same
 * routes, errors and headers. */
#ifndef THUMBQ_CGI_H
#define THUMBQ_CGI_H

#include "request.h"

/* Answers the one request of this CGI invocation.  Returns the exit
 * status: 0, or 1 if the answer could not be written. */
int cgi_serve(struct api *api);
/* Answers a request that cannot be served at all (the configuration did
 * not load: its cause is in the log, the web server's error log) with a
 * JSON 500, so that the client gets the API's error shape, not an empty
 * answer.  Returns the exit status. */
int cgi_refuse(void);

#endif
