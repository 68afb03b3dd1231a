#!/bin/sh
# Images that cost far more to decode than their size (issue 14: a 7 KB
# arithmetic-coded JPEG held a core for 17 s, and the jobs that waited
# behind it in the same child passed their lease and were decoded twice).
#
#   1. a child claims no more jobs than it will get to soon: while it
#      decodes an image that takes seconds, its threads hold 2 more jobs,
#      not one per thread;
#   2. real arithmetic-coded and many-scan JPEGs, made here by jpegtran from
#      a fixture, fail with a clear error.code before any decoder sees them
#      (GraphicsMagick itself would decode them);
#   3. the lease of a job starts again when its thumbnail starts;
#   4. a job whose lease ran out while it waited for the decoder is not
#      decoded from its stale copy (the child is frozen past the lease);
#   5. decode_cpu_ms: a legitimate but big image fails as image_too_costly
#      at once when the bound is set very low, and the jobs the stopped child
#      was downloading complete on their first attempt.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
tq_need jpegtran
fl_origin_start
free_port PORT
API=http://127.0.0.1:$PORT
RS=$tq_tmp/run
LEASE_MS=12000
fl_start_services "$RS" "$PORT" "redis lighttpd" "THUMBQ_FETCH_ALLOW_NETWORKS=127.0.0.0/8, ::1" \
	THUMBQ_WORKERS=1 THUMBQ_DOWNLOADS=4 THUMBQ_COURIERS=0 THUMBQ_FETCH_TIMEOUT=1 \
	THUMBQ_LEASE_SECONDS=$((LEASE_MS / 1000)) THUMBQ_DEDUPE_TTL=0 THUMBQ_SHUTDOWN_TIMEOUT=30

# ---- the images, made here: jpegtran recodes photo.jpg losslessly
gen=$tq_tmp/gen
mkdir -p "$gen"
fx=$top_srcdir/tests/fixtures
# scan_script N: a progressive script of N scans (N >= 4) for a colour JPEG:
# the DC of all components, luma's AC one coefficient a scan, then the rest.
scan_script() {
	ss_k=$(($1 - 4))
	echo "0,1,2: 0-0, 0, 0;"
	ss_i=1
	while [ "$ss_i" -le "$ss_k" ]; do
		echo "0: $ss_i-$ss_i, 0, 0;"
		ss_i=$((ss_i + 1))
	done
	echo "0: $((ss_k + 1))-63, 0, 0;"
	echo "1: 1-63, 0, 0;"
	echo "2: 1-63, 0, 0;"
}
scan_script 40 >"$gen/40.txt"
scan_script 32 >"$gen/32.txt"
jpegtran -arithmetic "$fx/photo.jpg" >"$gen/arith.jpg" &&
	jpegtran -arithmetic -progressive "$fx/photo.jpg" >"$gen/arith-prog.jpg" &&
	jpegtran -scans "$gen/40.txt" "$fx/photo.jpg" >"$gen/scans40.jpg" &&
	jpegtran -scans "$gen/32.txt" "$fx/photo.jpg" >"$gen/scans32.jpg" ||
	bail "jpegtran cannot make the test images"
# About two seconds of CPU to decode (interlaced, 49 megapixels: within
# max_pixels), 350 KB to download.
gm convert -size 7000x7000 gradient:red-blue -interlace Line "$gen/slow.png" ||
	bail "gm cannot make slow.png"
# A quarter of that: long enough to see a job while it is thumbnailed, short
# enough to end well within the lease on a slow (sanitizer, loaded) build.
gm convert -size 3500x3500 gradient:red-blue -interlace Line "$gen/mid.png" ||
	bail "gm cannot make mid.png"
for f in arith.jpg arith-prog.jpg scans40.jpg; do
	ok "$f is a JPEG GraphicsMagick decodes: refusing it is thumbq's choice" \
		fl_decodes "$gen/$f" 300 200
done
python3 "$top_srcdir/tests/integration/flaky-origin.py" "$gen" "$FO/control" \
	"$tq_tmp/gen.port" "$tq_tmp/gen.log" </dev/null >/dev/null 2>&1 &
fl_bg_add $!
fl_wait 15 test -s "$tq_tmp/gen.port" || bail "second origin did not start"
GEN=http://127.0.0.1:$(cat "$tq_tmp/gen.port")

fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "thumbqd has not 1 child"

# post URL: JOB_ID, or bail.
post() {
	fl_post "$1"
	[ -n "$JOB_ID" ] || bail "POST $1 failed: $HTTP_CODE"
}

# lease_gap ID: the job's lease deadline minus its claim time, in ms.
lease_gap() {
	lg_d=$(fl_redis "$RS" ZSCORE thumbq:leases "$1")
	lg_c=$(fl_redis "$RS" HGET "thumbq:job:{$1}" claimed)
	[ -n "$lg_d" ] && [ -n "$lg_c" ] || return 1
	echo $((${lg_d%.*} - lg_c))
}

