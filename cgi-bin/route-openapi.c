/* route-openapi.c: GET /v1/openapi.yaml, the API's own description
 * (doc/openapi.yaml, built into the program so it always matches it). */
#include "config.h"

#include "openapi-doc.h"
#include "response.h"
#include "routes.h"

void
route_openapi(struct api *api, struct request *req, const char *arg)
{
	(void)api;
	(void)arg;
	response_send_type(req, 200, "application/yaml", NULL, openapi_doc);
}
