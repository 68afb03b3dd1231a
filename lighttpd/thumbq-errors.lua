-- thumbq-errors.lua: lighttpd's own refusals of API requests, as JSON.
--
-- thumbq.fcgi answers every error of the API with
-- {"status": N, "message": "...", "code": "..."}.  lighttpd refuses some
-- requests before thumbq.fcgi sees them (control bytes or invalid UTF-8 in
-- the URL, a body over server.max-request-size, a method it does not know,
-- a path whose dot segments leave /v1/, a FastCGI backend that is down), and
-- its error page is HTML.  This script runs when a response starts
-- (magnet.attract-response-start-to, mod_magnet, Debian package
-- lighttpd-modules-lua) and replaces such a page with the same JSON shape.
--
-- It has to be attached at server level, not inside $HTTP["url"] =^ "/v1/":
-- lighttpd evaluates no URL condition for a request whose URL it refused,
-- and a path such as /v1/thumbnails/..%2F..%2Fetc%2Fpasswd is normalised to
-- /etc/passwd before the conditions see it.  So the test is on the request
-- target as the client sent it.  Anything else passes untouched: responses
-- outside /v1/, successes, and thumbq.fcgi's own errors (already JSON).
-- Its cost is one Lua call per response of the server, a few microseconds.

local r = lighty.r
local status = r.req_item.http_status
if status < 400 or status > 599 then
	return 0
end

-- The request target as sent: origin form (/v1/...) or absolute form
-- (http://host/v1/...).  lighttpd reads the method first and refuses one it
-- does not know (501), or a request line it cannot parse (400), before it
-- reads the target: such a request may have been meant for the API, and no
-- page of any site can have been, so it gets JSON too, whatever its URL.
local target = r.req_attr["request.orig-uri"]
if target ~= nil and target ~= "" and target:sub(1, 4) ~= "/v1/"
    and not target:match("^[hH][tT][tT][pP][sS]?://[^/]*/v1/") then
	return 0
end

local ctype = r.resp_header["Content-Type"]
if ctype ~= nil and ctype:match("^application/json") then
	return 0
end

-- The codes are the API's own (doc/openapi.yaml, Error.code); the messages
-- say that the web server, not thumbq, refused the request.
local refusals = {
	[400] = { "bad_request", "Bad request: the web server refused the request line, a header or the URL (control bytes, invalid UTF-8, bad escapes)" },
	[403] = { "bad_request", "Forbidden by the web server" },
	[404] = { "not_found", "Not found: the path leaves /v1/ once its dot segments are resolved" },
	[405] = { "method_not_allowed", "Method not allowed by the web server" },
	[408] = { "bad_request", "Request timeout: the request did not arrive in time" },
	[411] = { "bad_request", "Length required: a body needs Content-Length or chunked encoding" },
	[413] = { "body_too_large", "Request body too large for the web server" },
	[414] = { "bad_request", "Request URI too long for the web server" },
	[417] = { "bad_request", "Expectation failed: only Expect: 100-continue is understood" },
	[431] = { "bad_request", "Request headers too large for the web server" },
	[500] = { "internal_error", "Internal error in the web server or the FastCGI backend" },
	[501] = { "method_not_allowed", "Method not implemented by the web server" },
	[502] = { "unavailable", "The FastCGI backend (thumbq.fcgi) failed" },
	[503] = { "unavailable", "The FastCGI backend (thumbq.fcgi) is not available" },
	[504] = { "unavailable", "The FastCGI backend (thumbq.fcgi) did not answer in time" },
	[505] = { "bad_request", "HTTP version not supported" },
}
local e = refusals[status]
if e == nil then
	e = status < 500 and { "bad_request", "Request refused by the web server" }
	    or { "internal_error", "Error in the web server" }
end

-- The messages hold no quote or backslash: no escaping needed.
r.resp_body.set({ string.format('{"status": %d, "message": "%s", "code": "%s"}\n', status, e[2], e[1]) })
r.resp_header["Content-Type"] = "application/json"
-- Returning the status marks the new body complete, so that lighttpd sends
-- it with a Content-Length (resp_body.set() leaves it open, to be streamed).
return status
