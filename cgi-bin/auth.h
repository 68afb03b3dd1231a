/* auth.h: API keys and rate limits in front of the routes. */
#ifndef THUMBQ_AUTH_H
#define THUMBQ_AUTH_H

#include "request.h"

/* Returns 0 to go on (req->owner set when auth is on), or 1 after having
 * answered 401, 429 or 503. */
int auth_gate(struct api *api, struct request *req);

#endif