# renewed ID: the job's lease was renewed at least 300 ms after its claim,
# that is, its thumbnail has started after a download of that long.
renewed() {
	rn_g=$(lease_gap "$1") && [ "$rn_g" -ge $((LEASE_MS + 300)) ]
}

# served PATTERN: the origin has answered a request matching PATTERN.
served() {
	grep -q -- "$1" "$FO/access.log" "$tq_tmp/gen.log" 2>/dev/null
}

# count_status STATUS ID...: how many of the jobs have STATUS.
count_status() {
	cs_s=$1 cs_n=0
	shift
	for cs_id in "$@"; do
		fl_job_is "$cs_id" "$cs_s" && cs_n=$((cs_n + 1))
	done
	echo "$cs_n"
}

# ---- 1. while the decoder is on an image that takes seconds, the child's
# threads claim 2 more jobs, not one each (downloads = 4): the rest stay in
# the queue, where any other child could take them
warm=
for i in 1 2 3; do
	post "$FORIGIN/photo.jpg?case=warm&n=$i"
	warm="$warm $JOB_ID"
done
# shellcheck disable=SC2086 # one id per word
wait_jobs 30 $warm || fail "3 photos to warm up complete"
post "$GEN/slow.png?case=gate"
slow=$JOB_ID
fl_wait 10 served 'case=gate' || diag "slow.png was not fetched"
# Its decoding now takes longer than any download of the photos.
sleep 0.5
gate=
for i in 1 2 3 4 5 6; do
	post "$FORIGIN/photo.jpg?case=gate&n=$i"
	gate="$gate $JOB_ID"
done
sleep 0.3
# shellcheck disable=SC2086
held=$(count_status processing $gate)
ok "the slow image is still being thumbnailed while the 6 photos wait" fl_job_is "$slow" processing
is "$held" 2 "2 of the 6 photos claimed while the decoder is busy, 4 left in the queue"
# shellcheck disable=SC2086
wait_jobs 60 "$slow" $gate || fail "the slow image and the 6 photos finish"
# shellcheck disable=SC2086
is "$(count_status completed $gate)" 6 "then all 6 photos completed"

# ---- 2. arithmetic-coded and many-scan JPEGs fail before any decoder runs
post "$GEN/arith.jpg"
arith=$JOB_ID
post "$GEN/arith-prog.jpg"
arith_prog=$JOB_ID
post "$GEN/scans40.jpg"
scans40=$JOB_ID
post "$GEN/scans32.jpg"
scans32=$JOB_ID
wait_jobs 30 "$arith" "$arith_prog" "$scans40" "$scans32" || fail "the 4 JPEG jobs finish"
fl_job "$arith"
is "$JS_STATUS $JS_ERR $JS_ATTEMPTS" "failed unsupported_format 1" \
	"arithmetic-coded JPEG: failed as unsupported_format, first attempt"
like "$JS_MSG" '^arithmetic-coded sequential jpeg image \(SOF9\): only Huffman-coded' \
	"... and the message says why"
fl_job "$arith_prog"
is "$JS_STATUS $JS_ERR" "failed unsupported_format" "arithmetic-coded progressive JPEG: unsupported_format"
like "$JS_MSG" '\(SOF10\)' "... naming SOF10"
fl_job "$scans40"
is "$JS_STATUS $JS_ERR $JS_ATTEMPTS" "failed image_too_costly 1" \
	"JPEG with 40 scans: failed as image_too_costly, first attempt"
like "$JS_MSG" 'more than 32 scans' "... and the message gives the limit"
fl_job "$scans32"
is "$JS_STATUS" completed "JPEG with 32 scans: completed"
is "$(fl_thumb_files "$RS/docroot" "$arith")$(fl_thumb_files "$RS/docroot" "$scans40")" "" \
	"no thumbnail file for the refused ones"

# ---- 3. the lease starts again when the thumbnail starts: a download of
# 0.8 s shows in the deadline, which is lease_seconds after the thumbnail's
# start, not after the claim.  (The decode must end within the lease: one
# that does not is requeued by the reaper, as any lease that runs out.)
post "$GEN/mid.png?case=renew&delay=0.8"
renew=$JOB_ID
if fl_wait 10 renewed "$renew"; then
	pass "the lease was renewed when the thumbnail started ($(lease_gap "$renew") ms after the claim)"
else
	fail "the lease was renewed when the thumbnail started" \
		"deadline - claimed: $(lease_gap "$renew") ms, lease $LEASE_MS ms"
fi
wait_jobs 30 "$renew" || fail "the renewed job finishes"
fl_job "$renew"
is "$JS_STATUS $JS_ATTEMPTS" "completed 1" "the renewed job completed on its first attempt"

