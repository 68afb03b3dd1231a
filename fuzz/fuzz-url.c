/* fuzz-url.c: image URLs through urlpolicy_check_url().
 *
 * The URL comes from a POST body (as a JSON string, so any bytes but NUL).
 * Besides not crashing, an accepted URL must satisfy what the rest of thumbq
 * relies on without checking again: bounded length, no blanks or control
 * characters, an http or https scheme, a non-empty authority without
 * userinfo, and libcurl (which will fetch it) must read it the same way. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "urlpolicy.h"
#include "fuzz.h"

#define FUZZ_MAX_URL	2048
#define FUZZ_MAX_INPUT	(FUZZ_MAX_URL + 64)

static void
fuzz_check_accepted(const char *url)
{
	const char *auth, *p;
	size_t authlen;
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL;

	FUZZ_CHECK(strlen(url) <= FUZZ_MAX_URL);
	for (p = url; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p > 0x20 && (unsigned char)*p != 0x7f);
	if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else {
		FUZZ_CHECK(strncasecmp(url, "https://", 8) == 0);
		auth = url + 8;
	}
	authlen = strcspn(auth, "/?#");
	FUZZ_CHECK(authlen > 0);
	FUZZ_CHECK(memchr(auth, '@', authlen) == NULL);

	/* What the fetcher will see. */
	u = curl_url();
	FUZZ_CHECK(u != NULL);
	FUZZ_CHECK(curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK);
	FUZZ_CHECK(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK);
	FUZZ_CHECK(strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0);
	FUZZ_CHECK(curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK);
	FUZZ_CHECK(host[0] != '\0');
	FUZZ_CHECK(curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER);
	curl_free(user);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *cause = NULL;
	char *url;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* A C string: job.c refuses URLs with a NUL before they get here. */
	url = malloc(size + 1);
	FUZZ_CHECK(url != NULL);
	memcpy(url, data, size);
	url[size] = '\0';

	if (urlpolicy_check_url(url, FUZZ_MAX_URL, &cause) == 0)
		fuzz_check_accepted(url);
	else
		FUZZ_CHECK(cause != NULL && cause[0] != '\0');
	free(url);
	return 0;
}
