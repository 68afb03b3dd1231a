#!/bin/sh
# API contract through the real stack: curl -> lighttpd -> thumbq.fcgi -> Redis.
# Every success and error row of the API table in DESIGN.md, with the exact
# status, Content-Type and JSON shape; then Redis going away (503) and coming
# back.  thumbqd runs too, with the default fetch policy, so the jobs made
# here (all pointing at a closed loopback port) never fetch anything.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
free_port API_PORT
free_port CLOSED_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT"

json='Content-Type: application/json'
img=http://127.0.0.1:$CLOSED_PORT/photo.jpg
uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# post BODY [CURL-ARG...]: POST /v1/thumbnails with BODY as it is.
post() {
	tq_b=$1
	shift
	http POST "$API/v1/thumbnails" "$@" --data-binary "$tq_b"
}

# methods "A, B": the Allow header's methods, sorted, one comma list.
allow_set() {
	header Allow | tr ',' '\n' | tr -d ' \t' | grep -v '^$' | sort | paste -sd, -
}

# ---- POST /v1/thumbnails: 201, Location, job JSON
post "{\"url\": \"$img\"}" -H "$json"
expect_status 201 "POST /v1/thumbnails"
id=$(jbody '.id // empty')
like "$id" "$uuid_re" "POST: id is a UUIDv4"
is "$(header Location)" "/v1/thumbnails/$id" "POST: Location header"
is "$(jbody .url)" "$img" "POST: job url"
is "$(jbody .status)" queued "POST: job status queued"

post "{\"url\": \"$img?charset\"}" -H 'Content-Type: application/json; charset=utf-8'
expect_status 201 "POST with Content-Type application/json; charset=utf-8"
id2=$(jbody '.id // empty')
like "$id2" "$uuid_re" "second POST: id is a UUIDv4"
ok "second POST: a new id" [ "$id2" != "$id" ]

