#!/bin/sh
# doc/openapi.yaml describes what the responder does: every route of the
# routing table with its method, every HTTP status and error code the
# handlers answer with, every job error.code the worker and the Redis
# scripts set; and the API serves that very file at /v1/openapi.yaml.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
doc=$top_srcdir/doc/openapi.yaml
ok "doc/openapi.yaml exists" [ -s "$doc" ]
like "$(head -n 1 "$doc")" '^openapi: 3\.1\.' "it is OpenAPI 3.1"

# methods_of PATH: the HTTP methods the document lists under PATH.
methods_of() {
	awk -v p="  $1:" '
		$0 == p { inside = 1; next }
		inside && /^  [^ ]/ { inside = 0 }
		inside && /^    (get|post|put|delete|patch):/ { sub(/:.*/, ""); sub(/^ +/, ""); print toupper($0) }
	' "$doc" | tr '\n' ' '
}

routes=$(sed -n 's/^[[:space:]]*{ "\([A-Z]*\)", "\([^"]*\)", route_.*/\1:\2/p' "$top_srcdir/cgi-bin/routes.c")
ok "the routing table has routes" [ -n "$routes" ]
for r in $routes; do
	method=${r%%:*} path=${r#*:}
	docpath=$(printf '%s' "$path" | sed 's|/\*$|/{id}|')
	like " $(methods_of "$docpath")" " $method " "route $method $path is documented"
done

# Every "response_error(req, STATUS, "code"" in the handlers.
src=$top_srcdir/cgi-bin
pairs=$(cat "$src"/*.c | tr -s ' \t\n' ' ' | grep -o 'response_error(req, [0-9]*, "[a-z_]*"' |
	sed 's/.*, \([0-9]*\), "\([a-z_]*\)"/\1:\2/' | sort -u)
ok "the handlers answer errors" [ -n "$pairs" ]
for p in $pairs; do
	status=${p%%:*} code=${p#*:}
	ok "HTTP $status is documented" grep -q "'$status':" "$doc"
	ok "error code $code is documented" grep -q "\\b$code\\b" "$doc"
done
# Statuses the status table knows but no handler sends with response_error.
ok "204 is documented" grep -q "'204':" "$doc"
ok "201 is documented" grep -q "'201':" "$doc"

# Job error codes: set in C with job_error_set(..., "code", ...) and in Lua.
# (The worker's: fetching, decoding, storing.  Webhook delivery errors are
# the courier's and not a job's.)
codes=$( (cd "$top_srcdir" && cat src/fetch.c src/image*.c src/imghdr*.c src/storage.c worker/child.c | tr -s ' \t\n' ' ' |
	grep -o 'job_error_set([a-z_>-]*, "[a-z_]*"' | sed 's/.*"\([a-z_]*\)"/\1/'
	grep -h "requeue(" "$top_srcdir"/src/lua/*.lua | grep -o "'[a-z_]*')" | tr -d "')"
	grep -h "HSET.*'error_code', '[a-z_]*'" "$top_srcdir"/src/lua/*.lua |
	sed "s/.*'error_code', '\([a-z_]*\)'.*/\1/") |
	sort -u)
ok "the worker has job error codes" [ -n "$codes" ]
enum=$(sed -n '/^        error:/,/^        [a-z]/p' "$doc" | tr -d '\n')
for code in $codes; do
	like "$enum" "\\b$code\\b" "job error.code $code is documented"
done

# The served document is the file.
free_port API_PORT
API=http://127.0.0.1:$API_PORT
tq_start_thumbq "$tq_tmp/run" "$API_PORT"
http GET "$API/v1/openapi.yaml"
is "$HTTP_CODE" 200 "GET /v1/openapi.yaml: 200"
like "$HTTP_CTYPE" '^application/yaml' "served as YAML"
ok "the served document is doc/openapi.yaml" cmp -s "$tq_body" "$doc"
done_testing
