/* webhook.c: sign and POST webhooks, many at once (see webhook.h).
 *
 * A delivery goes where the client's callback_url says, so it is held to
 * the same address policy as an image download: each transfer slot borrows
 * a fetcher for its policy (fetch_guard() puts the fetcher's open-socket and
 * pre-request checks on the slot's handle), so every address a delivery
 * connects to is judged by urlpolicy_check_addr() against
 * fetch_allow_networks.  One fetcher per slot, because the fetcher records
 * the refusal of the transfer it guards, and transfers run side by side.
 * Unlike a download, a delivery follows no redirect (a 3xx is not an
 * acknowledgement, and following one would let a receiver bounce the signed
 * body elsewhere), and its answer's body is read only to be thrown away, up
 * to a small bound: what matters is the status line.
 *
 * The transfers run on one libcurl multi handle, so that a courier is never
 * stuck on one receiver: a receiver that never answers holds its slot for
 * webhook_timeout (webhook_connect_timeout if it never accepts), and the
 * other slots go on.  Connections are reused between deliveries to the same
 * receiver, from the multi handle's shared cache; that is safe for the
 * reason fetch.c gives (every cached connection passed the same checks,
 * against the same allow list in every slot's fetcher, and the pre-request
 * callback checks a reused one again). */
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

/* One transfer at a time. */
struct webhook_slot {
	CURL *curl;
	struct fetcher *policy;	/* its address checks guard this slot */
	int busy;
	void *arg;		/* the caller's, handed back when it is done */
	char *body;
	struct curl_slist *headers;
	size_t discarded;	/* body bytes of this answer thrown away */
	int cut;		/* we stopped reading: the status is known */
	char errbuf[CURL_ERROR_SIZE];
};

struct webhook_sender {
	CURLM *multi;
	struct webhook_slot *slots;
	size_t nslots;
	unsigned timeout;	/* seconds per delivery, connect included */
	unsigned connect_timeout;
	size_t max_url_bytes;
	char *user_agent;
};

/* HMAC-SHA256(secret, timestamp "." body) into md (32 bytes); 0 or -1. */
static int
webhook_hmac(const char *secret, const char *timestamp, const char *body,
    size_t len, unsigned char md[EVP_MAX_MD_SIZE], size_t *mdlen)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/* EVP_MAC: the HMAC_* functions are deprecated since OpenSSL 3.0. */
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	/* A non-NULL key even when empty: NULL would mean "keep the old
	 * key". */
	if (EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
	    params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)timestamp,
	    strlen(timestamp)) != 1 ||
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
	if (HMAC_Init_ex(ctx, secret, (int)strlen(secret), EVP_sha256(),
	    NULL) == 1 &&
	    HMAC_Update(ctx, (const unsigned char *)timestamp,
	    strlen(timestamp)) == 1 &&
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
 * can refuse), and webhook_headers() then refuses to send unsigned. */
