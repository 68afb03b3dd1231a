/* apikey.c: API keys (see apikey.h).
 *
 * Only the SHA-256 of a key is kept in Redis: whoever reads the database
 * (a dump, a replica, a backup) cannot call the API with what they find.
 * A plain hash is enough because keys are 192 random bits, not passwords.
 * A key's webhook secret cannot be kept so: the couriers sign with it, so
 * Redis holds it as it is, and whoever reads the database can sign
 * deliveries for that key's receivers (as whoever reads thumbq.conf can
 * with the global webhook_secret). */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "apikey.h"

static const char apikey_hex[] = "0123456789abcdef";

/* Writes prefix, then nbytes random bytes in hex, and a NUL, into out. */
static int
apikey_random(const char *prefix, size_t nbytes, char *out)
{
	uint8_t b[32];
	size_t got = 0, plen = strlen(prefix);

	if (nbytes > sizeof b)
		return -1;
	while (got < nbytes) {
		ssize_t n = getrandom(b + got, nbytes - got, 0);

		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	memcpy(out, prefix, plen);
	for (size_t i = 0; i < nbytes; i++) {
		out[plen + 2 * i] = apikey_hex[b[i] >> 4];
		out[plen + 2 * i + 1] = apikey_hex[b[i] & 0x0f];
	}
	out[plen + 2 * nbytes] = '\0';
	return 0;
}

int
apikey_generate(char out[APIKEY_LEN + 1])
{
	return apikey_random("tq_", (APIKEY_LEN - 3) / 2, out);
}

int
apikey_id_generate(char out[APIKEY_ID_LEN + 1])
{
	return apikey_random("", APIKEY_ID_LEN / 2, out);
}

/* 192 bits, like the key: the receiver's HMAC key must not be guessable. */
int
apikey_secret_generate(char out[APIKEY_SECRET_LEN + 1])
{
	return apikey_random("whsec_", (APIKEY_SECRET_LEN - 6) / 2, out);
}

void
apikey_hash(const char *key, size_t len, char out[APIKEY_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		memset(md, 0, sizeof md);	/* matches no stored key */
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = apikey_hex[md[i] >> 4];
		out[2 * i + 1] = apikey_hex[md[i] & 0x0f];
	}
	out[APIKEY_HASH_LEN] = '\0';
}

int
apikey_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}