# ---- 4. a job waits in a ready slot past its lease (the child is frozen
# while it decodes another): the reaper requeues it; the child does not
# decode the stale copy it holds, only the one it claims again
post "$GEN/slow.png?case=busy"
busy=$JOB_ID
fl_wait 10 served 'case=busy' || diag "slow.png was not fetched"
sleep 0.2
post "$FORIGIN/photo.jpg?case=stale"
stale=$JOB_ID
fl_wait 5 served 'case=stale' || diag "the photo was not fetched"
sleep 0.1
child=$(fl_children "$FG_PID")
kill -STOP "$child"
ok "frozen while the slow image decodes and the photo waits" fl_job_is "$busy" processing
ok "... the photo claimed and waiting" fl_job_is "$stale" processing
sleep $((LEASE_MS / 1000 + 4))
kill -CONT "$child"
wait_jobs 60 "$busy" "$stale" || fail "both jobs finish after the freeze"
# The child has both copies of the photo in hand, the stale one and the
# one claimed again: wait until it is done with both, whatever it did.
copies_done() {
	[ "$(grep -c "job=$stale event=\(completed\|stale_claim_dropped\)" "$RS/thumbqd.log")" -ge 2 ]
}
fl_wait 30 copies_done || diag "the child did not get through both copies of the photo"
sleep 0.5
fl_job "$stale"
# Attempt 2 at least: on a loaded machine the claim after the requeue can
# wait behind slow.png past its lease once more, and be requeued again.
is "$JS_STATUS" completed "the photo completed"
ok "... on a claim after its requeue (attempt $JS_ATTEMPTS)" [ "$JS_ATTEMPTS" -ge 2 ]
ok "its requeue was the reaper's (lease expired)" grep -q 'event=leases_expired' "$RS/thumbqd.log"
ok "the child dropped the stale copy before decoding it" \
	grep -q "job=$stale event=stale_claim_dropped attempt=1" "$RS/thumbqd.log"
ok "the photo was not decoded twice (no result refused for a lost lease)" \
	not grep -q "job=$stale event=lease_lost" "$RS/thumbqd.log"
is "$(grep -c "job=$stale event=completed" "$RS/thumbqd.log")" 1 "one thumbnail of the photo"

# ---- 5. decode_cpu_ms: with 200 ms, a big legitimate image fails at once;
# the photos the stopped child was downloading come back as they were
kill -TERM "$FG_PID"
fl_wait_exit "$FG_PID" 40
is "$EXIT_STATUS" 0 "thumbqd stopped to change decode_cpu_ms"
echo 'decode_cpu_ms = 200' >>"$RS/thumbq.conf"
fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "thumbqd with decode_cpu_ms = 200 has not 1 child"
victim=$(fl_children "$FG_PID")
downloading=
for i in 1 2; do
	post "$FORIGIN/photo.jpg?case=cpu&n=$i&delay=0.7"
	downloading="$downloading $JOB_ID"
done
t0=$(now_ms)
post "$GEN/slow.png?case=cpu"
costly=$JOB_ID
# shellcheck disable=SC2086
wait_jobs 30 "$costly" $downloading || fail "the costly job and the 2 photos finish"
fl_job "$costly"
is "$JS_STATUS $JS_ERR $JS_ATTEMPTS" "failed image_too_costly 1" \
	"slow.png over decode_cpu_ms: failed as image_too_costly, first attempt, not retried"
like "$JS_MSG" 'more than 200 ms of CPU time \(decode_cpu_ms\)' "... and the message gives the bound"
ok "... within 10 s of its POST" [ $(($(now_ms) - t0)) -lt 10000 ]
is "$(fl_thumb_files "$RS/docroot" "$costly")" "" "no thumbnail file for it"
for id in $downloading; do
	fl_job "$id"
	is "$JS_STATUS $JS_ATTEMPTS" "completed 1" "photo downloaded beside it: completed, first attempt" ||
		diag "$(grep -e "job=$id" -e "event=recover" -e "event=child_" "$RS/thumbqd.log" | tail -n 12)"
done
ok "the child stopped itself (exit status 3)" \
	grep -q "event=child_exited pid=$victim .* status=3" "$RS/thumbqd.log"
ok "the master failed the job it was thumbnailing" \
	grep -q "job=$costly event=failed code=image_too_costly .*cpu_limit_ms=200" "$RS/thumbqd.log"
fl_wait 10 fl_has_children "$FG_PID" 1
new_child=$(fl_children "$FG_PID")
ok "a new child replaced it" [ "${new_child:-$victim}" != "$victim" ]
post "$FORIGIN/photo.jpg?case=after"
wait_jobs 30 "$JOB_ID" || fail "a photo after the costly job finishes"
fl_job "$JOB_ID"
is "$JS_STATUS" completed "a photo after it completes within the bound"
done_testing
