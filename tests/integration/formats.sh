#!/bin/sh
# AVIF and JPEG XL thumbnails through the API, and format "negotiate".
# A job with format avif or jxl completes; its file is served by the web
# server as shipped (lighttpd/thumbq.conf; apache/thumbq.conf with
# THUMBQ_WEBSERVER=apache, formats-apache.sh) as image/avif or image/jxl and
# is what it says (gm identify, and heif-info / jxlinfo where installed).
# negotiate picks from the request's Accept header: a browser's that lists
# image/avif gets AVIF, one that lists WebP only gets WebP, curl's */* gets
# what auto gives; the job records the resolved format, and a second
# request with the same header shares the first one's thumbnail (dedupe on
# the resolved format) while another header does not; variants each have
# their format (negotiate too), and a batch negotiates once for all its
# jobs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8'
json='Content-Type: application/json'

# post BODY [ACCEPT]: POST /v1/thumbnails; sets JOB_ID.
post() {
	if [ -n "${2-}" ]; then
		http POST "$API/v1/thumbnails" -H "$json" -H "Accept: $2" \
			--data-binary "$1"
	else
		http POST "$API/v1/thumbnails" -H "$json" --data-binary "$1"
	fi
	JOB_ID=
	[ "$HTTP_CODE" = 201 ] && JOB_ID=$(jbody '.id // empty')
}

# check_served ID EXT CTYPE GM DESC: the completed job's file, served.
check_served() {
	is "$(job "$1" .status)" completed "$5: completed" ||
		diag "$(cat "$tq_tmp/job.$1")"
	url=$(job "$1" .resized_url)
	like "$url" "\\.$2\$" "$5: resized_url ends in .$2"
	http GET "$API/${url#*://*/}"
	is "$HTTP_CODE" 200 "$5: GET resized_url"
	is "$HTTP_CTYPE" "$3" "$5: served as $3"
	cp "$tq_body" "$tq_tmp/thumb.$2"
	is "$(gm identify -format '%m %wx%h' "$tq_tmp/thumb.$2" 2>&1)" \
		"$4 $(job "$1" .width)x$(job "$1" .height)" \
		"$5: gm identify says $4 at the job's size"
}

# ---- avif and jxl, asked by name
chrome='image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'
safari='image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5'
post "{\"url\": \"$ORIGIN/photo.jpg\", \"format\": \"avif\", \"width\": 160}"
ok "POST format avif: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
avif=$JOB_ID
post "{\"url\": \"$ORIGIN/alpha.png\", \"format\": \"jxl\"}"
ok "POST format jxl: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
jxl=$JOB_ID
post "{\"url\": \"$ORIGIN/photo.jpg\", \"format\": \"heic\"}"
expect_error 422 "format heic"
like "$(jbody .message)" 'negotiate' "format heic: the message lists the formats"

# ---- negotiate: the same source and box, three Accept headers
body="{\"url\": \"$ORIGIN/photo.jpg\", \"format\": \"negotiate\", \"width\": 120}"
post "$body" "$chrome"
ok "negotiate, Chrome's Accept: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
is "$(jbody .options.format)" avif "negotiate, Chrome's Accept: the job says avif"
n_chrome=$JOB_ID
post "$body" "$safari"
is "$(jbody .options.format)" webp "negotiate, Safari's Accept: the job says webp"
n_safari=$JOB_ID
post "$body"
is "$(jbody .options.format)" auto "negotiate, curl's */*: the job says auto"
n_any=$JOB_ID
post "$body" 'image/avif;q=0, image/webp;q=0'
is "$(jbody .options.format)" auto "negotiate, both refused with q=0: auto"

# shellcheck disable=SC2086 # one argument per id
ok "the jobs end within 90 s" wait_jobs 90 $avif $jxl $n_chrome $n_safari $n_any