void
webhook_sign(const char *secret, const char *timestamp, const char *body,
    size_t len, char out[WEBHOOK_SIGNATURE_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	char *p = out;

	out[0] = '\0';
	if (webhook_hmac(secret, timestamp, body, len, md, &mdlen) == -1 ||
	    mdlen != 32) {
		log_err("event=webhook_sign_failed note=\"libcrypto "
		    "HMAC-SHA256 failed\"");
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
webhook_sender_new(const struct thumbq_conf *conf, unsigned slots, char **cause)
{
	struct webhook_sender *ws = xcalloc(1, sizeof *ws);

	ws->slots = xcalloc(slots, sizeof *ws->slots);
	ws->nslots = slots;
	/* fetch_new() parses the allow list and does curl_global_init(),
	 * which covers the handles here too for as long as the fetchers live:
	 * the fetchers first, the multi handle after. */
	for (size_t i = 0; i < slots; i++) {
		if ((ws->slots[i].policy = fetch_new(conf, cause)) == NULL)
			goto fail;
		if ((ws->slots[i].curl = curl_easy_init()) == NULL) {
			*cause = xstrdup("libcurl handle creation failed");
			goto fail;
		}
	}
	if ((ws->multi = curl_multi_init()) == NULL) {
		*cause = xstrdup("libcurl multi handle creation failed");
		goto fail;
	}
	ws->timeout = conf->webhook_timeout;
	ws->connect_timeout = conf->webhook_connect_timeout;
	ws->max_url_bytes = conf->max_url_bytes;
	ws->user_agent = xstrdup(conf->fetch_user_agent != NULL &&
	    conf->fetch_user_agent[0] != '\0' ? conf->fetch_user_agent :
	    PACKAGE_NAME "/" PACKAGE_VERSION);
	return ws;

fail:
	webhook_sender_free(ws);
	return NULL;
}

/* Takes a slot's transfer off the multi handle and frees what it owned. */
static void
webhook_slot_clear(struct webhook_sender *ws, struct webhook_slot *sl)
{
	if (sl->busy)
		curl_multi_remove_handle(ws->multi, sl->curl);
	/* The handle must not keep pointers into what is freed here. */
	if (sl->curl != NULL) {
		curl_easy_setopt(sl->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(sl->curl, CURLOPT_POSTFIELDS, NULL);
	}
	curl_slist_free_all(sl->headers);
	free(sl->body);
	sl->headers = NULL;
	sl->body = NULL;
	sl->arg = NULL;
	sl->busy = 0;
}

void
webhook_sender_free(struct webhook_sender *ws)
{
	if (ws == NULL)
		return;
	for (size_t i = 0; i < ws->nslots; i++)
		if (ws->slots[i].busy)
			webhook_slot_clear(ws, &ws->slots[i]);
	if (ws->multi != NULL)
		curl_multi_cleanup(ws->multi);
	for (size_t i = 0; i < ws->nslots; i++)
		if (ws->slots[i].curl != NULL)
			curl_easy_cleanup(ws->slots[i].curl);
	/* Last: their curl_global_cleanup(). */
	for (size_t i = 0; i < ws->nslots; i++)
		fetch_free(ws->slots[i].policy);
	free(ws->slots);
	free(ws->user_agent);
	free(ws);
}

/* Throws the answer's body away; past WEBHOOK_MAX_DISCARD, stops reading
 * (libcurl then fails with CURLE_WRITE_ERROR, which sl->cut excuses). */
static size_t
webhook_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct webhook_slot *sl = userdata;

	(void)ptr;
	(void)size;	/* always 1 for the write callback */
	if (nmemb > WEBHOOK_MAX_DISCARD - sl->discarded) {
		sl->cut = 1;
		return 0;
	}
	sl->discarded += nmemb;
	return nmemb;
}

/* Every option of one delivery, on a slot's handle just reset: nothing of
 * the previous delivery carries over but the multi handle's connection and
 * DNS caches. */
static int
webhook_setopts(struct webhook_sender *ws, struct webhook_slot *sl,
    const char *url)
{
	CURL *c = sl->curl;
	int bad = 0;

	bad += fetch_guard(sl->policy, c) != 0;
	bad += curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_PRIVATE, sl) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_ERRORBUFFER, sl->errbuf) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_DISALLOW_USERNAME_IN_URL,
	    1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_TIMEOUT,
	    (long)ws->timeout) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)ws->connect_timeout) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POSTFIELDS, sl->body) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(sl->body)) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl->headers) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_USERAGENT,
	    ws->user_agent) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
	    webhook_discard) != CURLE_OK;
	bad += curl_easy_setopt(c, CURLOPT_WRITEDATA, sl) != CURLE_OK;
	return bad == 0 ? 0 : -1;
}

/* The headers of one delivery, signed with secret ("": unsigned); NULL if
 * signing or allocation failed. */
static struct curl_slist *
webhook_headers(const char *secret, const char *body, struct job_error *err)
{
	struct curl_slist *h = NULL, *n;
	char ts[32], line[64 + WEBHOOK_SIGNATURE_MAX],
	    sig[WEBHOOK_SIGNATURE_MAX];
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
			job_error_set(err, "webhook_failed", 1,
			    "could not sign the delivery");
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
	job_error_set(err, "webhook_failed", 1,
	    "out of memory building the request headers");
	return NULL;
}

/* Turns a finished delivery into 0 (a 2xx) or -1 with err filled; the codes
 * are those of fetch_get() where the cause is the same. */