# The longest URL allowed (max_url_bytes, default 2048) is accepted.
long=http://127.0.0.1:$CLOSED_PORT/
long=$long$(head -c $((2048 - ${#long} - 4)) /dev/zero | tr '\0' a).jpg
post "{\"url\": \"$long\"}" -H "$json"
expect_status 201 "POST url of exactly max_url_bytes (${#long} bytes)"

# ---- GET, both forms
for form in "?id=$id" "/$id"; do
	http GET "$API/v1/thumbnails$form"
	expect_status 200 "GET /v1/thumbnails$form"
	is "$(jbody .id)" "$id" "GET /v1/thumbnails$form: id"
	is "$(jbody .url)" "$img" "GET /v1/thumbnails$form: url"
	like "$(jbody .status)" '^(queued|processing|completed|failed)$' "GET /v1/thumbnails$form: status"
done

# ---- 404: unknown ids, well-formed or not, in both forms; the seed's body
for unknown in 00000000-0000-4000-8000-000000000000 not-a-uuid; do
	for form in "?id=$unknown" "/$unknown"; do
		http GET "$API/v1/thumbnails$form"
		expect_error 404 "GET /v1/thumbnails$form (unknown)"
		is "$(jbody .message)" "Thumbnail $unknown not found" "GET /v1/thumbnails$form: message"
	done
done

# ---- 404: unknown paths under /v1/
for path in /v1/ /v1/nothing /v1/thumbnails/$id/extra; do
	http GET "$API$path"
	expect_error 404 "GET $path"
done

# ---- 400: no id, malformed JSON, empty body
for form in "" "?other=1"; do
	http GET "$API/v1/thumbnails$form"
	expect_error 400 "GET /v1/thumbnails$form (no id)"
done
for body in '{"url": ' '{url: "http://127.0.0.1/a.jpg"}' 'not json' \
	"{\"url\": \"$img\"} trailing"; do
	post "$body" -H "$json"
	expect_error 400 "POST malformed JSON '$body'"
done
post '' -H "$json"
expect_error 400 "POST empty body"

# ---- 422: JSON that is not an object, or no usable url
for body in '[]' '"http://127.0.0.1/a.jpg"' '42' 'null' '{}' '{"uri": "http://127.0.0.1/a.jpg"}' \
	'{"url": 5}' '{"url": null}' '{"url": ["http://127.0.0.1/a.jpg"]}' '{"url": ""}' \
	'{"url": "ftp://127.0.0.1/a.jpg"}' '{"url": "file:///etc/passwd"}' \
	'{"url": "127.0.0.1/a.jpg"}' '{"url": "javascript:alert(1)"}' \
	'{"url": "http://user:secret@127.0.0.1/a.jpg"}' '{"url": "http://user@127.0.0.1/a.jpg"}'; do
	post "$body" -H "$json"
	expect_error 422 "POST $body"
done
post "{\"url\": \"${long%.jpg}a.jpg\"}" -H "$json"
expect_error 422 "POST url one byte over max_url_bytes"

# ---- 415: anything but application/json
post "{\"url\": \"$img\"}" -H 'Content-Type: text/plain'
expect_error 415 "POST Content-Type text/plain"
post "{\"url\": \"$img\"}"
expect_error 415 "POST Content-Type application/x-www-form-urlencoded"
post "{\"url\": \"$img\"}" -H 'Content-Type:'
expect_error 415 "POST without Content-Type"

# ---- 413: body over max_body_bytes (default 16384)
pad=$(head -c 20000 /dev/zero | tr '\0' x)
post "{\"url\": \"$img\", \"pad\": \"$pad\"}" -H "$json"
expect_error 413 "POST body of 20000 bytes"

# ---- 405 with Allow
for m in PUT DELETE PATCH; do
	http "$m" "$API/v1/thumbnails" -H "$json" --data-binary "{\"url\": \"$img\"}"
	expect_error 405 "$m /v1/thumbnails"
	is "$(allow_set)" "GET,POST" "$m /v1/thumbnails: Allow GET, POST"
done
for m in POST PUT; do
	http "$m" "$API/v1/thumbnails/$id" -H "$json" --data-binary "{\"url\": \"$img\"}"
	expect_error 405 "$m /v1/thumbnails/{id}"
	is "$(allow_set)" "DELETE,GET" "$m /v1/thumbnails/{id}: Allow DELETE, GET"
done

# ---- what the web server refuses itself is JSON too: its snippet (and, for
# lighttpd, thumbq-errors.lua) answers for it under /v1/
http GET "$API/v1/thumbnails/..%2F..%2Fetc%2Fpasswd" --path-as-is
expect_error 404 "GET /v1/thumbnails/..%2F..%2Fetc%2Fpasswd"

# ---- Redis forgets its scripts (SCRIPT FLUSH, or a restart): each
# process loads a script again when Redis says NOSCRIPT, and the request
# that met it answers as if nothing happened
redis-cli -s "$RUNDIR/redis.sock" SCRIPT FLUSH >/dev/null
post "{\"url\": \"$img\"}" -H "$json"
expect_status 201 "POST after SCRIPT FLUSH: 201"
fid=$(jbody .id)
http GET "$API/v1/thumbnails/$fid"
is "$HTTP_CODE/$(jbody .id)" "200/$fid" "and the job it made is there"

# ---- 503 while Redis is down, and recovery once it is back
tq_services stop "$RUNDIR" redis >&2
got=
deadline=$(($(date +%s) + 15))
while [ "$(date +%s)" -lt "$deadline" ]; do
	http GET "$API/v1/thumbnails?id=$id"
	got=$HTTP_CODE
	[ "$got" = 503 ] && break
	sleep 0.2
done
expect_error 503 "GET with Redis stopped"
post "{\"url\": \"$img\"}" -H "$json"
expect_error 503 "POST with Redis stopped"

tq_services start "$RUNDIR" redis >&2 || bail "redis did not restart"
deadline=$(($(date +%s) + 15))
while [ "$(date +%s)" -lt "$deadline" ]; do
	http GET "$API/v1/thumbnails?id=$id"
	[ "$HTTP_CODE" = 200 ] && break
	sleep 0.2
done
expect_status 200 "GET after Redis is back: the job survived the restart"
is "$(jbody .id)" "$id" "GET after Redis is back: same job"
post "{\"url\": \"$img\"}" -H "$json"
expect_status 201 "POST after Redis is back"

ok "redis, thumbqd and lighttpd all still run" tq_services status "$RUNDIR"

done_testing
