#!/bin/sh
# Redis at its maxmemory refuses writes: the API answers 503 to new jobs,
# /v1/health answers 503 "degraded" with the reason redis_refusing_writes
# (out_of_memory), /v1/metrics and thumbqctl health say so, and the jobs
# accepted before are neither lost nor half-finished: once maxmemory is
# raised, every one completes on its first attempt (a claim Redis refused
# took nothing off the queue; a result it refused is recorded again), and
# health is ok again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_WORKERS=2 THUMBQ_COURIERS=0 THUMBQ_DEDUPE_TTL=0
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
rcli() { redis-cli -s "$RUNDIR/redis.sock" "$@"; }

ok "health ok" tq_wait_for 15 tq_health_is ok
ids=
for i in $(seq 1 40); do
	submit "$ORIGIN/photo.jpg?n=$i"
	if [ -n "$JOB_ID" ]; then ids="$ids $JOB_ID"; else fail "POST $i accepted" "$(last_response)"; fi
done
# ---- Redis full, with jobs queued and in flight
is "$(rcli CONFIG SET maxmemory 1)" OK "Redis' maxmemory set below its use"
refused=0
for i in 1 2 3 4 5; do
	submit "$ORIGIN/photo.jpg?full=$i"
	[ "$HTTP_CODE" != 503 ] || refused=$((refused + 1))
done
is "$refused" 5 "new jobs get 503 while Redis is full"
ok "health answers degraded with the reason redis_refusing_writes" tq_wait_for 5 tq_health_is degraded redis_refusing_writes
is "$HTTP_CODE" 503 "health answers 503 while Redis refuses writes"
is "$(jbody .redis)/$(jbody .redis_refusal)" refusing_writes/out_of_memory "health: redis refusing_writes, out_of_memory"
like "$(jbody .message)" "out of memory" "health's message says why"
http GET "$API/v1/metrics"
is "$HTTP_CODE" 200 "metrics still answer"
like "$(cat "$tq_body")" 'thumbq_degraded\{reason="redis_refusing_writes"\} 1' "metrics: thumbq_degraded{reason=redis_refusing_writes} 1"
out=$(ctl health)
like "$out" 'reason	redis_refusing_writes' "thumbqctl health gives the reason"
sleep 8
failed=0
for id in $ids; do
	http GET "$API/v1/thumbnails/$id"
	[ "$(jbody .status)" != failed ] || failed=$((failed + 1))
done
is "$failed" 0 "while Redis is full no job failed"
ok "thumbqd saw Redis refuse" grep -q 'OOM' "$RUNDIR/thumbqd.log"

# ---- maxmemory raised: work resumes by itself
is "$(rcli CONFIG SET maxmemory 0)" OK "maxmemory raised"
ok "all 40 accepted jobs end" wait_jobs 60 $ids
n=0 good=0 bad=
for id in $ids; do
	n=$((n + 1))
	if [ "$(job "$id" .status)" = completed ] && [ "$(job "$id" .attempts)" = 1 ] &&
		[ -s "$RUNDIR/docroot/$(job "$id" .resized_url | sed 's|^[a-z]*://[^/]*/||')" ]; then
		good=$((good + 1))
	else
		bad="$bad $id:$(job "$id" .status)/$(job "$id" .attempts)"
	fi
done
is "$good/$n" 40/40 "every accepted job completed on its first attempt, with its thumbnail$bad"
ok "health is ok again" tq_wait_for 20 tq_health_is ok
is "$(jbody .queue.pending)/$(jbody .queue.processing)/$(jbody .queue.retrying)" 0/0/0 "nothing is left queued or in flight"
submit "$ORIGIN/photo.jpg?after=1"
is "$HTTP_CODE" 201 "new jobs are accepted again"

# The check every suite runs at its end on every job's error.message
# (lib.sh's tq_paths_in_errors) finds a path when there is one.
planted="thumbq:job:{00000000-0000-4000-8000-0000000000aa}"
rcli HSET "$planted" status failed error_message "cannot write /srv/t/x.png.tmp.AB12: No space left" >/dev/null
like "$(tq_paths_in_errors "$RUNDIR")" "/srv/t/x.png.tmp.AB12" "the end-of-suite check finds a planted path"
rcli DEL "$planted" >/dev/null
is "$(tq_paths_in_errors "$RUNDIR")" "" "and none in this run's jobs"
done_testing
