/* fetch.h: download one URL into memory with libcurl, bounded in bytes,
 * time and destinations.
 *
 * One fetcher per download thread of a worker child (and one per transfer
 * slot of a webhook courier, for its address checks: fetch_guard), created
 * after fork and reused for every job (it keeps libcurl's connection cache
 * and DNS cache). */
#ifndef THUMBQ_FETCH_H
#define THUMBQ_FETCH_H

#include <stddef.h>

#include <curl/curl.h>

#include "conf.h"
#include "joberror.h"

struct fetcher;

struct fetch_result {
	unsigned char *data;	/* body, the fetcher's until its next fetch */
	size_t len;
};

/* Returns NULL with *cause set if the allow list does not parse. */
struct fetcher *fetch_new(const struct thumbq_conf *conf, char **cause);
void fetch_free(struct fetcher *f);
/* Downloads url.  Returns 0 with res filled, or -1 with err filled: codes
 * "url_invalid", "address_blocked", "dns_failed", "connect_failed",
 * "timeout", "too_many_redirects", "http_error", "too_large",
 * "fetch_failed". */
int fetch_get(struct fetcher *f, const char *url, struct fetch_result *res,
    struct job_error *err);

/* Hands the last body to the caller, who free()s it; the next download
 * gets a buffer of its own.  (A download thread hands its body to the
 * thumbnailing thread and goes on to the next job.) */
unsigned char *fetch_take_body(struct fetcher *f);

/* Puts the fetcher's address policy (every socket address checked against
 * fetch_allow_networks, no proxy, http and https only) on another libcurl
 * handle, for requests other than downloads (webhooks).  Call before each
 * transfer; f must outlive them.  Returns -1 if libcurl refused an option. */
int fetch_guard(struct fetcher *f, CURL *curl);
/* After such a transfer: -1 with err "address_blocked" if the policy
 * refused the connection that rc reports failing, else 0. */
int fetch_guard_result(const struct fetcher *f, CURLcode rc,
    struct job_error *err);

#endif
