/* apikey.h: API keys: made from getrandom(2), stored only as SHA-256.
 *
 * A key has a name (chosen by the operator), an id (random, never reused:
 * what owns the key's jobs, batches and rate-limit bucket, so that a new key
 * under an old name is a new owner) and a webhook secret (random: what the
 * key's webhooks are signed with, so that one client cannot replay its
 * deliveries to another's receiver). */
#ifndef THUMBQ_APIKEY_H
#define THUMBQ_APIKEY_H

#include <stddef.h>

/* "tq_" + 48 hex digits */
#define APIKEY_LEN 51
#define APIKEY_HASH_LEN 64
/* 32 hex digits */
#define APIKEY_ID_LEN 32
/* "whsec_" + 48 hex digits */
#define APIKEY_SECRET_LEN 54

/* Each returns 0, or -1 if the kernel gave no randomness. */
int apikey_generate(char out[APIKEY_LEN + 1]);
int apikey_id_generate(char out[APIKEY_ID_LEN + 1]);
int apikey_secret_generate(char out[APIKEY_SECRET_LEN + 1]);
/* SHA-256 of key (len bytes) in lower-case hex. */
void apikey_hash(const char *key, size_t len, char out[APIKEY_HASH_LEN + 1]);
/* 1 if name is a usable key name: 1-63 of [A-Za-z0-9_.-]. */
int apikey_name_valid(const char *name);

#endif
