/* webhook.h: signing and delivering one webhook.
 *
 * The body is the job JSON.  Headers: Content-Type: application/json,
 * X-Thumbq-Timestamp: <Unix seconds>, and with a secret
 * X-Thumbq-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." body)>,
 * so that a receiver can check both origin and freshness. */
#ifndef THUMBQ_WEBHOOK_H
#define THUMBQ_WEBHOOK_H

#include <stddef.h>

#include "conf.h"
#include "joberror.h"

/* "sha256=" + 64 hex digits + NUL */
#define WEBHOOK_SIGNATURE_MAX 72

/* Writes the X-Thumbq-Signature value for timestamp and body into out. */
void webhook_sign(const char *secret, const char *timestamp, const char *body, size_t len,
    char out[WEBHOOK_SIGNATURE_MAX]);

struct webhook_sender;
/* One per courier, after fork.  NULL with *cause on a bad allow list. */
struct webhook_sender *webhook_sender_new(const struct thumbq_conf *conf, char **cause);
void webhook_sender_free(struct webhook_sender *ws);
/* POSTs body to url, signed with secret (a job's API key's), or with the
 * global webhook_secret when secret is NULL.  Returns 0 on a 2xx answer, or
 * -1 with err filled (same codes as fetch_get: address_blocked, timeout,
 * http_error, ...); *http_status is the answer's status, 0 if none. */
int webhook_deliver(struct webhook_sender *ws, const char *url, const char *body,
    const char *secret, long *http_status, struct job_error *err);

#endif
