#!/bin/sh
# Fault injection against real processes: no accepted job is ever lost.
#
# First each fault alone, where the outcome can be checked exactly:
#   1. the origin answers 503: the job shows `attempts` and the last error
#      while it stays queued, then completes once the origin recovers;
#   2. an unwritable docroot, a thumbnail that cannot be renamed into
#      place, a full docroot (a write that fails part-way): the attempt
#      fails and is retried without using up an attempt (an outage of the
#      storage is not the image's fault), no temporary file is left, the
#      job is never completed without its file; a child that dies in the middle of its
#      write leaves nothing behind once the job is done;
#   3. SIGHUP: the config is read again and the children are replaced, and
#      jobs in flight finish on their first attempt;
#   4. the master is SIGKILLed: its children do not run on as orphans (they
#      finish the job in hand and exit);
#   5. master and children are SIGKILLed together: a restarted thumbqd
#      recovers the lease they held; Redis restarts with no request in
#      between: the API answers at once when it is back (no 503), the
#      workers take jobs again;
#   6. SIGTERM: jobs in flight finish, nothing new is claimed, thumbqd exits
#      0 within shutdown_timeout; a job longer than that is killed and
#      requeued, never left `processing`.
# Then all of them at once (7): 540 jobs over the fixtures from a local
# origin while children are SIGKILLed every 200-500 ms, the master is
# SIGKILLed and restarted twice, redis-server is restarted, and the origin
# answers 503 for a while.  At the end every accepted job is completed, or
# failed for the permanent reason planned; every thumbnail exists, decodes,
# and is the same bytes as every other thumbnail of the same source; no
# temporary file is left; no job was completed twice; no queue holds
# anything; and the API (POSTs, and a client polling GETs all along)
# answered nothing but 201 and 200, and 503 only while Redis was down,
# always within 5 s.  The figures are printed as "# " lines.
#
# FAULTS_KEEP=DIR keeps a copy of every run directory and log for a
# post-mortem.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
fl_origin_start
t_start=$(date +%s)
# section NAME: a diagnostic line with the time since the start.
section() {
	diag "[$(($(date +%s) - t_start)) s] $*"
}
allow='127.0.0.0/8, ::1'
# No job here has a callback_url: every instance runs without webhook
# couriers (couriers = 0), so that the children of a master counted and
# killed below are all image workers.

# ===================================================================== 1-5
free_port S_PORT
API=http://127.0.0.1:$S_PORT
RS=$tq_tmp/s
docroot=$RS/docroot
tq_start_thumbq "$RS" "$S_PORT" "THUMBQ_FETCH_ALLOW_NETWORKS=$allow" THUMBQ_WORKERS=2 THUMBQ_COURIERS=0 \
	THUMBQ_LEASE_SECONDS=16 THUMBQ_FETCH_TIMEOUT=5 THUMBQ_MAX_ATTEMPTS=20 \
	THUMBQ_RETRY_DELAY_MS=300 THUMBQ_RETRY_MAX_DELAY_MS=1000 THUMBQ_SHUTDOWN_TIMEOUT=15 \
	THUMBQ_OUTAGE_RETRY_DELAY_MS=300 THUMBQ_OUTAGE_RETRY_MAX_DELAY_MS=1000

# retrying_again ID CODE: queued for a retry after at least two attempts.
retrying_again() {
	fl_job_retrying "$1" "$2" && [ "$JS_ATTEMPTS" -ge 2 ]
}

# outage_waiting ID: queued after storage_failed, with no attempt used up.
outage_waiting() {
	fl_job "$1"
	[ "$JS_STATUS" = queued ] && [ "$JS_ERR" = storage_failed ] && [ "${JS_ATTEMPTS:-0}" -eq 0 ]
}

# outage_retried ID N: the job waited after storage_failed at least N times
# (thumbqd's log), and is queued with no attempt used up.
outage_retried() {
	outage_waiting "$1" &&
		[ "$(grep -c "job=$1 event=outage_retry " "$RS/thumbqd.log")" -ge "$2" ]
}

section "1. origin 503"
# ---- 1. a transient origin error (503): attempts and the last error, then done
fl_origin_503
fl_post "$FORIGIN/photo.jpg?case=503"
id=$JOB_ID
ok "503 origin: POST accepted" [ -n "$id" ] || diag "$(last_response)"
if fl_wait 20 fl_job_retrying "$id" http_error; then
	pass "503 origin: the job is queued again with error.code http_error"
	ok "503 origin: attempts >= 1 while queued (got $JS_ATTEMPTS)" [ "$JS_ATTEMPTS" -ge 1 ]
	like "$JS_MSG" 503 "503 origin: error.message names the 503"
else
	fail "503 origin: the job is queued again with error.code http_error" "$(fl_job_json "$id")"
fi
# It keeps retrying, with backoff, while the origin keeps failing.
if fl_wait 20 retrying_again "$id" http_error; then
	pass "503 origin: retried, still queued, still showing the last error (attempts $JS_ATTEMPTS)"
else
	fail "503 origin: retried, still queued, still showing the last error" "$(fl_job_json "$id")"
fi
fl_origin_ok
if fl_wait 20 fl_job_is "$id" completed; then
	pass "503 origin recovered: the job completes"
	ok "503 origin: attempts >= 2 (got $JS_ATTEMPTS)" [ "$JS_ATTEMPTS" -ge 2 ]
	is "$(jq -r '.error // "none"' "$tq_tmp/job.$id")" none "503 origin: a completed job shows no error"
	ok "503 origin: the thumbnail decodes, 100x67" fl_decodes "$docroot/$JS_PATH" 100 67
