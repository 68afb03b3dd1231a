#!/bin/sh
# storage = s3 against s3rver (npm), the S3-compatible server this machine
# can run from Debian's packages or npm without a cluster.  s3rver is a
# fake: it stores objects in a directory and checks the access key id, but
# does not verify Signature Version 4 signatures; libcurl's signing is
# proven against AWS's published test vectors in tests/unit/test-storage-s3.
# Here: thumbqd -t probes the bucket, path style and virtual-host style;
# jobs complete and each resized_url, read from the bucket, decodes at the
# job's size; thumbqd's own docroot stays empty; an unknown access key is
# refused (HTTP 403); DELETE and expiry remove the object; a job with
# variants has an object each, and its DELETE removes them all.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
s3rver=$(command -v s3rver) ||
	tq_skip "s3rver is not installed (npm install -g s3rver@3.7.1; tools/check installs what the tests need)"
tq_start_origin

# ---- the bucket: s3rver on its own loopback port, two buckets: "thumbs"
# (path style, http://127.0.0.1:PORT/thumbs) and "thumbs.localhost"
# (virtual-host style, http://thumbs.localhost:PORT: libcurl resolves
# *.localhost to loopback itself).
free_port S3_PORT
S3=http://127.0.0.1:$S3_PORT/thumbs
s3=$tq_tmp/s3
mkdir -p "$s3/data"
"$s3rver" -d "$s3/data" -a 127.0.0.1 -p "$S3_PORT" --configure-bucket thumbs \
	--configure-bucket thumbs.localhost </dev/null >"$s3/s3rver.log" 2>&1 &
S3_PID=$!
trap 'tq_st=$?; kill "$S3_PID" 2>/dev/null; (exit $tq_st); tq_cleanup' EXIT
i=0
until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$S3/")" != 000 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || bail "s3rver does not answer at $S3: $(head -c 300 "$s3/s3rver.log")"
	sleep 0.1
done
# s3rver's one account: access key S3RVER, secret key S3RVER.
secret=$tq_tmp/s3.secret
( umask 077 && echo S3RVER >"$secret" )
if [ "$(id -u)" -eq 0 ]; then
	chown thumbq "$secret" || bail "chown thumbq $secret failed"
fi

free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_STORAGE=s3 THUMBQ_STORAGE_URL="$S3" THUMBQ_STORAGE_USER=S3RVER \
	THUMBQ_STORAGE_PASSWORD_FILE="$secret" THUMBQ_BASE_URL="$S3" \
	THUMBQ_THUMBNAIL_TTL=15 THUMBQ_DEDUPE_TTL=0

# ---- thumbqd -t: a probe object written and removed, in either style
thumbqd=$top_builddir/worker/thumbqd
ok "thumbqd -t passes against the bucket, path style" "$thumbqd" -t -c "$RUNDIR/thumbq.conf"
ok "thumbqd -t passes against the bucket, virtual-host style" \
	env THUMBQ_STORAGE_URL="http://thumbs.localhost:$S3_PORT" "$thumbqd" -t -c "$RUNDIR/thumbq.conf"
is "$(find "$s3/data" -name 'thumbq-probe-*' | head -n 3)" "" "no probe object is left in either bucket"
out=$(THUMBQ_STORAGE_USER=NOBODY "$thumbqd" -t -c "$RUNDIR/thumbq.conf" 2>&1) &&
	fail "thumbqd -t fails for an unknown access key" "$out" ||
	like "$out" "HTTP 403 InvalidAccessKeyId \\(credentials refused\\)" \
		"thumbqd -t fails for an unknown access key: HTTP 403 InvalidAccessKeyId"

# ---- jobs complete; each thumbnail is read from the bucket
images='photo.jpg:JPEG:100:67:jpg alpha.png:PNG:100:100:png photo.webp:JPEG:100:75:jpg'
ids=
for spec in $images; do
	name=${spec%%:*}
	submit "$ORIGIN/$name"
	ok "POST $name: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
	eval "id_$(echo "$name" | tr . _)=\$JOB_ID"
	ids="$ids $JOB_ID"
done
# shellcheck disable=SC2086 # one argument per id
ok "every job ends within 60 s" wait_jobs 60 $ids
for spec in $images; do
	IFS=: read -r name fmt w h ext <<-EOF
		$spec
	EOF
	eval "id=\$id_$(echo "$name" | tr . _)"
	is "$(job "$id" .status)/$(job "$id" .width)x$(job "$id" .height)" "completed/${w}x$h" \
		"$name: completed at ${w}x$h" || diag "$(cat "$tq_tmp/job.$id")"
	url=$(job "$id" .resized_url)
	like "$url" "^$S3/thumbnails/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f-]{36}\\.$ext\$" \
		"$name: resized_url is in the bucket"
	got=$tq_tmp/thumb.$id
	http GET "$url"
	cp "$tq_body" "$got"
	is "$HTTP_CODE/$HTTP_CTYPE" "200/$(case $ext in jpg) echo image/jpeg ;; *) echo image/png ;; esac)" \
		"$name: the bucket serves it with its Content-Type"
	is "$(gm identify -format '%m %wx%h\n' "$got" 2>&1)" "$fmt ${w}x$h" "$name: it decodes at ${w}x$h"
done
is "$(find "$RUNDIR/docroot" -mindepth 1 ! -path "$RUNDIR/docroot/thumbnails" | head -n 5)" "" \
	"thumbqd wrote nothing into its own docroot"

# ---- DELETE through the API removes the object
# shellcheck disable=SC2154 # set through eval above
url=$(job "$id_photo_jpg" .resized_url)
http DELETE "$API/v1/thumbnails/$id_photo_jpg"
is "$HTTP_CODE" 204 "DELETE /v1/thumbnails/{id}: 204"
http GET "$url"
is "$HTTP_CODE" 404 "the object is gone from the bucket"

# ---- a job with variants: an object each, every one gone with a DELETE
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary \
	"$(jq -cn --arg u "$ORIGIN/photo.jpg" '{url: $u, variants: [{width: 150, height: 150},
		{width: 50, height: 50, format: "webp"}]}')"
vid=$(jbody '.id // empty')
ok "a job with two variants is accepted" [ -n "$vid" ] || diag "$(last_response)"
ok "it ends" wait_jobs 60 "$vid"
is "$(job "$vid" '[.variants[] | "\(.width)x\(.height) \(.format)"] | join(",")')" \
	"150x100 jpeg,50x33 webp" "both variants completed at their sizes"
vurls=$(job "$vid" '[.variants[].resized_url] | join(" ")')
for u in $vurls; do
	http GET "$u"
	is "$HTTP_CODE" 200 "variant object in the bucket: ${u##*/}"
done
http DELETE "$API/v1/thumbnails/$vid"
is "$HTTP_CODE" 204 "DELETE the variants job: 204"
for u in $vurls; do
	http GET "$u"
	is "$HTTP_CODE" 404 "variant object gone from the bucket: ${u##*/}"
done

# ---- expiry: thumbnail_ttl later the sweep removes the object
# shellcheck disable=SC2154 # set through eval above
url=$(job "$id_alpha_png" .resized_url)
i=0
while http GET "$url" && [ "$HTTP_CODE" = 200 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$HTTP_CODE" 404 "the expiry sweep removed an expired thumbnail from the bucket"
http GET "$API/v1/thumbnails/$id_alpha_png"
is "$HTTP_CODE" 404 "and its job answers 404"
done_testing
