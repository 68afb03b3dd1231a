/* fetch.c: download one URL into memory with libcurl, bounded in bytes,
 * time and destinations.
 *
 * Where a request may go is decided at the socket, not at the URL: the
 * CURLOPT_OPENSOCKETFUNCTION callback sees every address libcurl is about to
 * connect to (each address of a name, each redirect hop, each retry) and
 * refuses those urlpolicy_check_addr() denies, before a packet is sent.
 *
 * Connection reuse.  libcurl keeps finished connections in the handle's
 * cache and reuses one for a later request to the same scheme, host and
 * port, without opening a socket and so without calling the open-socket
 * callback.  That is safe here because every connection in the cache was
 * opened through the callback by this same fetcher, and the allow list it
 * was judged against is fixed for the fetcher's life (a configuration reload
 * replaces the worker children, and with them their fetchers).  So a reused
 * connection goes to an address that passed the very check a new one would
 * face, and CURLOPT_FORBID_REUSE would only cost a handshake per job.  A
 * DNS answer that changes meanwhile (rebinding) cannot slip through either:
 * a new address means a new socket, which is checked.  As a second lock, on
 * libcurl 7.80 and later the pre-request callback re-checks the peer address
 * of whatever connection, new or reused, a request is about to be sent on.
 * Proxies are switched off (CURLOPT_PROXY ""), since through a proxy the
 * checked socket address would be the proxy's, not the origin's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "conf.h"
#include "fetch.h"
#include "joberror.h"
#include "log.h"
#include "urlpolicy.h"
#include "xmalloc.h"

#define FETCH_LOW_SPEED_LIMIT	1024L	/* bytes per second ... */
#define FETCH_LOW_SPEED_TIME	10L	/* ... for this many seconds aborts */
#define FETCH_FIRST_ALLOC	(64 * 1024)

struct fetcher {
	CURL		*curl;
	int		 global_init;	/* curl_global_init() to undo */
	struct netlist	*allow;		/* fetch_allow_networks */
	struct netlist	*nat64;		/* fetch_nat64_prefixes */

	unsigned	 connect_timeout;
	unsigned	 timeout;
	size_t		 max_bytes;
	unsigned	 max_redirects;
	size_t		 max_url_bytes;
	char		*user_agent;

	unsigned char	*buf;		/* body: max_bytes at most, + NUL */
	size_t		 len;
	size_t		 size;

	/* Why this job's transfer was stopped by one of our callbacks. */
	int		 too_large;
	curl_off_t	 content_length;	/* if too_large by it */
	int		 blocked;
	char		 blocked_addr[INET6_ADDRSTRLEN];
	const char	*blocked_cause;

	char		 errbuf[CURL_ERROR_SIZE];
};

/* Remembers the first refused address of a job, for the error message. */
static void
fetch_block(struct fetcher *f, int family, const void *in, const char *cause)
{
	if (f->blocked)
		return;
	f->blocked = 1;
	f->blocked_cause = cause;
	if (inet_ntop(family, in, f->blocked_addr,
	    sizeof f->blocked_addr) == NULL)
		strcpy(f->blocked_addr, "address");
}

/*
 * libcurl calls this instead of socket(2) for every connection it opens.
 * Returning CURL_SOCKET_BAD makes it try the name's next address, or fail
 * with CURLE_COULDNT_CONNECT, which fetch_result_error() turns into
 * address_blocked.
 */
