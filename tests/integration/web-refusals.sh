#!/bin/sh
# What the web server answers itself, configured as shipped: JSON
# ({"status", "message", "code"}, Content-Type application/json) for every
# request under /v1/ it refuses before thumbq.fcgi (a path that leaves /v1/,
# control bytes, a body over its limit, a method it does not know), its own
# pages elsewhere, thumbq.fcgi's answers untouched; and a WebP thumbnail
# served as image/webp.  THUMBQ_WEBSERVER=apache (web-refusals-apache.sh)
# runs the same requests through Apache.
#
# lighttpd: tools/services includes lighttpd/thumbq.conf alone, so a second
# lighttpd here adds what lighttpd/thumbq.conf tells an admin to add for
# JSON refusals (mod_magnet and lighttpd/thumbq-errors.lua), on the same
# thumbq.conf, Redis and docroot.  Apache: apache/thumbq.conf does it all.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

if [ "$tq_webserver" = lighttpd ] &&
	[ ! -r /usr/lib/lighttpd/mod_magnet.so ]; then
	tq_skip "lighttpd's mod_magnet is not installed (Debian: lighttpd-modules-lua; tools/check installs what the tests need)"
fi
tq_setup
tq_start_origin
free_port SERVICES_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$SERVICES_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8'

web=$tq_tmp/web
if [ "$tq_webserver" = lighttpd ]; then
	free_port API_PORT
	mkdir -p "$web"
	cat >"$web/lighttpd.conf" <<-EOF
		var.thumbq_fcgi    = "$top_builddir/cgi-bin/thumbq.fcgi"
		var.thumbq_conf    = "$RUNDIR/thumbq.conf"
		var.thumbq_rundir  = "$web"
		var.thumbq_docroot = "$RUNDIR/docroot"

		server.document-root    = var.thumbq_docroot
		server.bind             = "127.0.0.1"
		server.port             = $API_PORT
		server.pid-file         = "$web/lighttpd.pid"
		server.errorlog         = "$web/lighttpd.log"
		server.breakagelog      = "$web/thumbq.fcgi.log"
		server.max-request-size = 1024

		include "$top_srcdir/lighttpd/thumbq.conf"
		server.modules += ( "mod_magnet" )
		magnet.attract-response-start-to += ( "$top_srcdir/lighttpd/thumbq-errors.lua" )
	EOF
	# Stopped with the rest, on failure too: lib.sh's trap runs after.
	trap 'tq_web_status=$?; tq_stop_pidfile "$web/lighttpd.pid"; (exit $tq_web_status); tq_cleanup' EXIT
	lighttpd -f "$web/lighttpd.conf" >&2 || bail "lighttpd with thumbq-errors.lua failed to start"
else
	API_PORT=$SERVICES_PORT
fi
API=http://127.0.0.1:$API_PORT
i=0
until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$API/v1/thumbnails?id=none")" = 404 ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || bail "the API does not answer at $API"
	sleep 0.1
done

json='Content-Type: application/json'

# refused STATUS DESC METHOD PATH [CURL-ARG...]: the web server's JSON error.
refused() {
	tq_s=$1 tq_d=$2 tq_m=$3 tq_p=$4
	shift 4
	http "$tq_m" "$API$tq_p" --path-as-is "$@"
	expect_error "$tq_s" "$tq_d"
}

# The cases of both servers; where they differ, it is because Apache hands
# the request to thumbq.fcgi, which answers JSON with its own status.
if [ "$tq_webserver" = lighttpd ]; then
	s_nul_query=400 s_method=501
else
	s_nul_query=404 s_method=405
fi
refused 404 "GET /v1/thumbnails/..%2F..%2Fetc%2Fpasswd" GET '/v1/thumbnails/..%2F..%2Fetc%2Fpasswd'
refused "$s_nul_query" "GET /v1/thumbnails?id=%00" GET '/v1/thumbnails?id=%00'
pad=$tq_tmp/pad
head -c 2000000 /dev/zero | tr '\0' x >"$pad"
refused 413 "POST 2 MB body, Content-Length" POST /v1/thumbnails -H "$json" --data-binary "@$pad"
refused 413 "POST 2 MB body, chunked" POST /v1/thumbnails -H "$json" \
	-H 'Transfer-Encoding: chunked' --data-binary "@$pad"
refused "$s_method" "FOO /v1/thumbnails (unknown method)" FOO /v1/thumbnails
if [ "$tq_webserver" = lighttpd ]; then
	# Apache resolves these before it applies the /v1/ configuration (and
	# curl would too, without --path-as-is): lighttpd's script sees the
	# target as sent.
	refused 400 "GET /v1/thumbnails/%00" GET '/v1/thumbnails/%00'
	refused 400 "GET /v1/%ff (invalid UTF-8)" GET '/v1/%ff'
	refused 404 "GET /v1/thumbnails/../../etc/passwd" GET '/v1/thumbnails/../../etc/passwd'
	long=$(head -c 70000 /dev/zero | tr '\0' a)
	refused 431 "GET with a 70 KB header" GET /v1/thumbnails -H "X-Pad: $long"
	refused 431 "GET a 70 KB URL" GET "/v1/thumbnails/$long"
fi

# thumbq.fcgi's own answer passes through unchanged.
http GET "$API/v1/thumbnails?id=00000000-0000-4000-8000-000000000000"
expect_error 404 "thumbq.fcgi's 404"
is "$(jbody .message)" "Thumbnail 00000000-0000-4000-8000-000000000000 not found" \
	"thumbq.fcgi's 404: its own message"
http GET "$API/v1/thumbnails?id=%41"
expect_error 404 "thumbq.fcgi's 404 for an escaped id"

# Outside /v1/ the server's own error pages stay.
http GET "$API/thumbnails/no/ne/none.jpg"
is "$HTTP_CODE" 404 "GET /thumbnails/... (missing): 404"
like "$HTTP_CTYPE" '^text/html' "GET /thumbnails/... (missing): the server's HTML page" ||
	diag "$(last_response)"

# ---- a WebP thumbnail is served as image/webp
http POST "$API/v1/thumbnails" -H "$json" \
	--data-binary "{\"url\": \"$ORIGIN/photo.jpg\", \"format\": \"webp\"}"
id=$(jbody '.id // empty')
ok "POST format webp: 201" [ "$HTTP_CODE" = 201 ] || diag "$(last_response)"
if [ -n "$id" ] && wait_jobs 60 "$id"; then
	is "$(job "$id" .status)" completed "webp job: completed" || diag "$(cat "$tq_tmp/job.$id")"
	url=$(job "$id" .resized_url)
	like "$url" '\.webp$' "webp job: resized_url ends in .webp"
	# Only ever from this server, whatever host resized_url names.
	http GET "$API/${url#*://*/}"
	is "$HTTP_CODE" 200 "GET the WebP thumbnail"
	is "$HTTP_CTYPE" image/webp "WebP thumbnail served as image/webp"
	is "$(gm identify -format '%m' "$tq_body" 2>&1)" WEBP "the download is a WebP image"
else
	fail "webp job ends within 60 s"
fi

done_testing