[ -n "$avif" ] && check_served "$avif" avif image/avif AVIF "format avif"
[ -n "$jxl" ] && check_served "$jxl" jxl image/jxl JXL "format jxl"
if command -v heif-info >/dev/null 2>&1 && [ -s "$tq_tmp/thumb.avif" ]; then
	like "$(heif-info "$tq_tmp/thumb.avif" 2>&1 | tr "\n" " ")" 'image: 150x100 .*alpha channel: no' \
		"heif-info reads the AVIF at 150x100 (160x100 box), no alpha"
fi
if command -v jxlinfo >/dev/null 2>&1 && [ -s "$tq_tmp/thumb.jxl" ]; then
	like "$(jxlinfo "$tq_tmp/thumb.jxl" 2>&1)" '100x100, lossy, 8-bit RGBA' \
		"jxlinfo reads the JPEG XL at 100x100, with alpha"
fi
[ -n "$n_chrome" ] && check_served "$n_chrome" avif image/avif AVIF \
	"negotiate, Chrome's Accept"
[ -n "$n_safari" ] && check_served "$n_safari" webp image/webp WEBP \
	"negotiate, Safari's Accept"
[ -n "$n_any" ] && check_served "$n_any" jpg image/jpeg JPEG \
	"negotiate, curl's */*"

# ---- dedupe keys on the resolved format
post "$body" "$chrome"
again=$JOB_ID
post "$body" "image/webp"
other=$JOB_ID
# shellcheck disable=SC2086
ok "the repeated jobs end within 30 s" wait_jobs 30 $again $other
is "$(job "$again" .resized_url)" "$(job "$n_chrome" .resized_url)" \
	"negotiate again with Chrome's Accept: the first AVIF thumbnail, shared"
is "$(job "$other" .resized_url)" "$(job "$n_safari" .resized_url)" \
	"negotiate with image/webp: the WebP thumbnail, not the AVIF one"

# ---- variants: each its own format, negotiate among them
post "{\"url\": \"$ORIGIN/alpha.png?v\", \"variants\": [{\"format\": \"avif\", \"width\": 60},
	{\"format\": \"jxl\", \"width\": 80}, {\"format\": \"negotiate\"}]}" "$chrome"
ok "POST variants avif, jxl, negotiate: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
var=$JOB_ID
# shellcheck disable=SC2086
if [ -n "$var" ] && wait_jobs 60 $var; then
	is "$(job "$var" '[.variants[].format] | join(" ")')" "avif jxl avif" \
		"variants: avif, jxl, and negotiate with Chrome's Accept made avif"
	i=0
	for ct in image/avif image/jxl image/avif; do
		u=$(job "$var" ".variants[$i].resized_url")
		http GET "$API/${u#*://*/}"
		is "$HTTP_CODE $HTTP_CTYPE" "200 $ct" "variant $i served as $ct"
		i=$((i + 1))
	done
else
	fail "the variants job ends within 60 s"
fi

# ---- a batch negotiates once for all its jobs
http POST "$API/v1/batches" -H "$json" -H "Accept: $safari" --data-binary \
	"{\"urls\": [\"$ORIGIN/photo.jpg?b1\", \"$ORIGIN/alpha.png?b2\"], \"format\": \"negotiate\"}"
is "$HTTP_CODE" 201 "POST /v1/batches, negotiate with Safari's Accept: 201" ||
	diag "$(last_response)"
b1=$(jbody '.jobs[0].id // empty')
b2=$(jbody '.jobs[1].id // empty')
# shellcheck disable=SC2086
if [ -n "$b1" ] && [ -n "$b2" ] && wait_jobs 60 $b1 $b2; then
	is "$(job "$b1" .options.format) $(job "$b2" .options.format)" "webp webp" \
		"batch, negotiate with Safari's Accept: every job says webp"
	like "$(job "$b2" .resized_url)" '\.webp$' "batch: the transparent one is a WebP too"
else
	fail "the batch's jobs end within 60 s"
fi

done_testing
