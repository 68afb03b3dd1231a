#!/bin/sh
# End to end: real images from a local origin through the whole flow.
# POST each fixture's URL, poll GET /v1/thumbnails?id= to the end, download
# resized_url from lighttpd and measure it with `gm identify`; check that
# errors end the job `failed` with the right error.code; and that with the
# default fetch policy a loopback source is refused before any request.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
free_port CLOSED_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
# Sources are on 127.0.0.1, which the default policy refuses: open loopback.
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1'

fixtures=$top_srcdir/tests/fixtures
# fixture:format:width:height:extension of the expected thumbnail: inside the
# default 100x100 box, never enlarged, PNG when the source has transparency.
images='photo.jpg:JPEG:100:67:jpg big.jpg:JPEG:100:75:jpg progressive.jpg:JPEG:100:67:jpg
	photo.png:JPEG:100:67:jpg alpha.png:PNG:100:100:png anim.gif:JPEG:100:75:jpg
	photo.webp:JPEG:100:75:jpg alpha.webp:PNG:100:80:png lossless.webp:PNG:64:48:png'
# source URL:error.code
failures="$ORIGIN/missing.jpg:http_error $ORIGIN/not-an-image.html:unsupported_format
	http://127.0.0.1:$CLOSED_PORT/photo.jpg:connect_failed"

# ---- submit everything, then poll it all to the end
ids=
for spec in $images; do
	name=${spec%%:*}
	ok "fixture $name exists" [ -f "$fixtures/$name" ]
	submit "$ORIGIN/$name"
	ok "POST $name: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
	eval "id_$(echo "$name" | tr . _)=\$JOB_ID"
	ids="$ids $JOB_ID"
done
for spec in $failures; do
	submit "${spec%:*}"
	ok "POST ${spec%:*}: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
	eval "fid_${spec##*:}=\$JOB_ID"
	ids="$ids $JOB_ID"
done

# shellcheck disable=SC2086 # one argument per id
ok "every job ends completed or failed within 90 s" wait_jobs 90 $ids

# ---- completed jobs: JSON, file in the docroot, thumbnail served by lighttpd
for spec in $images; do
	IFS=: read -r name fmt w h ext <<-EOF
		$spec
	EOF
	eval "id=\$id_$(echo "$name" | tr . _)"
	if [ -z "$id" ]; then
		fail "$name: no job to check"
		continue
	fi
	is "$(job "$id" .status)" completed "$name: status completed" ||
		diag "job: $(cat "$tq_tmp/job.$id")"
	is "$(job "$id" .width)x$(job "$id" .height)" "${w}x$h" "$name: job width x height"
	# thumbnails/ab/cd/{name}.ext: a random name (not the job id), sharded
	# by its first four hex digits.
	url=$(job "$id" .resized_url)
	like "$url" "^$API/thumbnails/([0-9a-f]{2})/([0-9a-f]{2})/\\1\\2[0-9a-f]{4}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.$ext\$" \
		"$name: resized_url"
	case $url in
	*"$id"*) fail "$name: the thumbnail is not named by the job id" "$url" ;;
	*) pass "$name: the thumbnail is not named by the job id" ;;
	esac

	rel=${url#"$API"/}
	file=$RUNDIR/docroot/$rel
	ok "$name: thumbnail file in the docroot" [ -f "$file" ] || diag "no $file"

	# Only ever fetch from our own lighttpd, whatever resized_url says.
	got=$tq_tmp/thumb.$id
	http GET "$API/$rel"
	cp "$tq_body" "$got"
	is "$HTTP_CODE" 200 "$name: GET resized_url"
	case $ext in jpg) ctype=image/jpeg ;; png) ctype=image/png ;; esac
	is "$HTTP_CTYPE" "$ctype" "$name: served as $ctype"
	like "$(header Cache-Control)" 'max-age=[1-9][0-9]{6,}' "$name: served with a long max-age"
	is "$(gm identify -format '%m %wx%h\n' "$got" 2>&1)" "$fmt ${w}x$h" "$name: gm identify of the download"
	ok "$name: download equals the docroot file" cmp "$got" "$file"
done

# Both GET forms give the same job.
# shellcheck disable=SC2154 # id_photo_jpg is set through eval above
http GET "$API/v1/thumbnails/$id_photo_jpg"
expect_status 200 "GET /v1/thumbnails/{id} of a completed job"
jq -S . "$tq_body" >"$tq_tmp/rest.json" 2>/dev/null
jq -S . "$tq_tmp/job.$id_photo_jpg" >"$tq_tmp/seed.json" 2>/dev/null
ok "GET /v1/thumbnails/{id} equals GET ?id=" cmp "$tq_tmp/rest.json" "$tq_tmp/seed.json" ||
	diag "$(cat "$tq_tmp/rest.json")" "$(cat "$tq_tmp/seed.json")"

# ---- failed jobs: status failed, error.code, a message, no thumbnail
for spec in $failures; do
	src=${spec%:*} code=${spec##*:}
	eval "id=\$fid_$code"
	[ -n "$id" ] || { fail "$src: no job to check"; continue; }
	is "$(job "$id" .status)" failed "$src: status failed"
	is "$(job "$id" .error.code)" "$code" "$src: error.code $code"
	like "$(job "$id" '.error.message | strings')" . "$src: error.message"
	is "$(job "$id" '.resized_url // "none"')" none "$src: no resized_url"
done

ok "redis, thumbqd and lighttpd all still run" tq_services status "$RUNDIR"

# ---- the default fetch policy refuses loopback, before connecting
free_port API2_PORT
API=http://127.0.0.1:$API2_PORT
tq_start_thumbq "$tq_tmp/run2" "$API2_PORT"
submit "$ORIGIN/photo.jpg?blocked-by-default-policy"
ok "default policy: POST loopback URL: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
if [ -n "$JOB_ID" ] && wait_jobs 30 "$JOB_ID"; then
	is "$(job "$JOB_ID" .status)" failed "default policy: loopback source: status failed"
	is "$(job "$JOB_ID" .error.code)" address_blocked "default policy: error.code address_blocked"
else
	fail "default policy: the job ends within 30 s"
fi
ok "default policy: the origin saw no request" \
	not grep -q blocked-by-default-policy "$tq_tmp/origin/access.log"

done_testing