else
	fail "503 origin recovered: the job completes" "$(fl_job_json "$id")"
fi

section "2a. unwritable docroot"
# ---- 2a. an unwritable docroot
mv "$docroot/thumbnails" "$docroot/thumbnails.saved"
if [ "$(id -u)" = 0 ]; then
	# Root writes through any mode bits; a file where the directory should
	# be cannot be written into by anyone.
	: >"$docroot/thumbnails"
	how="docroot/thumbnails is a file"
else
	mkdir "$docroot/thumbnails"
	chmod 0555 "$docroot/thumbnails"
	how="docroot/thumbnails is mode 0555"
fi
fl_post "$FORIGIN/photo.jpg?case=unwritable"
id=$JOB_ID
ok "unwritable docroot: POST accepted" [ -n "$id" ] || diag "$(last_response)"
if fl_wait 20 outage_waiting "$id"; then
	pass "unwritable docroot ($how): the attempt fails with storage_failed, queued for a retry, no attempt used up"
else
	fail "unwritable docroot ($how): the attempt fails with storage_failed, queued for a retry, no attempt used up" "$(fl_job_json "$id")"
fi
if fl_wait 20 outage_retried "$id" 3; then
	pass "unwritable docroot: retried 3 times, still queued, attempts still $JS_ATTEMPTS"
else
	fail "unwritable docroot: retried 3 times, still queued, no attempt used up" "$(fl_job_json "$id")"
fi
ok "unwritable docroot: never completed (status $JS_STATUS)" [ "$JS_STATUS" != completed ]
is "$(fl_tempfiles "$docroot")" "" "unwritable docroot: no temporary files"
rm -rf "$docroot/thumbnails"
mv "$docroot/thumbnails.saved" "$docroot/thumbnails"
if fl_wait 20 fl_job_is "$id" completed; then
	pass "docroot writable again: the job completes"
	ok "docroot writable again: the thumbnail decodes" fl_decodes "$docroot/$JS_PATH" 100 67
else
	fail "docroot writable again: the job completes" "$(fl_job_json "$id")"
fi

