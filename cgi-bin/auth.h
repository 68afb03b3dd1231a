/* auth.h: API keys and rate limits in front of the routes. */
#ifndef THUMBQ_AUTH_H
#define THUMBQ_AUTH_H

#include <stddef.h>

#include "request.h"

/* Returns 0 to go on (req->owner set to the key's id when auth is on), or
 * 1 after having answered 401, 429 or 503.  The request takes one token. */
int auth_gate(struct api *api, struct request *req);
/* The gate of the operators' routes (/v1/admin/): an admin key is needed
 * whether or not auth_required is on.  Returns 0 to go on, or 1 after
 * having answered 401 (no key, or an unknown one), 403 (not an admin key),
 * 429 or 503. */
int auth_admin(struct api *api, struct request *req);
/* A batch of nurls URLs, which the gate has let through, takes one token
 * per URL: nurls - 1 more.  Returns 0 to go on, or 1 after having answered
 * 422 (more URLs than the bucket holds), 429 or 503. */
int auth_charge_batch(struct api *api, struct request *req, size_t nurls);

#endif
