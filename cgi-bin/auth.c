/* auth.c: the gate in front of every route but the operators' ones
 * (health, metrics): API keys when auth_required is on, and the rate limit
 * per key (or per client address when auth is off).  Both are answered by
 * one Redis script, so the gate costs one round trip, and nothing when both
 * are off. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apikey.h"
#include "auth.h"
#include "log.h"
#include "response.h"
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

int
auth_gate(struct api *api, struct request *req)
{
	const struct thumbq_conf *conf = api->conf;
	struct store_auth_result res;
	char hash[APIKEY_HASH_LEN + 1], client[80];
	const char *key = NULL, *addr;

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
		apikey_hash(key, strlen(key), hash);
	}
	addr = request_param(req, "REMOTE_ADDR");
	snprintf(client, sizeof client, "addr:%.64s", addr != NULL ? addr : "unknown");
	if (store_auth(api->store, key ? hash : NULL, client, conf->rate_limit, conf->rate_burst,
	    &res) != STORE_OK) {
		log_warn("event=auth_failed error=\"%s\"", store_error(api->store));
		response_error(req, 503, "unavailable", "job store unavailable, try again later",
		    "Retry-After: 1\r\n");
		return 1;
	}
	if (conf->auth_required && !res.known) {
		response_error(req, 401, "unauthorized", "unknown or revoked API key",
		    "WWW-Authenticate: Bearer realm=\"thumbq\", error=\"invalid_token\"\r\n");
		return 1;
	}
	if (conf->auth_required)
		snprintf(req->owner, sizeof req->owner, "%s", res.key_name);
	if (conf->rate_limit > 0) {
		snprintf(req->rate_headers, sizeof req->rate_headers,
		    "RateLimit-Limit: %u\r\nRateLimit-Remaining: %lld\r\nRateLimit-Reset: %lld\r\n",
		    conf->rate_burst, res.remaining, res.reset_s);
		if (!res.allowed) {
			char retry[48];

			snprintf(retry, sizeof retry, "Retry-After: %lld\r\n",
			    (res.retry_after_ms + 999) / 1000);
			response_error(req, 429, "rate_limited",
			    "too many requests: slow down and retry after Retry-After seconds", retry);
			return 1;
		}
	}
	return 0;
}
