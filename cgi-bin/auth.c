/* auth.c: the gate in front of every route but the open ones (health,
 * metrics, openapi.yaml): API keys when auth_required is on, and the rate limit
 * per key (or per client when auth is off: an IPv4 address, an IPv6 /64,
 * see ratelimit.c).  Both are answered by one Redis script, so the gate
 * costs one round trip, and nothing when both are off.
 *
 * A key is known by its id from here on, not by its name: the id owns the
 * jobs, batches and bucket, and a key made later under the same name has
 * another.  A batch costs one token per URL: the gate takes the first, the
 * batch route the rest once it knows how many there are. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apikey.h"
#include "auth.h"
#include "log.h"
#include "ratelimit.h"
#include "response.h"
#include "routes.h"
#include "store.h"

/* Takes the key out of "Authorization: Bearer KEY"; NULL if absent or not
 * a bearer credential. */
static const char *
auth_bearer(const struct request *req)
{
	const char *h = request_param(req, "HTTP_AUTHORIZATION");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h != '\0' && strlen(h) <= 256 ? h : NULL;
}

/* Sets the RateLimit-* headers of every answer to this request from the
 * bucket's state; answers 429 with message and returns 1 if the request was
 * refused, else returns 0. */
static int
auth_limited(struct request *req, const struct thumbq_conf *conf,
    const struct store_auth_result *res, const char *message)
{
	char retry[48];

	snprintf(req->rate_headers, sizeof req->rate_headers,
	    "RateLimit-Limit: %u\r\nRateLimit-Remaining: %lld\r\n"
	    "RateLimit-Reset: %lld\r\n", conf->rate_burst, res->remaining,
	    res->reset_s);
	if (res->allowed)
		return 0;
	snprintf(retry, sizeof retry, "Retry-After: %lld\r\n",
	    (res->retry_after_ms + 999) / 1000);
	response_error(req, 429, "rate_limited", message, retry);
	return 1;
}

/* Asks Redis about key (NULL: none was needed) and takes the request's
 * token; returns 0, or 1 after having answered 503, or 401 for a key that
 * is unknown or revoked. */
static int
auth_lookup(struct api *api, struct request *req, const char *key,
    const char *realm, struct store_auth_result *res)
{
	const struct thumbq_conf *conf = api->conf;
	char hash[APIKEY_HASH_LEN + 1], client[RATELIMIT_SUBJECT_MAX];
	char www[128];

	if (key != NULL)
		apikey_hash(key, strlen(key), hash);
	ratelimit_client(request_param(req, "REMOTE_ADDR"), client);
	if (store_auth(api->store, key ? hash : NULL, client, conf->rate_limit,
	    conf->rate_burst, res) != STORE_OK) {
		routes_unavailable(api, req, "auth_failed", NULL);
		return 1;
	}
	if (key != NULL && !res->known) {
		snprintf(www, sizeof www, "WWW-Authenticate: Bearer "
		    "realm=\"%s\", error=\"invalid_token\"\r\n", realm);
		response_error(req, 401, "unauthorized",
		    "unknown or revoked API key", www);
		return 1;
	}
	return 0;
}

int
auth_gate(struct api *api, struct request *req)
{
	const struct thumbq_conf *conf = api->conf;
	struct store_auth_result res;
	const char *key = NULL;

	if (!conf->auth_required && conf->rate_limit == 0)
		return 0;
	if (conf->auth_required) {
		key = auth_bearer(req);
		if (key == NULL) {
			response_error(req, 401, "unauthorized",
			    "an API key is required: Authorization: Bearer KEY",
			    "WWW-Authenticate: Bearer realm=\"thumbq\"\r\n");
			return 1;
		}
	}
	if (auth_lookup(api, req, key, "thumbq", &res) != 0)
		return 1;
	if (conf->auth_required)
		snprintf(req->owner, sizeof req->owner, "%s", res.key_id);
	if (conf->rate_limit == 0)
		return 0;
	return auth_limited(req, conf, &res,
	    "too many requests: slow down and retry after Retry-After seconds");
}

int
auth_admin(struct api *api, struct request *req)
{
	const struct thumbq_conf *conf = api->conf;
	struct store_auth_result res;
	const char *key = auth_bearer(req);

	/* Whatever auth_required says: these routes act on everyone's jobs.
	 * The key comes in a header, never a cookie, so that no other site
	 * can make a browser that holds one act with it. */
	if (key == NULL) {
		response_error(req, 401, "unauthorized",
		    "an admin API key is required: Authorization: Bearer KEY",
		    "WWW-Authenticate: Bearer realm=\"thumbq admin\"\r\n");
		return 1;
	}
	if (auth_lookup(api, req, key, "thumbq admin", &res) != 0)
		return 1;
	if (!res.admin) {
		response_error(req, 403, "forbidden", "this API key is not an "
		    "admin key (make one with: thumbqctl key create --admin "
		    "NAME)", NULL);
		return 1;
	}
	if (conf->rate_limit == 0)
		return 0;
	return auth_limited(req, conf, &res,
	    "too many requests: slow down and retry after Retry-After seconds");
}

int
auth_charge_batch(struct api *api, struct request *req, size_t nurls)
{
	const struct thumbq_conf *conf = api->conf;
	struct store_auth_result res;
	char subject[RATELIMIT_SUBJECT_MAX], msg[192];

	if (conf->rate_limit == 0 || nurls <= 1)
		return 0;
	if (nurls > conf->rate_burst) {
		snprintf(msg, sizeof msg, "urls: a batch of %zu URLs costs %zu "
		    "requests, more than rate_burst (%u) allows at once: send "
		    "at most %u URLs per batch", nurls, nurls, conf->rate_burst,
		    conf->rate_burst);
		response_error(req, 422, "invalid_request", msg, NULL);
		return 1;
	}
	/* The bucket the gate drew from: a key's is named as auth.lua names
	 * it. */
	if (req->owner[0] != '\0')
		snprintf(subject, sizeof subject, "key:%s", req->owner);
	else
		ratelimit_client(request_param(req, "REMOTE_ADDR"), subject);
	if (store_ratelimit_charge(api->store, subject, conf->rate_limit,
	    conf->rate_burst, (unsigned)nurls - 1, 1, &res) != STORE_OK) {
		routes_unavailable(api, req, "auth_failed", NULL);
		return 1;
	}
	snprintf(msg, sizeof msg, "too many requests: a batch of %zu URLs "
	    "costs %zu requests; retry after Retry-After seconds", nurls,
	    nurls);
	return auth_limited(req, conf, &res, msg);
}