static curl_socket_t
fetch_opensocket(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *address)
{
	struct fetcher *f = clientp;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const char *cause;

	(void)purpose;
	if (urlpolicy_check_addr(&address->addr, address->addrlen, f->allow,
	    f->nat64, &cause) != 0) {
		if (address->family == AF_INET &&
		    address->addrlen >= sizeof sin) {
			memcpy(&sin, &address->addr, sizeof sin);
			fetch_block(f, AF_INET, &sin.sin_addr, cause);
		} else if (address->family == AF_INET6 &&
		    address->addrlen >= sizeof sin6) {
			memcpy(&sin6, &address->addr, sizeof sin6);
			fetch_block(f, AF_INET6, &sin6.sin6_addr, cause);
		} else
			fetch_block(f, AF_UNSPEC, NULL, cause);
		log_debug("event=fetch_blocked addr=%s cause=\"%s\"",
		    f->blocked_addr, cause);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000
/*
 * Called before each request is sent, on a new or a reused connection, with
 * the address it is connected to.  The open-socket check has already
 * decided; this one fails closed if a connection ever reached the request
 * stage without it (see the comment at the top of this file).
 */
static int
fetch_prereq(void *clientp, char *primary_ip, char *local_ip,
    int primary_port, int local_port)
{
	struct fetcher *f = clientp;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const char *cause;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, primary_ip, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		if (urlpolicy_check_addr((struct sockaddr *)&sin, sizeof sin,
		    f->allow, f->nat64, &cause) == 0)
			return CURL_PREREQFUNC_OK;
		fetch_block(f, AF_INET, &sin.sin_addr, cause);
	} else if (inet_pton(AF_INET6, primary_ip, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		if (urlpolicy_check_addr((struct sockaddr *)&sin6, sizeof sin6,
		    f->allow, f->nat64, &cause) == 0)
			return CURL_PREREQFUNC_OK;
		fetch_block(f, AF_INET6, &sin6.sin6_addr, cause);
	} else
		fetch_block(f, AF_UNSPEC, NULL, "not an IP address");
	log_warn("event=fetch_blocked_late addr=%s cause=\"%s\"",
	    f->blocked_addr, f->blocked_cause);
	return CURL_PREREQFUNC_ABORT;
}
#endif

/*
 * Collects the body.  The buffer doubles as it fills but never beyond
 * max_bytes + 1, and a body that would pass max_bytes, or announces with
 * Content-Length that it will, stops the transfer: memory stays bounded by
 * the cap whatever the origin claims or sends.  A Content-Length within the
 * cap sizes the first buffer, so that a large image is not copied over and
 * over as the buffer doubles (a lying one costs no more than the cap).
 */
static size_t
fetch_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct fetcher *f = userdata;
	size_t n = nmemb, want;
	curl_off_t cl = -1;

	(void)size;	/* always 1 for the write callback */
	if (f->len == 0 &&
	    curl_easy_getinfo(f->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &cl) == CURLE_OK && cl > 0 && (curl_off_t)f->max_bytes < cl) {
		f->too_large = 1;
		f->content_length = cl;
		return 0;
	}
	if (n > f->max_bytes - f->len) {
		f->too_large = 1;
		return 0;
	}
	if (f->len + n + 1 > f->size) {
		want = f->size == 0 ? FETCH_FIRST_ALLOC : f->size;
		if (f->len == 0 && cl > 0 && (size_t)cl + 1 > want)
			want = (size_t)cl + 1;
		while (want < f->len + n + 1 && want <= f->max_bytes / 2)
			want *= 2;
		if (want < f->len + n + 1 || want > f->max_bytes + 1)
			want = f->max_bytes + 1;
		f->buf = xrealloc(f->buf, want);
		f->size = want;
	}
	memcpy(f->buf + f->len, ptr, n);
	f->len += n;
	f->buf[f->len] = '\0';
	return n;
}

/* Sets a curl option, counting a failure instead of stopping at it. */
#define FETCH_SETOPT(f, opt, val, bad) do {				\
	if (curl_easy_setopt((f)->curl, (opt), (val)) != CURLE_OK) {	\
		log_err("event=fetch_setopt option=%s", #opt);		\
		(bad)++;						\
	}								\
} while (0)

/*
 * Puts every option on the handle.  Called for each job after
 * curl_easy_reset(), so nothing one job set can leak into the next, while the
 * handle keeps its connection and DNS caches.  Every option here is part of
 * the policy, so one that libcurl refuses makes the fetch fail rather than
 * run without it.
 */
static int
fetch_setopts(struct fetcher *f)
{
	int bad = 0;

	FETCH_SETOPT(f, CURLOPT_ERRORBUFFER, f->errbuf, bad);
	FETCH_SETOPT(f, CURLOPT_NOSIGNAL, 1L, bad);
	FETCH_SETOPT(f, CURLOPT_NOPROGRESS, 1L, bad);
	FETCH_SETOPT(f, CURLOPT_PROXY, "", bad);

#if LIBCURL_VERSION_NUM >= 0x075500
	FETCH_SETOPT(f, CURLOPT_PROTOCOLS_STR, "http,https", bad);
	FETCH_SETOPT(f, CURLOPT_REDIR_PROTOCOLS_STR, "http,https", bad);
#else
	FETCH_SETOPT(f, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS), bad);
	FETCH_SETOPT(f, CURLOPT_REDIR_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS), bad);
#endif
	FETCH_SETOPT(f, CURLOPT_DISALLOW_USERNAME_IN_URL, 1L, bad);
	FETCH_SETOPT(f, CURLOPT_FOLLOWLOCATION, 1L, bad);
	FETCH_SETOPT(f, CURLOPT_MAXREDIRS, (long)f->max_redirects, bad);
	/* Status >= 400 ends the transfer before any error body is read. */
	FETCH_SETOPT(f, CURLOPT_FAILONERROR, 1L, bad);

	FETCH_SETOPT(f, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket, bad);
	FETCH_SETOPT(f, CURLOPT_OPENSOCKETDATA, f, bad);
