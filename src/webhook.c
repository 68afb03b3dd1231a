/* webhook.c: sign and POST one webhook (see webhook.h).
 *
 * A delivery goes where the client's callback_url says, so it is held to
 * the same address policy as an image download: the sender borrows a
 * fetcher for its policy (fetch_guard() puts the fetcher's open-socket and
 * pre-request checks on this handle), so every address a delivery connects
 * to is judged by urlpolicy_check_addr() against fetch_allow_networks.
 * Unlike a download, a delivery follows no redirect (a 3xx is not an
 * acknowledgement, and following one would let a receiver bounce the signed
 * body elsewhere), and its answer's body is read only to be thrown away, up
 * to a small bound: what matters is the status line.
 *
 * Connections are reused between deliveries to the same receiver, as the
 * fetcher reuses its own; that is safe for the reason fetch.c gives (every
 * cached connection passed the same checks, and the pre-request callback
 * checks a reused one again). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#else
#include <openssl/hmac.h>
#endif

#include "conf.h"
#include "fetch.h"
#include "joberror.h"
#include "log.h"
#include "urlpolicy.h"
#include "webhook.h"
#include "xmalloc.h"

/* Bytes of an answer's body read (and dropped) before the transfer is cut
 * short: a receiver that keeps talking cannot keep a courier busy. */
#define WEBHOOK_MAX_DISCARD (64 * 1024)

struct webhook_sender {
	CURL *curl;
	struct fetcher *policy;	/* its address checks guard every delivery */
	char *secret;		/* webhook_secret, for jobs made without a key; "": unsigned */
	unsigned timeout;	/* seconds per delivery, connect included */
	size_t max_url_bytes;
	char *user_agent;

	size_t discarded;	/* body bytes of this answer thrown away */
	int cut;		/* we stopped reading the body: the status is known */
	char errbuf[CURL_ERROR_SIZE];
};

/* HMAC-SHA256(secret, timestamp "." body) into md (32 bytes); 0 or -1. */
static int
webhook_hmac(const char *secret, const char *timestamp, const char *body, size_t len,
    unsigned char md[EVP_MAX_MD_SIZE], size_t *mdlen)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/* EVP_MAC: the HMAC_* functions are deprecated since OpenSSL 3.0. */
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	/* A non-NULL key even when empty: NULL would mean "keep the old key". */
	if (EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)body, len) != 1 ||
	    EVP_MAC_final(ctx, md, mdlen, EVP_MAX_MD_SIZE) != 1)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
#else
	HMAC_CTX *ctx;
	unsigned int n = 0;
	int rc = -1;

	if ((ctx = HMAC_CTX_new()) == NULL)
		return -1;
	if (HMAC_Init_ex(ctx, secret, (int)strlen(secret), EVP_sha256(), NULL) == 1 &&
	    HMAC_Update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) == 1 &&
	    HMAC_Update(ctx, (const unsigned char *)".", 1) == 1 &&
	    HMAC_Update(ctx, (const unsigned char *)body, len) == 1 &&
	    HMAC_Final(ctx, md, &n) == 1) {
		*mdlen = n;
		rc = 0;
	}
	HMAC_CTX_free(ctx);
	return rc;
#endif
}

/* Leaves out empty if libcrypto fails (it should not: no I/O, no input it
 * can refuse), and webhook_deliver() then refuses to send unsigned. */
void
webhook_sign(const char *secret, const char *timestamp, const char *body, size_t len,
    char out[WEBHOOK_SIGNATURE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	char *p = out;

	out[0] = '\0';
	if (webhook_hmac(secret, timestamp, body, len, md, &mdlen) == -1 || mdlen != 32) {
		log_err("event=webhook_sign_failed note=\"libcrypto HMAC-SHA256 failed\"");
		return;
	}
	memcpy(p, "sha256=", 7);
	p += 7;
	for (size_t i = 0; i < mdlen; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0xf];
	}
	*p = '\0';
}

struct webhook_sender *
webhook_sender_new(const struct thumbq_conf *conf, char **cause)
{
	struct webhook_sender *ws = xcalloc(1, sizeof *ws);

	/* fetch_new() parses the allow list and does curl_global_init(),
	 * which covers this handle too for as long as the fetcher lives. */
	if ((ws->policy = fetch_new(conf, cause)) == NULL)
		goto fail;
	if ((ws->curl = curl_easy_init()) == NULL) {
		*cause = xstrdup("libcurl handle creation failed");
		goto fail;
	}
	ws->secret = xstrdup(conf->webhook_secret != NULL ? conf->webhook_secret : "");
	ws->timeout = conf->webhook_timeout;
	ws->max_url_bytes = conf->max_url_bytes;
	ws->user_agent = xstrdup(conf->fetch_user_agent != NULL && conf->fetch_user_agent[0] != '\0' ?
	    conf->fetch_user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
	return ws;

fail:
	webhook_sender_free(ws);
	return NULL;
}

void
webhook_sender_free(struct webhook_sender *ws)
{
	if (ws == NULL)
		return;
	if (ws->curl != NULL)
		curl_easy_cleanup(ws->curl);
	fetch_free(ws->policy);	/* last: its curl_global_cleanup() */
	free(ws->secret);
	free(ws->user_agent);
	free(ws);
}

/* Throws the answer's body away; past WEBHOOK_MAX_DISCARD, stops reading
 * (libcurl then fails with CURLE_WRITE_ERROR, which ws->cut excuses). */
static size_t
webhook_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct webhook_sender *ws = userdata;

	(void)ptr;
	(void)size;	/* always 1 for the write callback */
	if (nmemb > WEBHOOK_MAX_DISCARD - ws->discarded) {
		ws->cut = 1;
		return 0;
	}
	ws->discarded += nmemb;
	return nmemb;
}

