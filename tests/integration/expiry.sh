#!/bin/sh
# Expiry: a finished job and its thumbnail live thumbnail_ttl seconds; then
# thumbqd's sweep deletes both, and the job answers 404.  A thumbnail that
# answered an identical request (dedupe) is shared: each job expires on its
# own, and the file goes with the last of them.  The sweep takes nothing
# read back from Redis for a path unless it has the shape of a thumbnail's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_THUMBNAIL_TTL=8 THUMBQ_DEDUPE_TTL=8
post() { http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$1"; }
# gone ID: polls until the job answers 404 (at most 20 s).
gone() {
	i=0
	while [ $i -lt 200 ]; do
		http GET "$API/v1/thumbnails/$1"
		[ "$HTTP_CODE" = 404 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Records a compromised Redis could hold: a finished job whose id is a
# path, and one whose thumbnail path leads out of the docroot.  Their
# targets are files beside the run directory.
: >"$tq_tmp/victim.jpg"
: >"$tq_tmp/victim2.jpg"
forged=00000000-0000-4000-8000-00000000f0f0
redis-cli -s "$RUNDIR/redis.sock" ZADD thumbq:finished 0 ../../victim >/dev/null
redis-cli -s "$RUNDIR/redis.sock" HSET "thumbq:job:{$forged}" id "$forged" url http://x/ \
	status completed path ../../victim2.jpg >/dev/null
redis-cli -s "$RUNDIR/redis.sock" ZADD thumbq:finished 0 "$forged" >/dev/null
# The same in the index of each minute of ends.
: >"$tq_tmp/victim3.jpg"
forged2=00000000-0000-4000-8000-00000000f0f1
redis-cli -s "$RUNDIR/redis.sock" HSET "thumbq:job:{$forged2}" id "$forged2" url http://x/ \
	status completed path ../../victim3.jpg >/dev/null
redis-cli -s "$RUNDIR/redis.sock" RPUSH thumbq:ended:0 ../../victim "$forged2" >/dev/null
redis-cli -s "$RUNDIR/redis.sock" ZADD thumbq:ended_minutes 0 0 >/dev/null

post "{\"url\": \"$ORIGIN/photo.jpg\"}"
first=$(jbody .id)
wait_jobs 30 "$first" || fail "job finishes"
url=$(job "$first" .resized_url)
file=$RUNDIR/docroot/${url#*://*/}
ok "the thumbnail exists" [ -f "$file" ]
sleep 4
post "{\"url\": \"$ORIGIN/photo.jpg\"}"
second=$(jbody .id)
is "$(jbody .status)/$(jbody .resized_url)" "completed/$url" \
	"an identical request 4 s later is answered from the first thumbnail"

# The first job expires on time; the second still uses the file.
ok "the first job expires after thumbnail_ttl" gone "$first"
http GET "$API/v1/thumbnails/$second"
is "$HTTP_CODE" 200 "the second job is still there"
ok "and so is its thumbnail" kept "$url"

# Then the second expires, and the file with it.
ok "the second job expires after its own thumbnail_ttl" gone "$second"
expect_error 404 "an expired job answers 404"
is "$(unserved "$url")" 404 "the shared thumbnail went with the last job using it"
ok "the thumbnail file is gone" [ ! -e "$file" ]

# By now the sweep has gone past the forged records many times.
ok "a finished id that is a path removes nothing" [ -e "$tq_tmp/victim.jpg" ]
ok "a thumbnail path out of the docroot is not removed" [ -e "$tq_tmp/victim2.jpg" ]
ok "... nor one found through the lists of each minute" [ -e "$tq_tmp/victim3.jpg" ]
like "$(grep 'event=bad_path' "$RUNDIR/thumbqd.log")" "job=$forged" "thumbqd logs the forged path it refused"
is "$(redis-cli -s "$RUNDIR/redis.sock" ZCARD thumbq:finished)" 0 "and the forged records are gone from the index"
is "$(redis-cli -s "$RUNDIR/redis.sock" --scan --pattern 'thumbq:ended:*' | wc -l) $(redis-cli -s "$RUNDIR/redis.sock" ZCARD thumbq:ended_minutes)" "0 0" \
	"every expired job, forged or not, left the lists of each minute, and their minutes the index"
done_testing
