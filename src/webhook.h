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
void webhook_sign(const char *secret, const char *timestamp, const char *body,
    size_t len, char out[WEBHOOK_SIGNATURE_MAX]);

/* Deliveries, many at once on one libcurl multi handle.  One sender per
 * courier, after fork, with slots transfers at most; NULL with *cause on a
 * bad allow list. */
struct webhook_sender;
struct webhook_sender *webhook_sender_new(const struct thumbq_conf *conf,
    unsigned slots, char **cause);
void webhook_sender_free(struct webhook_sender *ws);
/* Starts POSTing body (the sender takes it over) to url, signed with secret
 * ("": unsigned), in a free slot; arg comes back when it is done.  Returns
 * 0, or -1 with err filled when it cannot start (a refused URL, no free
 * slot, libcurl): that attempt is over. */
int webhook_start(struct webhook_sender *ws, const char *url, char *body,
    const char *secret, void *arg, struct job_error *err);
/* Moves every transfer on, waiting up to timeout_ms for one to. */
int webhook_run(struct webhook_sender *ws, int timeout_ms);
/* The arg of a delivery that is done, with *delivered (a 2xx answer),
 * *http_status (0 if none) and, when not delivered, err (same codes as
 * fetch_get: address_blocked, timeout, http_error, ...); NULL when none. */
void *webhook_finished(struct webhook_sender *ws, int *delivered,
    long *http_status, struct job_error *err);

#endif