section "2b. rename fails"
# ---- 2b. the write fails after the temporary file was made: a directory
# stands where the thumbnail goes, so rename(2) fails.  The origin holds the
# answer back 2 s, long enough to put it there once the job is claimed and
# its thumbnail's name is known.
fl_post "$FORIGIN/photo.jpg?case=rename&delay=2"
id=$JOB_ID
ok "rename fails: POST accepted" [ -n "$id" ] || diag "$(last_response)"
fl_wait 10 fl_job_is "$id" processing || diag "not claimed: $(fl_job_json "$id")"
name=$(fl_thumb_name "$RS" "$id")
ab=$(printf %s "$name" | cut -c1-2)
cd=$(printf %s "$name" | cut -c3-4)
blocker=$docroot/thumbnails/$ab/$cd/$name.jpg
ok "rename fails: the claimed job has its thumbnail's name" [ -n "$name" ]
mkdir -p "$blocker"
# thumbqd's user (not root) must still write beside it once it is gone.
chown -R --reference="$docroot/thumbnails" "$docroot/thumbnails/$ab"
if fl_wait 20 outage_waiting "$id"; then
	pass "rename fails: the attempt fails with storage_failed, queued for a retry"
	case $JS_MSG in
	*"$docroot"* | *thumbnails/*) fail "rename fails: error.message names no server path" "$JS_MSG" ;;
	*) pass "rename fails: error.message names no server path: $JS_MSG" ;;
	esac
	like "$(grep "job=$id event=storage_failed" "$RS/thumbqd.log")" "cannot rename" \
		"rename fails: thumbqd's log says what failed, with the job id"
else
	fail "rename fails: the attempt fails with storage_failed, queued for a retry" "$(fl_job_json "$id")"
fi
is "$(fl_tempfiles "$docroot")" "" "rename fails: the temporary file was removed"
ok "rename fails: not completed" [ "$JS_STATUS" != completed ]
rmdir "$blocker"
if fl_wait 20 fl_job_is "$id" completed; then
	pass "rename possible again: the job completes"
	ok "rename possible again: a regular file that decodes" fl_decodes "$docroot/$JS_PATH" 100 67
else
	fail "rename possible again: the job completes" "$(fl_job_json "$id")"
fi

section "2c. full docroot"
# ---- 2c. a full docroot: a write fails part-way (EFBIG from a file-size
# limit, as ENOSPC from a full disk).  big.jpg in an 800x800 box makes an
# 800x600 JPEG of tens of KB, well past the limit of 8 blocks (4 or 8 KB).
big='"width": 800, "height": 800'
tq_services stop "$RS" thumbqd >&2
fl_thumbqd_limited "$RS" 8 ignore
fl_wait 10 fl_has_children "$LIM_PID" 2 || diag "limited thumbqd has not 2 children"
fl_post "$FORIGIN/big.jpg?case=full" "$big"
id=$JOB_ID
ok "full docroot: POST accepted" [ -n "$id" ] || diag "$(last_response)"
if fl_wait 20 outage_retried "$id" 2; then
	pass "full docroot: the attempts fail with storage_failed and are retried, using up none (attempts $JS_ATTEMPTS)"
else
	fail "full docroot: the attempts fail with storage_failed and are retried" "$(fl_job_json "$id")"
fi
is "$(fl_tempfiles "$docroot")" "" "full docroot: no temporary (partial) file left"
is "$(fl_thumb_files "$RS" "$id")" "" "full docroot: no thumbnail file for the job"
ok "full docroot: thumbqd stops" fl_stop "$LIM_PID" 20
tq_services start "$RS" thumbqd >&2 || bail "thumbqd does not restart in $RS"
if fl_wait 20 fl_job_is "$id" completed; then
	pass "space again: the job completes"
	ok "space again: the thumbnail decodes, 800x600" fl_decodes "$docroot/$JS_PATH" 800 600
else
	fail "space again: the job completes" "$(fl_job_json "$id")"
fi
is "$(fl_tempfiles "$docroot")" "" "storage faults: no temporary files at the end"

section "2d. crash in write"
# ---- 2d. a child dies in the middle of writing a thumbnail (SIGXFSZ from
# the same limit: the one place where a crash can leave a file behind).
# Once the job has been done by another child, nothing of the dead one's
# attempt may remain.
tq_services stop "$RS" thumbqd >&2
fl_thumbqd_limited "$RS" 8 default
fl_post "$FORIGIN/big.jpg?case=crash-in-write" "$big"
id=$JOB_ID
ok "crash in write: POST accepted" [ -n "$id" ] || diag "$(last_response)"
ok "crash in write: a child dies of SIGXFSZ in its write" \
	fl_wait 20 grep -q 'event=child_died.*signal=25' "$RS/thumbqd.log"
ok "crash in write: thumbqd stops" fl_stop "$LIM_PID" 20
tq_services start "$RS" thumbqd >&2 || bail "thumbqd does not restart in $RS"
if fl_wait 20 fl_job_is "$id" completed; then
	pass "crash in write: the job completes later"
	ok "crash in write: the thumbnail decodes, 800x600" fl_decodes "$docroot/$JS_PATH" 800 600
else
	fail "crash in write: the job completes later" "$(fl_job_json "$id")"
fi
left=$(fl_tempfiles "$docroot")
is "$left" "" "crash in write: once the job is done, no temporary file of the dead child is left"
# Not to be counted again by the checks below.
# shellcheck disable=SC2086 # one path per line, no blanks in them
[ -z "$left" ] || rm -f $left

section "3. SIGHUP"
# ---- 3. SIGHUP: new config, new children, no job dropped
master=$(fl_master "$RS") || bail "no thumbqd master in $RS"
fl_wait 10 fl_has_children "$master" 2
old_kids=$(fl_children "$master")
is "$(echo "$old_kids" | wc -l | tr -d ' ')" 2 "before SIGHUP: 2 children (workers = 2)"
echo 'workers = 3' >>"$RS/thumbq.conf"
hup_ids=
i=1
while [ $i -le 8 ]; do
	fl_post "$FORIGIN/photo.jpg?case=hup&n=$i&delay=1.5"
	[ -n "$JOB_ID" ] || fail "SIGHUP: POST $i accepted" "$(last_response)"
	hup_ids="$hup_ids $JOB_ID"
	i=$((i + 1))
done
# shellcheck disable=SC2086
set -- $hup_ids
fl_wait 10 fl_job_is "$1" processing || diag "the first job is not processing: $(fl_job_json "$1")"
kill -HUP "$master"

# The old children finish their jobs and leave; three new ones replace them.
new_children_only() {
	fl_has_children "$master" 3 || return 1
	for k in $old_kids; do
		fl_gone "$k" || return 1
	done
}
ok "SIGHUP: the old children exit and 3 new ones run (workers = 3)" fl_wait 30 new_children_only ||
	diag "children now: $(fl_children "$master" | tr '\n' ' ') (old: $(echo "$old_kids" | tr '\n' ' '))"
is "$(fl_master "$RS")" "$master" "SIGHUP: same master"
# shellcheck disable=SC2086
ok "SIGHUP: every job finishes" fl_wait 40 fl_jobs_done $hup_ids
n_ok=0
for id in $hup_ids; do
	fl_job "$id"
	if [ "$JS_STATUS:$JS_ATTEMPTS" = completed:1 ]; then
		n_ok=$((n_ok + 1))
	else
		diag "SIGHUP: $(fl_job_json "$id")"
	fi
done
is "$n_ok" 8 "SIGHUP: all 8 jobs completed on their first attempt (none dropped or redone)"
ok "SIGHUP: thumbqd logged the reload" grep -q 'event=reloaded workers=3' "$RS/thumbqd.log"

section "4. master SIGKILLed"
# ---- 4. the master SIGKILLed: its children finish what they hold and exit
fl_post "$FORIGIN/photo.jpg?case=orphan&delay=2"
id=$JOB_ID
fl_wait 10 fl_job_is "$id" processing || diag "not processing: $(fl_job_json "$id")"
master=$(fl_master "$RS") || bail "no thumbqd master in $RS"
kids=$(fl_children "$master")
ok "master killed: it had children" [ -n "$kids" ]
kill -KILL "$master"
# shellcheck disable=SC2086
ok "master killed: no orphan: its children exit within 20 s" fl_wait 20 fl_all_gone $kids ||
	diag "still running: $(fl_alive_of $kids | tr '\n' ' ')"
if fl_wait 10 fl_job_is "$id" completed; then
	pass "master killed: the job in flight was finished by its child"
	is "$JS_ATTEMPTS" 1 "master killed: on the first attempt"
else
	fail "master killed: the job in flight was finished by its child" "$(fl_job_json "$id")"
fi
tq_services start "$RS" thumbqd >&2 || bail "thumbqd does not restart in $RS"

section "5. master and children SIGKILLed"
# ---- 5. master and children SIGKILLed together: the lease is recovered
fl_post "$FORIGIN/photo.jpg?case=lease&delay=3"
id=$JOB_ID
master=$(fl_master "$RS") || bail "no thumbqd master in $RS"
fl_wait 10 fl_job_is "$id" processing || diag "not processing: $(fl_job_json "$id")"
kids=$(fl_children "$master")
# shellcheck disable=SC2086
kill -KILL "$master" $kids
# shellcheck disable=SC2086
fl_wait 10 fl_all_gone "$master" $kids || diag "still running: $(fl_alive_of "$master" $kids | tr '\n' ' ')"
fl_job "$id"
is "$JS_STATUS" processing "all killed: the job is left processing, with its lease"
tq_services start "$RS" thumbqd >&2 || bail "thumbqd does not restart in $RS"
# lease_seconds = 16: the new master's reaper requeues it, a child redoes it.
if fl_wait 40 fl_job_is "$id" completed; then
	pass "restarted thumbqd: the job whose lease expired completes"
	is "$JS_ATTEMPTS" 2 "restarted thumbqd: on the second attempt"
else
	fail "restarted thumbqd: the job whose lease expired completes" "$(fl_job_json "$id")"
fi
is "$(fl_tempfiles "$docroot")" "" "kills: no temporary files"

section "5b. Redis restart"
# ---- Redis restarts while nobody asks: once it is back the API answers at
# once (a connection broken by the restart is not an outage), and the
# workers take jobs again.
http GET "$API/v1/thumbnails/$id"
is "$HTTP_CODE" 200 "before the Redis restart: GET answers 200"
tq_services stop "$RS" redis >&2
tq_services start "$RS" redis >&2 || bail "redis-server does not restart in $RS"
codes=
for i in 1 2 3 4; do
	http GET "$API/v1/thumbnails/$id"
	codes="$codes $HTTP_CODE"
done
is "$codes" " 200 200 200 200" "Redis back: every GET answers 200, none 503"
fl_post "$FORIGIN/photo.jpg?case=after-redis-restart"
is "$HTTP_CODE" 201 "Redis back: POST answers 201"
id=$JOB_ID
ok "Redis back: the workers complete a new job" fl_wait 20 fl_job_is "$id" completed ||
	diag "$(fl_job_json "$id")"
tq_services stop "$RS" >&2

# ===================================================================== 6
section "6. SIGTERM"
# SIGTERM: thumbqd runs in the foreground here, so its exit status is ours.
free_port F_PORT
API=http://127.0.0.1:$F_PORT
RF=$tq_tmp/f
fl_start_services "$RF" "$F_PORT" "redis lighttpd" "THUMBQ_FETCH_ALLOW_NETWORKS=$allow" \
	THUMBQ_WORKERS=2 THUMBQ_COURIERS=0 THUMBQ_SHUTDOWN_TIMEOUT=20 THUMBQ_FETCH_TIMEOUT=40 \
	THUMBQ_LEASE_SECONDS=60
fl_thumbqd_fg "$RF"
fl_wait 10 fl_has_children "$FG_PID" 2 || diag "thumbqd has not 2 children"
fl_post "$FORIGIN/photo.jpg?case=term&delay=6"
id1=$JOB_ID
fl_wait 10 fl_job_is "$id1" processing || diag "not processing: $(fl_job_json "$id1")"
kids=$(fl_children "$FG_PID")
t_term=$(now_ms)
kill -TERM "$FG_PID"
# A job queued just after the signal, while the idle child still waits for
# work: a stopping thumbqd must not take it.
sleep 0.05
fl_post "$FORIGIN/photo.jpg?case=after-term"
id2=$JOB_ID
ok "SIGTERM: POST while thumbqd stops is accepted" [ -n "$id2" ] || diag "$(last_response)"
ok "SIGTERM: the idle child exits at once" fl_wait 5 fl_has_children "$FG_PID" 1
fl_wait_exit "$FG_PID" 30
is "$EXIT_STATUS" 0 "SIGTERM: thumbqd exits 0"
ok "SIGTERM: within shutdown_timeout = 20 s (took $((EXIT_AT - t_term)) ms; the job in flight had 6 s)" \
	[ $((EXIT_AT - t_term)) -lt 20000 ]
# shellcheck disable=SC2086
ok "SIGTERM: the children are gone" fl_all_gone $kids
fl_job "$id1"
is "$JS_STATUS:$JS_ATTEMPTS" completed:1 "SIGTERM: the job in flight finished, on its first attempt" ||
	diag "$(fl_job_json "$id1")"
fl_job "$id2"
is "$JS_STATUS:$JS_ATTEMPTS" queued:0 "SIGTERM: a job queued after the signal was not claimed by the stopping thumbqd" ||
	diag "$(fl_job_json "$id2")"

# A job longer than shutdown_timeout is cut off and requeued, not left
# processing: thumbqd kills the child and returns its claim.
echo 'shutdown_timeout = 2' >>"$RF/thumbq.conf"
fl_thumbqd_fg "$RF"
ok "restarted: the job queued during the stop completes" fl_wait 20 fl_job_is "$id2" completed ||
	diag "$(fl_job_json "$id2")"
fl_post "$FORIGIN/photo.jpg?case=term-timeout&delay=30"
id3=$JOB_ID
fl_wait 10 fl_job_is "$id3" processing || diag "not processing: $(fl_job_json "$id3")"
kids=$(fl_children "$FG_PID")
t_term=$(now_ms)
kill -TERM "$FG_PID"
fl_wait_exit "$FG_PID" 20
is "$EXIT_STATUS" 0 "SIGTERM past shutdown_timeout = 2 s: thumbqd exits 0"
ok "SIGTERM past shutdown_timeout: it did not wait for the 30 s job (took $((EXIT_AT - t_term)) ms)" \
	[ $((EXIT_AT - t_term)) -lt 10000 ]
# shellcheck disable=SC2086
ok "SIGTERM past shutdown_timeout: the children are gone" fl_all_gone $kids
fl_job "$id3"
is "$JS_STATUS:$JS_ATTEMPTS" queued:1 "SIGTERM past shutdown_timeout: the job cut off is queued again" ||
	diag "$(fl_job_json "$id3")"
ok "SIGTERM past shutdown_timeout: logged" grep -q 'event=shutdown_timeout' "$RF/thumbqd.log"
tq_services stop "$RF" >&2

# ===================================================================== 7
section "7. chaos"
# Everything at once.
NJOBS=540
free_port C_PORT
API=http://127.0.0.1:$C_PORT
RC=$tq_tmp/c
docroot=$RC/docroot
FT=$tq_tmp/chaos
mkdir -p "$FT/final"
# Enough attempts that crashes and the 503 spell cannot use them up (each
# killed attempt counts); short retry delays and leases keep the run short.
tq_start_thumbq "$RC" "$C_PORT" "THUMBQ_FETCH_ALLOW_NETWORKS=$allow" THUMBQ_WORKERS=4 THUMBQ_COURIERS=0 \
	THUMBQ_LEASE_SECONDS=15 THUMBQ_MAX_ATTEMPTS=100 THUMBQ_RETRY_DELAY_MS=200 \
	THUMBQ_RETRY_MAX_DELAY_MS=1000 THUMBQ_SHUTDOWN_TIMEOUT=10 THUMBQ_FETCH_TIMEOUT=4 \
	THUMBQ_FETCH_CONNECT_TIMEOUT=2

# fixture:width:height of its thumbnail (as in e2e.sh)
images='photo.jpg:100:67 big.jpg:100:75 progressive.jpg:100:67 photo.png:100:67
	alpha.png:100:100 anim.gif:100:75 photo.webp:100:75 alpha.webp:100:80 lossless.webp:64:48'
nimages=$(echo "$images" | wc -w)

# The submitter: POSTs NJOBS jobs one after the other, like a client: a 503
# is retried after 200 ms, anything else is recorded and not retried.  Job
# i is an image, except every 50th a 404 (http_error) and every 50th+25 an
# HTML page (unsupported_format): the planned permanent failures.  The
# origin holds each answer back 0-190 ms so that jobs are in flight when
# children are killed.  One line per request in submit.log:
#   i start_ms end_ms http_code id|- source
submitter() {
	tq_body=$FT/sub.body
	tq_headers=$FT/sub.headers
	s_end=$(($(date +%s) + 200))
	i=1
	while [ $i -le $NJOBS ] && [ "$(date +%s)" -lt "$s_end" ]; do
		case $((i % 50)) in
		0) src=missing.jpg ;;
		25) src=not-an-image.html ;;
		*)
			# shellcheck disable=SC2086 # one word per image
			set -- $images
			shift $((i % nimages))
			src=${1%%:*}
			;;
		esac
		t0=$(now_ms)
		fl_post "$FORIGIN/$src?n=$i&delay=0.$(((i * 37) % 20 / 10))$(((i * 37) % 10))"
		echo "$i $t0 $(now_ms) $HTTP_CODE ${JOB_ID:--} $src" >>"$FT/submit.log"
		if [ "$HTTP_CODE" = 503 ]; then
			sleep 0.2
		else
			i=$((i + 1))
		fi
	done
	: >"$FT/submit.done"
}

# The child killer: every 200-500 ms, SIGKILL one child of the current
# master (none while the master is down).  One line per kill in kills.log.
killer() {
	k_end=$(($(date +%s) + 240))
	while [ ! -e "$FT/stop-killer" ] && [ "$(date +%s)" -lt "$k_end" ]; do
		sleep "0.$((200 + $(fl_rand 300)))"
		m=$(fl_master "$RC") || continue
		k_kids=$(fl_children "$m")
		[ -n "$k_kids" ] || continue
		k_n=$(echo "$k_kids" | wc -l)
		k=$(echo "$k_kids" | sed -n "$(($(fl_rand "$k_n") + 1))p")
		kill -KILL "$k" 2>/dev/null && echo "$(now_ms) $k" >>"$FT/kills.log"
	done
}

# The poller: a client polling its jobs, GET /v1/thumbnails/{id} of the
# last job accepted, every 50 ms, through every fault.  One line per
# request in poll.log: start_ms end_ms http_code status
poller() {
	tq_body=$FT/poll.body
	tq_headers=$FT/poll.headers
	p_end=$(($(date +%s) + 240))
	while [ ! -e "$FT/stop-killer" ] && [ "$(date +%s)" -lt "$p_end" ]; do
		sleep 0.05
		p_id=$(awk '$4 == 201 { id = $5 } END { print id }' "$FT/submit.log")
		[ -n "$p_id" ] || continue
		t0=$(now_ms)
		http GET "$API/v1/thumbnails/$p_id"
		echo "$t0 $(now_ms) $HTTP_CODE $(sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' "$tq_body")" >>"$FT/poll.log"
	done
}

accepted() {
	awk '$4 == 201' "$FT/submit.log" | wc -l | tr -d ' '
}

# reached N: the submitter has had N jobs accepted (or is done).
reached() {
	[ "$(accepted)" -ge "$1" ] || [ -e "$FT/submit.done" ]
}

# The master is SIGKILLed; its children must leave; a new thumbqd starts.
master_restarts=0
kill_master() {
	km=$(fl_master "$RC") || { fail "chaos: a master to kill ($1)"; return; }
	km_kids=$(fl_children "$km")
	kill -KILL "$km"
	master_restarts=$((master_restarts + 1))
	# shellcheck disable=SC2086
	ok "chaos: master killed ($1): its children exit within 20 s" fl_wait 20 fl_all_gone $km_kids ||
		diag "still running: $(fl_alive_of $km_kids | tr '\n' ' ')"
	tq_services start "$RC" thumbqd >&2 || bail "thumbqd does not restart in $RC"
}

: >"$FT/submit.log"
: >"$FT/kills.log"
: >"$FT/poll.log"
t_chaos=$(now_ms)
submitter &
fl_bg_add $!
killer &
fl_bg_add $!
poller &
fl_bg_add $!

ok "chaos: 20% accepted" fl_wait 120 reached $((NJOBS / 5))
kill_master first

ok "chaos: 40% accepted" fl_wait 120 reached $((NJOBS * 2 / 5))
# Redis restarts (a clean stop: appendonly everysec is synced on shutdown).
# While it is down the API must answer 503 with a JSON body, quickly.
t_redis_down=$(now_ms)
tq_services stop "$RC" redis >&2
probe_id=$(awk '$4 == 201 { print $5; exit }' "$FT/submit.log")
t0=$(now_ms)
http GET "$API/v1/thumbnails/$probe_id"
probe_ms=$(($(now_ms) - t0))
expect_error 503 "chaos: GET while Redis is down"
ok "chaos: GET while Redis is down answers within 5 s (took $probe_ms ms)" [ "$probe_ms" -lt 5000 ]
t0=$(now_ms)
fl_post "$FORIGIN/photo.jpg?probe"
probe_ms=$(($(now_ms) - t0))
expect_error 503 "chaos: POST while Redis is down"
ok "chaos: POST while Redis is down answers within 5 s (took $probe_ms ms)" [ "$probe_ms" -lt 5000 ]
sleep 1.5
tq_services start "$RC" redis >&2 || bail "redis-server does not restart in $RC"
t_redis_up=$(now_ms)
http GET "$API/v1/thumbnails/$probe_id"
expect_status 200 "chaos: GET right after Redis is back"

ok "chaos: 60% accepted" fl_wait 120 reached $((NJOBS * 3 / 5))
fl_origin_503
sleep 3
fl_origin_ok

ok "chaos: 80% accepted" fl_wait 120 reached $((NJOBS * 4 / 5))
kill_master second

ok "chaos: the submitter finishes" fl_wait 180 test -e "$FT/submit.done"
sleep 2
: >"$FT/stop-killer"

# The accepted ids, and every job Redis knows (a POST that failed must not
# have left one behind; if it did, it has to finish too).
awk '$4 == 201 { print $5, $6 }' "$FT/submit.log" >"$FT/accepted"
cut -d' ' -f1 "$FT/accepted" >"$FT/ids"
n_accepted=$(wc -l <"$FT/ids" | tr -d ' ')
ok "chaos: at least 500 jobs accepted ($n_accepted)" [ "$n_accepted" -ge 500 ]
fl_redis "$RC" --scan --pattern 'thumbq:job:*' | sed 's/.*{\(.*\)}.*/\1/' | sort >"$FT/redis-ids"
sort "$FT/ids" >"$FT/ids.sorted"
extra=$(comm -13 "$FT/ids.sorted" "$FT/redis-ids")
# A POST whose script ran just as Redis shut down has a job but lost its
# reply (Redis does not flush replies when it stops): the client got 503 and
# the outcome is unknown to it, as with any request cut off mid-way.  Such
# jobs may exist, at most one per POST answered 503 or not at all, and must
# finish like the others (checked below with every job Redis knows).
n_phantom=$(printf '%s' "$extra" | grep -c . || true)
n_ambiguous=$(awk '$4 == 503 || $4 == "000"' "$FT/submit.log" | wc -l | tr -d ' ')
ok "chaos: Redis holds no job the API did not accept, but for POSTs cut off by the Redis restart ($n_phantom jobs, $n_ambiguous POSTs answered 503)" \
	[ "$n_phantom" -le "$n_ambiguous" ]

