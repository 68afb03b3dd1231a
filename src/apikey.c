/* apikey.c: API keys (see apikey.h).
 *
 * Only the SHA-256 of a key is kept in Redis: whoever reads the database
 * (a dump, a replica, a backup) cannot call the API with what they find.
 * A plain hash is enough because keys are 192 random bits, not passwords. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "apikey.h"

static const char apikey_hex[] = "0123456789abcdef";

int
apikey_generate(char out[APIKEY_LEN + 1])
{
	uint8_t b[24];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);

		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	memcpy(out, "tq_", 3);
	for (size_t i = 0; i < sizeof b; i++) {
		out[3 + 2 * i] = apikey_hex[b[i] >> 4];
		out[4 + 2 * i] = apikey_hex[b[i] & 0x0f];
	}
	out[APIKEY_LEN] = '\0';
	return 0;
}

void
apikey_hash(const char *key, size_t len, char out[APIKEY_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
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
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}