#if LIBCURL_VERSION_NUM >= 0x075000
	FETCH_SETOPT(f, CURLOPT_PREREQFUNCTION, fetch_prereq, bad);
	FETCH_SETOPT(f, CURLOPT_PREREQDATA, f, bad);
#endif

	FETCH_SETOPT(f, CURLOPT_CONNECTTIMEOUT, (long)f->connect_timeout, bad);
	FETCH_SETOPT(f, CURLOPT_TIMEOUT, (long)f->timeout, bad);
	FETCH_SETOPT(f, CURLOPT_LOW_SPEED_LIMIT, FETCH_LOW_SPEED_LIMIT, bad);
	FETCH_SETOPT(f, CURLOPT_LOW_SPEED_TIME, FETCH_LOW_SPEED_TIME, bad);

	FETCH_SETOPT(f, CURLOPT_WRITEFUNCTION, fetch_write, bad);
	FETCH_SETOPT(f, CURLOPT_WRITEDATA, f, bad);
	FETCH_SETOPT(f, CURLOPT_USERAGENT, f->user_agent, bad);
	return bad == 0 ? 0 : -1;
}

/* Creates a fetcher, after fork (see fetch.h). */
struct fetcher *
fetch_new(const struct thumbq_conf *conf, char **cause)
{
	struct fetcher *f;
	char *why;

	f = xcalloc(1, sizeof *f);
	f->connect_timeout = conf->fetch_connect_timeout;
	f->timeout = conf->fetch_timeout;
	f->max_bytes = conf->fetch_max_bytes;
	f->max_redirects = conf->fetch_max_redirects;
	f->max_url_bytes = conf->max_url_bytes;
	f->user_agent = xstrdup(conf->fetch_user_agent != NULL ?
	    conf->fetch_user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);

	f->allow = urlpolicy_netlist_parse(conf->fetch_allow_networks, &why);
	if (f->allow == NULL) {
		*cause = xasprintf("fetch_allow_networks: %s", why);
		free(why);
		goto fail;
	}
	f->nat64 = urlpolicy_nat64_parse(conf->fetch_nat64_prefixes, &why);
	if (f->nat64 == NULL) {
		*cause = xasprintf("fetch_nat64_prefixes: %s", why);
		free(why);
		goto fail;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup("libcurl initialisation failed");
		goto fail;
	}
	f->global_init = 1;
	if ((f->curl = curl_easy_init()) == NULL) {
		*cause = xstrdup("libcurl handle creation failed");
		goto fail;
	}
	/* Find out now, not at the first job, if libcurl lacks an option. */
	if (fetch_setopts(f) != 0) {
		*cause = xasprintf("libcurl %s lacks an option fetching needs",
		    curl_version_info(CURLVERSION_NOW)->version);
		goto fail;
	}
	return f;

fail:
	fetch_free(f);
	return NULL;
}

void
fetch_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	if (f->curl != NULL)
		curl_easy_cleanup(f->curl);
	if (f->global_init)
		curl_global_cleanup();
	urlpolicy_netlist_free(f->allow);
	urlpolicy_netlist_free(f->nat64);
	free(f->user_agent);
	free(f->buf);
	free(f);
}

/* Whether a curl failure is worth another attempt later. */
static int
fetch_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_AGAIN:
		return 1;
	default:
		return 0;
	}
}

/* Turns a finished transfer's outcome into a job error, or 0. */
static int
fetch_result_error(struct fetcher *f, CURLcode rc, long status,
    struct job_error *err)
{
	const char *detail = f->errbuf[0] != '\0' ? f->errbuf :
	    curl_easy_strerror(rc);