# Waits with redis-cli (one round trip for all) rather than the API.
sort -u "$FT/redis-ids" "$FT/ids.sorted" >"$FT/all-ids"
n_all=$(wc -l <"$FT/all-ids" | tr -d ' ')
finished() {
	sed 's/.*/HGET thumbq:job:{&} status/' "$FT/all-ids" |
		fl_redis "$RC" 2>/dev/null | grep -c '^\(completed\|failed\)$'
}
all_finished() {
	[ "$(finished)" = "$n_all" ]
}
ok "chaos: every job finishes within 120 s of the last fault" fl_wait 120 all_finished ||
	diag "finished: $(finished) of $n_all"
wall_ms=$(($(now_ms) - t_chaos))

# ---- every accepted job through the API: completed, or failed as planned
while read -r id; do
	printf 'url = "%s/v1/thumbnails/%s"\noutput = "%s/final/%s.json"\n' "$API" "$id" "$FT" "$id"
done <"$FT/ids" >"$FT/curl.cfg"
curl --noproxy '*' -s --max-time 60 -K "$FT/curl.cfg" -w '%{http_code}\n' >"$FT/final.codes" 2>"$FT/curl.err"
is "$(sort "$FT/final.codes" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')" "200:$n_accepted " \
	"chaos: GET of every accepted job answers 200"