static int
webhook_result(const struct webhook_sender *ws, const struct webhook_slot *sl,
    CURLcode rc, long status, struct job_error *err)
{
	const char *detail = sl->errbuf[0] != '\0' ? sl->errbuf :
	    curl_easy_strerror(rc);

	if (fetch_guard_result(sl->policy, rc, err) != 0)
		return -1;
	if (rc == CURLE_WRITE_ERROR && sl->cut)
		rc = CURLE_OK;	/* we hung up on a long body, status known */
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		job_error_set(err, "dns_failed", 1, "DNS lookup failed: %s",
		    detail);
		return -1;
	case CURLE_COULDNT_CONNECT:
		job_error_set(err, "connect_failed", 1, "%s", detail);
		return -1;
	case CURLE_OPERATION_TIMEDOUT:
		job_error_set(err, "timeout", 1, "no answer within %u s "
		    "(connect %u s): %s", ws->timeout, ws->connect_timeout,
		    detail);
		return -1;
	case CURLE_UNSUPPORTED_PROTOCOL:
		job_error_set(err, "url_invalid", 0,
		    "scheme must be http or https: %s", detail);
		return -1;
	default:
		job_error_set(err, "webhook_failed", 1, "%s", detail);
		return -1;
	}
	if (status >= 200 && status <= 299)
		return 0;
	if (status >= 300 && status <= 399)
		job_error_set(err, "http_error", 1,
		    "callback answered HTTP %ld (redirects are not followed)",
		    status);
	else
		job_error_set(err, "http_error", 1,
		    "callback answered HTTP %ld", status);
	return -1;
}

int
webhook_start(struct webhook_sender *ws, const char *url, char *body,
    const char *secret, void *arg, struct job_error *err)
{
	struct webhook_slot *sl = NULL;
	const char *cause;

	for (size_t i = 0; i < ws->nslots && sl == NULL; i++)
		if (!ws->slots[i].busy)
			sl = &ws->slots[i];
	if (sl == NULL) {
		free(body);
		job_error_set(err, "webhook_failed", 1,
		    "no free transfer slot");
		return -1;
	}
	sl->body = body;
	sl->arg = arg;
	sl->discarded = 0;
	sl->cut = 0;
	sl->errbuf[0] = '\0';
	if (urlpolicy_check_url(url, ws->max_url_bytes, &cause) != 0) {
		job_error_set(err, "url_invalid", 0, "callback_url: %s", cause);
		goto fail;
	}
	if ((sl->headers = webhook_headers(secret, body, err)) == NULL)
		goto fail;
	curl_easy_reset(sl->curl);
	if (webhook_setopts(ws, sl, url) != 0) {
		job_error_set(err, "webhook_failed", 1,
		    "could not set up libcurl for this delivery");
		goto fail;
	}
	if (curl_multi_add_handle(ws->multi, sl->curl) != CURLM_OK) {
		job_error_set(err, "webhook_failed", 1,
		    "libcurl did not take the transfer");
		goto fail;
	}
	sl->busy = 1;
	return 0;

fail:
	webhook_slot_clear(ws, sl);
	return -1;
}

int
webhook_run(struct webhook_sender *ws, int timeout_ms)
{
	int running, numfds = 0;

	if (curl_multi_perform(ws->multi, &running) != CURLM_OK)
		return -1;
#if LIBCURL_VERSION_NUM >= 0x074200
	(void)numfds;
	if (curl_multi_poll(ws->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK)
		return -1;
#else
	/* Before 7.66, curl_multi_wait() returns at once when libcurl has no
	 * socket to wait on (a name being resolved): no busy loop then. */
	if (curl_multi_wait(ws->multi, NULL, 0, timeout_ms,
	    &numfds) != CURLM_OK)
		return -1;
	if (numfds == 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
#endif
	if (curl_multi_perform(ws->multi, &running) != CURLM_OK)
		return -1;
	return 0;
}

void *
webhook_finished(struct webhook_sender *ws, int *delivered, long *http_status,
    struct job_error *err)
{
	struct webhook_slot *sl = NULL;
	CURLMsg *msg;
	int left;
	void *arg;

	while ((msg = curl_multi_info_read(ws->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&sl) != CURLE_OK || sl == NULL || !sl->busy)
			continue;	/* not ours: cannot happen */
		*http_status = 0;
		if (curl_easy_getinfo(sl->curl, CURLINFO_RESPONSE_CODE,
		    http_status) != CURLE_OK)
			*http_status = 0;
		*delivered = webhook_result(ws, sl, msg->data.result,
		    *http_status, err) == 0;
		arg = sl->arg;
		webhook_slot_clear(ws, sl);
		return arg;
	}
	return NULL;
}