/* Every option of one delivery, on a handle just reset: nothing of the
 * previous delivery carries over but libcurl's connection and DNS caches. */
static int
webhook_setopts(struct webhook_sender *ws, const char *url, const char *body,
    struct curl_slist *headers)
{
	CURL *c = ws->curl;
	int bad = 0;

	bad += fetch_guard(ws->policy, c) != 0;
	bad += curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ws->errbuf) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_DISALLOW_USERNAME_IN_URL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)ws->timeout) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)ws->timeout) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body)) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_USERAGENT, ws->user_agent) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_discard) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_WRITEDATA, ws) != CURLE_OK;
	return bad == 0 ? 0 : -1;
}

/* The headers of one delivery; NULL if signing or allocation failed. */
static struct curl_slist *
webhook_headers(const char *secret, const char *body, struct job_error *err)
{
	struct curl_slist *h = NULL, *n;
	char ts[32], line[64 + WEBHOOK_SIGNATURE_MAX], sig[WEBHOOK_SIGNATURE_MAX];
	const char *fixed[] = {
		"Content-Type: application/json",
		"Expect:",	/* no 100-continue round trip before the body */
	};

	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if ((n = curl_slist_append(h, fixed[i])) == NULL)
			goto nomem;
		h = n;
	}
	snprintf(line, sizeof line, "X-Thumbq-Timestamp: %s", ts);
	if ((n = curl_slist_append(h, line)) == NULL)
		goto nomem;
	h = n;
	if (secret[0] != '\0') {
		webhook_sign(secret, ts, body, strlen(body), sig);
		if (sig[0] == '\0') {
			job_error_set(err, "webhook_failed", 1, "could not sign the delivery");
			curl_slist_free_all(h);
			return NULL;
		}
		snprintf(line, sizeof line, "X-Thumbq-Signature: %s", sig);
		if ((n = curl_slist_append(h, line)) == NULL)
			goto nomem;
		h = n;
	}
	return h;

nomem:
	curl_slist_free_all(h);
	job_error_set(err, "webhook_failed", 1, "out of memory building the request headers");
	return NULL;
}

/* Turns a finished delivery into 0 (a 2xx) or -1 with err filled; the codes
 * are those of fetch_get() where the cause is the same. */
static int
webhook_result(const struct webhook_sender *ws, CURLcode rc, long status,
    struct job_error *err)
{
	const char *detail = ws->errbuf[0] != '\0' ? ws->errbuf : curl_easy_strerror(rc);

	if (fetch_guard_result(ws->policy, rc, err) != 0)
		return -1;
	if (rc == CURLE_WRITE_ERROR && ws->cut)
		rc = CURLE_OK;	/* we hung up on a long body, after the status */
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		job_error_set(err, "dns_failed", 1, "DNS lookup failed: %s", detail);
		return -1;
	case CURLE_COULDNT_CONNECT:
		job_error_set(err, "connect_failed", 1, "%s", detail);
		return -1;
	case CURLE_OPERATION_TIMEDOUT:
		job_error_set(err, "timeout", 1, "no answer within %u s: %s", ws->timeout, detail);
		return -1;
	case CURLE_UNSUPPORTED_PROTOCOL:
		job_error_set(err, "url_invalid", 0, "scheme must be http or https: %s", detail);
		return -1;
	default:
		job_error_set(err, "webhook_failed", 1, "%s", detail);
		return -1;
	}
	if (status >= 200 && status <= 299)
		return 0;
	if (status >= 300 && status <= 399)
		job_error_set(err, "http_error", 1,
		    "callback answered HTTP %ld (redirects are not followed)", status);
	else
		job_error_set(err, "http_error", 1, "callback answered HTTP %ld", status);
	return -1;
}

int
webhook_deliver(struct webhook_sender *ws, const char *url, const char *body,
    const char *secret, long *http_status, struct job_error *err)
{
	struct curl_slist *headers = NULL;
	const char *cause;
	CURLcode rc;
	int ret = -1;

	*http_status = 0;
	ws->discarded = 0;
	ws->cut = 0;
	ws->errbuf[0] = '\0';
	if (urlpolicy_check_url(url, ws->max_url_bytes, &cause) != 0) {
		job_error_set(err, "url_invalid", 0, "callback_url: %s", cause);
		goto out;
	}
	if ((headers = webhook_headers(secret != NULL ? secret : ws->secret, body, err)) == NULL)
		goto out;
	curl_easy_reset(ws->curl);
	if (webhook_setopts(ws, url, body, headers) != 0) {
		job_error_set(err, "webhook_failed", 1, "could not set up libcurl for this delivery");
		goto out;
	}
	rc = curl_easy_perform(ws->curl);
	if (curl_easy_getinfo(ws->curl, CURLINFO_RESPONSE_CODE, http_status) != CURLE_OK)
		*http_status = 0;
	ret = webhook_result(ws, rc, *http_status, err);
out:
	/* The handle must not keep pointers into what is freed here. */
	curl_easy_setopt(ws->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	return ret;
}