# id status attempts error.code resized_url width height
while read -r id; do
	cat "$FT/final/$id.json" 2>/dev/null || echo '{}'
	echo
done <"$FT/ids" | jq -r '[.id // "-", .status // "-", (.attempts // "-" | tostring), .error.code // "-",
	.resized_url // "-", (.width // "-" | tostring), (.height // "-" | tostring)] | join(" ")' \
	>"$FT/final.tsv" 2>"$FT/jq.err"
# Joined with what was submitted: id source status attempts code path w h
awk -v api="$API/" 'NR == FNR { src[$1] = $2; next }
	{ p = $5; sub("^" api, "", p); print $1, ($1 in src ? src[$1] : "?"), $2, $3, $4, p, $6, $7 }' \
	"$FT/accepted" "$FT/final.tsv" >"$FT/jobs"
n_completed=$(awk '$3 == "completed"' "$FT/jobs" | wc -l | tr -d ' ')
n_failed=$(awk '$3 == "failed"' "$FT/jobs" | wc -l | tr -d ' ')
lost=$((n_accepted - n_completed - n_failed))
is "$lost" 0 "chaos: lost = 0 (accepted $n_accepted, completed $n_completed, failed $n_failed)" ||
	awk '$3 != "completed" && $3 != "failed"' "$FT/jobs" | head -n 10 | while read -r l; do diag "$l"; done
