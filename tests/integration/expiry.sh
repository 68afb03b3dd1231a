#!/bin/sh
# Expiry: a finished job and its thumbnail live thumbnail_ttl seconds; then
# thumbqd's sweep deletes both, and the job answers 404.  A job answered from
# another's thumbnail (dedupe) keeps that file alive as long as it lives.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_THUMBNAIL_TTL=6 THUMBQ_DEDUPE_TTL=6
post() { http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$1"; }

post "{\"url\": \"$ORIGIN/photo.jpg\"}"
first=$(jbody .id)
wait_jobs 30 "$first" || fail "job finishes"
file=$RUNDIR/docroot/$(job "$first" .resized_url | sed 's|^https\{0,1\}://[^/]*/||')
ok "the thumbnail exists" [ -f "$file" ]
sleep 3
post "{\"url\": \"$ORIGIN/photo.jpg\"}"
second=$(jbody .id)
is "$(jbody .source_job)" "$first" "an identical request 3 s later is answered from the first thumbnail"

# The first job's own ttl has passed, but the second still uses its file.
sleep 4
http GET "$API/v1/thumbnails/$second"
is "$HTTP_CODE" 200 "the second job is still there"
ok "its thumbnail is still there" [ -f "$file" ]

# Both are past their ttl after another few seconds.
i=0
while [ $i -lt 150 ]; do
	http GET "$API/v1/thumbnails/$second"
	[ "$HTTP_CODE" = 404 ] && break
	sleep 0.1
	i=$((i + 1))
done
expect_error 404 "after thumbnail_ttl the job answers 404"
http GET "$API/v1/thumbnails/$first"
expect_error 404 "and so does the first"
ok "the thumbnail file is gone" [ ! -e "$file" ]
done_testing