	/* Our callbacks' reasons first: they explain curl's generic codes. */
	if (f->too_large) {
		if (f->content_length > 0)
			job_error_set(err, "too_large", 0, "origin announced "
			    "%lld bytes, more than the %zu-byte limit",
			    (long long)f->content_length, f->max_bytes);
		else
			job_error_set(err, "too_large", 0, "body exceeds the "
			    "%zu-byte limit", f->max_bytes);
		return -1;
	}
	/*
	 * Only when the connection failed: a refused address followed by a
	 * good one of the same name is a success, or some other failure.
	 */
	if (f->blocked && (rc == CURLE_COULDNT_CONNECT ||
	    rc == CURLE_ABORTED_BY_CALLBACK)) {
		job_error_set(err, "address_blocked", 0, "%s is %s",
		    f->blocked_addr, f->blocked_cause);
		return -1;
	}

	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		goto http_error;
	case CURLE_COULDNT_RESOLVE_HOST:
		job_error_set(err, "dns_failed", 1, "DNS lookup failed: %s",
		    detail);
		return -1;
	case CURLE_COULDNT_CONNECT:
		job_error_set(err, "connect_failed", 1, "%s", detail);
		return -1;
	case CURLE_OPERATION_TIMEDOUT:
		job_error_set(err, "timeout", 1, "%s", detail);
		return -1;
	case CURLE_TOO_MANY_REDIRECTS:
		job_error_set(err, "too_many_redirects", 0,
		    "more than %u redirects", f->max_redirects);
		return -1;
	case CURLE_UNSUPPORTED_PROTOCOL:
		job_error_set(err, "fetch_failed", 0,
		    "redirected to a scheme other than http or https: %s",
		    detail);
		return -1;
	default:
		job_error_set(err, "fetch_failed", fetch_transient(rc), "%s",
		    detail);
		return -1;
	}

	/* Followed to the end but not a success: a 3xx without Location. */
	if (status >= 200 && status <= 299)
		return 0;
http_error:
	job_error_set(err, "http_error", status >= 500 || status == 429,
	    "origin answered HTTP %ld", status);
	return -1;
}

/* Downloads one URL for one job; see fetch.h. */
int
fetch_get(struct fetcher *f, const char *url, struct fetch_result *res,
    struct job_error *err)
{
	const char *cause;
	CURLcode rc;
	long status = 0;

	memset(res, 0, sizeof *res);
	f->len = 0;
	f->too_large = 0;
	f->content_length = -1;
	f->blocked = 0;
	f->blocked_addr[0] = '\0';
	f->blocked_cause = NULL;
	f->errbuf[0] = '\0';

	if (urlpolicy_check_url(url, f->max_url_bytes, &cause) != 0) {
		job_error_set(err, "url_invalid", 0, "%s", cause);
		return -1;
	}

	curl_easy_reset(f->curl);
	if (fetch_setopts(f) != 0 ||
	    curl_easy_setopt(f->curl, CURLOPT_URL, url) != CURLE_OK) {
		job_error_set(err, "fetch_failed", 1,
		    "could not set up libcurl for this URL");
		return -1;
	}

	rc = curl_easy_perform(f->curl);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (fetch_result_error(f, rc, status, err) != 0)
		return -1;

	/* An empty body is still a valid, NUL-terminated buffer. */
	if (f->buf == NULL) {
		f->buf = xmalloc(1);
		f->buf[0] = '\0';
		f->size = 1;
	}
	res->data = f->buf;
	res->len = f->len;
	return 0;
}

unsigned char *
fetch_take_body(struct fetcher *f)
{
	unsigned char *body = f->buf;

	f->buf = NULL;
	f->size = 0;
	f->len = 0;
	return body;
}

/*
 * The address policy on another libcurl handle, for requests that are not
 * downloads (webhook deliveries): the same open-socket and pre-request
 * checks, against this fetcher's allow list, plus no proxy and http/https
 * only, so that one implementation of the policy serves both.  What the
 * checks refuse is recorded in f, which must outlive the handle's transfers;
 * call before each transfer (it forgets the previous one's refusal).
 */
int
fetch_guard(struct fetcher *f, CURL *curl)
{
	int bad = 0;

	f->blocked = 0;
	f->blocked_addr[0] = '\0';
	f->blocked_cause = NULL;
	bad += curl_easy_setopt(curl, CURLOPT_PROXY, "") != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	bad += curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
	    "http,https") != CURLE_OK;
#else
	bad += curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	bad += curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION,
	    fetch_opensocket) != CURLE_OK;
	bad += curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, f) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075000
	bad += curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, fetch_prereq) !=
	    CURLE_OK;
	bad += curl_easy_setopt(curl, CURLOPT_PREREQDATA, f) != CURLE_OK;
#endif
	return bad == 0 ? 0 : -1;
}

/*
 * After a transfer on a guarded handle: if the policy refused the
 * connection whose failure rc reports, fills err as fetch_get() would
 * (address_blocked, "ADDR is RANGE") and returns -1; otherwise 0.
 */
int
fetch_guard_result(const struct fetcher *f, CURLcode rc, struct job_error *err)
{
	if (!f->blocked || (rc != CURLE_COULDNT_CONNECT &&
	    rc != CURLE_ABORTED_BY_CALLBACK))
		return 0;
	job_error_set(err, "address_blocked", 0, "%s is %s", f->blocked_addr,
	    f->blocked_cause);
	return -1;
}
