#!/bin/sh
# A storage outage is the operator's problem, not the clients': the
# docroot's thumbnails directory is a small tmpfs that fills up mid-run and
# is freed 60 s later.  Meanwhile jobs wait (queued, no attempt used up,
# no path in error.message), thumbqd's circuit breaker stops the claims,
# /v1/health answers 503 "degraded" with the reason storage_failing and
# /v1/metrics counts it, thumbqctl health says so.  Once space is back every
# job completes on its first attempt, none failed, no temporary file is
# left, and health is ok again.  Mounting needs root: as another user the
# test is one SKIP (CI runs as root with THUMBQ_TEST_NO_SKIP=1).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || tq_skip "needs root to mount a tmpfs"
tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
thumbs=$RUNDIR/docroot/thumbnails
# Unmounted before tq_cleanup removes the run directory, whatever happens.
trap 'tq_st=$?; umount "$thumbs" 2>/dev/null; (exit $tq_st); tq_cleanup' EXIT
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_WORKERS=2 THUMBQ_COURIERS=0 THUMBQ_DEDUPE_TTL=0 \
	THUMBQ_OUTAGE_RETRY_DELAY_MS=500 THUMBQ_OUTAGE_RETRY_MAX_DELAY_MS=4000 \
	THUMBQ_STORAGE_BREAKER_FAILURES=3 THUMBQ_STORAGE_BREAKER_PROBE_S=2
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
owner=$(stat -c %u:%g "$thumbs")
mount -t tmpfs -o "size=1m,mode=0755,uid=${owner%:*},gid=${owner#*:}" thumbq-test "$thumbs" ||
	bail "cannot mount a tmpfs on $thumbs"
ids=
post_n() {
	for i in $(seq "$1" "$2"); do
		submit "$ORIGIN/photo.jpg?n=$i"
		[ -n "$JOB_ID" ] || { fail "POST $i accepted" "$(last_response)"; continue; }
		ids="$ids $JOB_ID"
	done
}

ok "health ok with a working storage" tq_wait_for 15 tq_health_is ok
post_n 1 20
ok "20 jobs complete with room on the storage" wait_jobs 30 $ids

# ---- the storage fills up
dd if=/dev/zero of="$thumbs/filler" bs=64k 2>/dev/null
fill_at=$(date +%s)
ok "the tmpfs is full" [ "$(df --output=avail -k "$thumbs" | tail -n 1 | tr -d ' ')" -lt 8 ]
post_n 21 60
ok "thumbqd's breaker opens" tq_wait_for 20 grep -q 'event=storage_breaker_open' "$RUNDIR/thumbqd.log"
ok "health answers degraded with the reason storage_failing" tq_wait_for 20 tq_health_is degraded storage_failing
is "$HTTP_CODE" 503 "health answers 503 while the storage fails"
like "$(jbody .message)" "storage has been failing" "health's message says the storage is failing"
is "$(jbody .storage.status)" failing "health's storage says failing"
http GET "$API/v1/metrics"
like "$(cat "$tq_body")" 'thumbq_degraded\{reason="storage_failing"\} 1' "metrics: thumbq_degraded{reason=storage_failing} 1"
like "$(cat "$tq_body")" 'thumbq_storage_outages_total [1-9]' "metrics count the outage"
like "$(cat "$tq_body")" 'thumbq_job_outage_retries_total [1-9]' "metrics count the retries that used up no attempt"
out=$(ctl health)
like "$out" 'status	degraded' "thumbqctl health says degraded"
like "$out" 'reason	storage_failing' "thumbqctl health gives the reason"
ctl health >/dev/null
is "$?" 1 "thumbqctl health exits 1 while degraded"

# While it lasts: nothing failed, the waiting jobs say why without a path.
sleep 10
failed=0 waiting=0 paths=
for id in $ids; do
	http GET "$API/v1/thumbnails/$id"
	case $(jbody .status) in
	failed) failed=$((failed + 1)) ;;
	queued) [ "$(jbody .error.code)" != storage_failed ] || waiting=$((waiting + 1)) ;;
	esac
	case $(jbody '.error.message // ""') in /* | *" /"*) paths="$paths $id" ;; esac
done
is "$failed" 0 "during the outage no job failed"
ok "during the outage jobs wait, queued with error.code storage_failed ($waiting)" [ "$waiting" -ge 1 ]
is "$paths" "" "no error.message names a path"
before=$(grep -c 'event=storage_failed' "$RUNDIR/thumbqd.log")
sleep 5
after=$(grep -c 'event=storage_failed' "$RUNDIR/thumbqd.log")
is "$((after - before))" 0 "the breaker holds the claims: no storage write tried in 5 s"

# ---- 60 s after it filled, the space is freed
now=$(date +%s)
[ $((fill_at + 60 - now)) -le 0 ] || sleep $((fill_at + 60 - now))
rm -f "$thumbs/filler"
ok "the breaker closes once a probe works" tq_wait_for 20 grep -q 'event=storage_breaker_closed' "$RUNDIR/thumbqd.log"
ok "all 60 jobs end" wait_jobs 60 $ids
n=0 done=0 bad=
for id in $ids; do
	n=$((n + 1))
	if [ "$(job "$id" .status)" = completed ] && [ "$(job "$id" .attempts)" = 1 ]; then
		done=$((done + 1))
	else
		bad="$bad $id:$(job "$id" .status)/$(job "$id" .attempts)"
	fi
done
is "$done/$n" "60/60" "every job completed, on its first attempt$bad"
is "$(find "$thumbs" -name '*.tmp.*' | wc -l)" 0 "no temporary files are left"
is "$(find "$thumbs" -name 'thumbq-probe-*' | wc -l)" 0 "no probe files are left"
missing=0
for id in $ids; do
	[ -s "$RUNDIR/docroot/$(job "$id" .resized_url | sed 's|^[a-z]*://[^/]*/||')" ] || missing=$((missing + 1))
done
is "$missing" 0 "every thumbnail is on the storage"
ok "health is ok again" tq_wait_for 15 tq_health_is ok
done_testing