# Each awk check prints what it found wrong, then "checked N" with the lines
# it read: an awk that failed, or read nothing, cannot pass for a clean one.
wrong=$(awk '($2 == "missing.jpg" && !($3 == "failed" && $5 == "http_error")) ||
	($2 == "not-an-image.html" && !($3 == "failed" && $5 == "unsupported_format")) ||
	($2 != "missing.jpg" && $2 != "not-an-image.html" && $3 != "completed") { print }
	END { print "checked", NR }' "$FT/jobs")
is "$wrong" "checked $n_accepted" "chaos: images completed, planned failures failed with their code, nothing else failed"
n_planned=$(awk '$2 == "missing.jpg" || $2 == "not-an-image.html"' "$FT/jobs" | wc -l | tr -d ' ')

# ---- thumbnails: there, decodable, the expected size, one per job, the
# same bytes for the same source (so no job was completed twice with
# different files), and no temporary file anywhere
awk '$3 == "completed" { print $1, $2, $6, $7, $8 }' "$FT/jobs" >"$FT/completed"
missing=
: >"$FT/files"
while read -r id _ path _; do
	f=$docroot/$path
	if [ -f "$f" ]; then
		echo "$f" >>"$FT/files"
	else
		missing="$missing $id"
	fi
done <"$FT/completed"
is "$missing" "" "chaos: every completed job's file exists"
# shellcheck disable=SC2046
gm identify -format '%d/%f %w %h\n' $(cat "$FT/files") >"$FT/identify" 2>"$FT/identify.err"
bad=$(awk -v dr="$docroot/" -v imgs="$images" '
	BEGIN { n = split(imgs, a, /[ \t\n]+/); for (i = 1; i <= n; i++) { split(a[i], fx, ":"); want[fx[1]] = fx[2] " " fx[3] } }
	NR == FNR { got[$1] = $2 " " $3; next }
	{ c++; file = dr $3; if (!(file in got) || got[file] != $4 " " $5 || got[file] != want[$2]) print $1, $2, (file in got ? got[file] : "undecodable"), $4 " " $5 }
	END { print "checked", c + 0 }' "$FT/identify" "$FT/completed")
is "$bad" "checked $n_completed" "chaos: every thumbnail decodes, at the size its job and its source say"
# A job answered from an identical job's thumbnail (dedupe: a client that
# posted again after a 503) has no file of its own; its file was checked
# above.  Every attempt of a job writes the file name it got at its first
# claim: the name of each job (one redis-cli for all), and how many files
# bear each name.
awk '{ print "HGET thumbq:job:{" $1 "} file" }' "$FT/completed" | fl_redis "$RC" >"$FT/names"
find "$docroot/thumbnails" -type f ! -name '*.tmp.*' | sed 's|.*/||; s|\..*||' | sort | uniq -c \
	>"$FT/namecount"
more=$(awk 'FILENAME == ARGV[1] { name[FNR] = $0; next }
	FILENAME == ARGV[2] { cnt[$2] = $1; next }
	{ n = name[FNR]; own = n != "" && index($3, "/" n ".") > 0; c = (n in cnt) ? cnt[n] : 0
	  if ((own && c != 1) || (!own && c != 0)) print $1 ":" c }' \
	"$FT/names" "$FT/namecount" "$FT/completed")
is "$more" "" "chaos: exactly one file per completed job"
# shellcheck disable=SC2046
cksum $(cat "$FT/files") | awk '{ print $3, $1 }' >"$FT/sums"
differ=$(awk -v dr="$docroot/" 'NR == FNR { sum[$1] = $2; next }
	{ c++; s = sum[dr $3]; if (s == "") print $1, "no checksum"; else if (!($2 in first)) first[$2] = s; else if (s != first[$2]) print $1, $2 }
	END { print "checked", c + 0 }' "$FT/sums" "$FT/completed")
is "$differ" "checked $n_completed" "chaos: thumbnails of the same source are the same bytes"
is "$(fl_tempfiles "$docroot")" "" "chaos: no temporary files left"

# ---- Redis: counters agree, nothing left in any queue or claim
counter() {
	v=$(fl_redis "$RC" HGET thumbq:stats "$1")
	echo "${v:-0}"
}
is "$(fl_redis "$RC" PING)" PONG "chaos: Redis answers, for the checks that follow"
# Redis holds no job but ours (checked above), so its counter of completions
# must be the number of completed jobs: a second completion would count.
n_phantom_done=0
for pid in $extra; do
	[ "$(fl_redis "$RC" HGET "thumbq:job:{$pid}" status)" = completed ] &&
		n_phantom_done=$((n_phantom_done + 1))
done
is "$(counter completed)" "$((n_completed + n_phantom_done))" "chaos: no job was completed twice (completed counter = completed jobs)"
is "$(counter accepted)" "$((n_accepted + n_phantom))" "chaos: accepted counter = jobs accepted"
is "$(fl_redis "$RC" ZCARD thumbq:leases):$(fl_redis "$RC" ZCARD thumbq:retrying)" \
	0:0 "chaos: no lease and no retry waiting is left"
# Pending lists (one, or one per priority) and claim lists hold nothing.
nonempty() {
	fl_redis "$RC" --scan --pattern "$1" | while read -r k; do
		n=$(fl_redis "$RC" LLEN "$k")
		[ "$n" = 0 ] || echo "$k:$n"
	done
}
is "$(nonempty 'thumbq:pending*')" "" "chaos: no pending list holds a job"
is "$(nonempty 'thumbq:claim:*')" "" "chaos: no claim list holds a job"

# ---- the API answered 201, or 503 while Redis was down; nothing else
n_posts=$(wc -l <"$FT/submit.log" | tr -d ' ')
other=$(awk '$4 != 201 && $4 != 503 { print } END { print "checked", NR }' "$FT/submit.log")
is "$other" "checked $n_posts" "chaos: POST answered only 201 or 503"
out503=$(awk -v d="$t_redis_down" -v u="$t_redis_up" '$4 == 503 && ($3 < d || $2 > u) { print }
	END { print "checked", NR }' "$FT/submit.log")
is "$out503" "checked $n_posts" "chaos: 503 only while Redis was down" ||
	diag "Redis was down from $t_redis_down to $t_redis_up (ms)"
n503=$(awk '$4 == 503' "$FT/submit.log" | wc -l | tr -d ' ')
n_polls=$(wc -l <"$FT/poll.log" | tr -d ' ')
ok "chaos: the poller polled ($n_polls GETs)" [ "$n_polls" -gt 50 ]
other=$(awk '$3 != 200 && $3 != 503 { print } END { print "checked", NR }' "$FT/poll.log")
is "$other" "checked $n_polls" "chaos: GET answered only 200 or 503"
out503=$(awk -v d="$t_redis_down" -v u="$t_redis_up" '$3 == 503 && ($2 < d || $1 > u) { print }
	END { print "checked", NR }' "$FT/poll.log")
is "$out503" "checked $n_polls" "chaos: GET answered 503 only while Redis was down" ||
	diag "Redis was down from $t_redis_down to $t_redis_up (ms)"
n503=$((n503 + $(awk '$3 == 503' "$FT/poll.log" | wc -l)))
# Never a hang: every answer, 503s included, within 5 s.
slow=$(awk '$3 - $2 >= 5000 { print } END { print "checked", NR }' "$FT/submit.log")
is "$slow" "checked $n_posts" "chaos: every POST answered within 5 s"
slow=$(awk '$2 - $1 >= 5000 { print } END { print "checked", NR }' "$FT/poll.log")
is "$slow" "checked $n_polls" "chaos: every GET answered within 5 s"

# ---- thumbqd survived all of it
master=$(fl_master "$RC")
ok "chaos: thumbqd runs" [ -n "$master" ]
ok "chaos: with its 4 children" fl_wait 10 fl_has_children "$master" 4
ok "chaos: redis, thumbqd and lighttpd all still run" tq_services status "$RC"

# ---- figures
kills=$(wc -l <"$FT/kills.log" | tr -d ' ')
midjob=$(grep -c 'event=recovered' "$RC/thumbqd.log")
dups=$(grep -o 'job=[0-9a-f-]* event=completed' "$RC/thumbqd.log" | sort | uniq -d | wc -l | tr -d ' ')
leaselost=$(grep -c 'event=lease_lost' "$RC/thumbqd.log")
o503=$(grep -c '^503 ' "$FO/access.log")
diag "chaos figures:"
diag "  jobs accepted      $n_accepted ($((n_accepted - n_planned)) images, $n_planned planned permanent failures)"
diag "  completed / failed $n_completed / $n_failed"
diag "  lost               $lost"
diag "  child kills        $kills (with a job in hand: $midjob)"
diag "  restarts           master $master_restarts, redis 1"
diag "  API requests       $n_posts POST, $n_polls GET polls; $n503 answered 503 (Redis down $((t_redis_up - t_redis_down)) ms)"
diag "  origin 503s        $o503"
diag "  retries            $(counter retries)"
diag "  duplicates         $dups jobs thumbnailed more than once (at-least-once; $leaselost late results refused), 0 completed twice"
diag "  wall time          $((wall_ms / 1000)).$((wall_ms % 1000 / 100)) s chaos, $(($(date +%s) - t_start)) s whole suite"

done_testing
