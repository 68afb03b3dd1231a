#!/bin/sh
# Download threads: one worker child downloads up to `downloads` images at
# once while it thumbnails one at a time, and never more; the jobs its
# threads hold are finished when thumbqd is told to stop, and put back on
# the queue when the child dies.  The origin (flaky-origin.py) holds each
# answer back (delay=), and records when each request arrived and was
# answered, from which the test reads how many were in flight at once.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
fl_origin_start
free_port PORT
API=http://127.0.0.1:$PORT
RS=$tq_tmp/run
fl_start_services "$RS" "$PORT" "redis lighttpd" "THUMBQ_FETCH_ALLOW_NETWORKS=127.0.0.0/8, ::1" \
	THUMBQ_WORKERS=1 THUMBQ_DOWNLOADS=4 THUMBQ_COURIERS=0 THUMBQ_SHUTDOWN_TIMEOUT=30
fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "thumbqd has not 1 child"

# peak GROUP: the most requests with group=GROUP the origin held at once.
peak() {
	grep "group=$1&" "$FO/access.log.spans" |
		awk '{ print $1, 1; print $2, -1 }' | sort -k1,1g -k2,2n |
		awk '{ c += $2; if (c > m) m = c } END { print m + 0 }'
}

# post_group GROUP N DELAY: N jobs for distinct URLs of GROUP, each answered
# after DELAY seconds; their ids in IDS.
post_group() {
	IDS=
	pg_i=1
	while [ "$pg_i" -le "$2" ]; do
		fl_post "$FORIGIN/photo.jpg?group=$1&n=$pg_i&delay=$3"
		[ -n "$JOB_ID" ] || bail "POST failed: $HTTP_CODE"
		IDS="$IDS $JOB_ID"
		pg_i=$((pg_i + 1))
	done
}

# all_are STATUS ID...: every job has STATUS.
all_are() {
	aa_s=$1
	shift
	for aa_id in "$@"; do
		fl_job_is "$aa_id" "$aa_s" || return 1
	done
}

# attempts_are N ID...: every job took N attempts.
attempts_are() {
	at_n=$1
	shift
	for at_id in "$@"; do
		fl_job "$at_id"
		[ "$JS_ATTEMPTS" = "$at_n" ] || {
			diag "job $at_id: attempts $JS_ATTEMPTS, not $at_n"
			return 1
		}
	done
}

# ---- 1. one child, downloads = 4: four at once, never five
post_group a 8 1
# shellcheck disable=SC2086 # one id per word
wait_jobs 60 $IDS || fail "8 slow jobs finish"
# shellcheck disable=SC2086
ok "one child with downloads = 4 completed all 8 slow jobs" all_are completed $IDS
is "$(peak a)" 4 "the origin held 4 of its requests at once (downloads = 4), never more"
# shellcheck disable=SC2086
ok "each on its first attempt" attempts_are 1 $IDS

# ---- 2. SIGTERM while the threads hold 4 jobs: all 4 are finished.
# A fresh child: one that has thumbnailed already claims past 2 jobs only
# while its decoder keeps up with its downloads (downloads.c's claim gate),
# which on a loaded machine it may not; before its first thumbnails it
# claims freely.
kill -TERM "$FG_PID"
fl_wait_exit "$FG_PID" 40
fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "restarted thumbqd has not 1 child"
post_group b 4 2
held=$IDS
# shellcheck disable=SC2086
fl_wait 30 all_are processing $held || diag "not all 4 processing"
# shellcheck disable=SC2086
ok "4 jobs are claimed at once by the one child" all_are processing $held
kill -TERM "$FG_PID"
fl_wait_exit "$FG_PID" 40
is "$EXIT_STATUS" 0 "SIGTERM: thumbqd exits 0 once the jobs its threads held are done"
# shellcheck disable=SC2086
ok "SIGTERM: all 4 held jobs completed" all_are completed $held
# shellcheck disable=SC2086
ok "SIGTERM: each on its first attempt" attempts_are 1 $held
ok "SIGTERM: the child logged its stop" grep -q 'event=child_stopped' "$RS/thumbqd.log"

# ---- 3. the child is SIGKILLed while it holds 4 jobs, thumbnailing none:
# all 4 come back, each with the attempt it used (nothing says which of them,
# if any, killed it)
fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "restarted thumbqd has not 1 child"
post_group c 4 2
held=$IDS
# shellcheck disable=SC2086
fl_wait 30 all_are processing $held || diag "not all 4 processing"
victim=$(fl_children "$FG_PID")
kill -KILL "$victim"
# shellcheck disable=SC2086
wait_jobs 60 $held || fail "the 4 jobs of the killed child finish"
# shellcheck disable=SC2086
ok "SIGKILL: all 4 jobs the child held completed" all_are completed $held
# shellcheck disable=SC2086
ok "SIGKILL: each took a second attempt" attempts_are 2 $held
fl_wait 10 fl_has_children "$FG_PID" 1
ok "SIGKILL: the killed child is gone" fl_gone "$victim"
new_child=$(fl_children "$FG_PID")
ok "SIGKILL: a new child replaced it" [ "${new_child:-$victim}" != "$victim" ]

# ---- 4. the child dies while it thumbnails one job and downloads three:
# only the job it was thumbnailing uses up an attempt (the image may be what
# killed it); the three others go back as they were.  A 5000x5000 PNG, from
# a second origin, takes the decoder about a second.
bigroot=$tq_tmp/bigroot
mkdir -p "$bigroot"
gm convert -size 5000x5000 gradient:red-blue "$bigroot/slow.png" || bail "gm cannot make slow.png"
python3 "$top_srcdir/tests/integration/flaky-origin.py" "$bigroot" "$FO/control" \
	"$tq_tmp/big.port" "$tq_tmp/big.log" </dev/null >/dev/null 2>&1 &
fl_bg_add $!
fl_wait 15 test -s "$tq_tmp/big.port" || bail "second origin did not start"
post_group e 3 5
downloading=$IDS
# shellcheck disable=SC2086
fl_wait 30 all_are processing $downloading || diag "not all 3 processing"
fl_post "http://127.0.0.1:$(cat "$tq_tmp/big.port")/slow.png?case=thumbnailing"
culprit=$JOB_ID
fl_wait 10 test -s "$tq_tmp/big.log.spans" || diag "slow.png was not fetched"
sleep 0.3
victim=$(fl_children "$FG_PID")
kill -KILL "$victim"
# shellcheck disable=SC2086
wait_jobs 60 $downloading "$culprit" || fail "the 4 jobs of the killed child finish"
# shellcheck disable=SC2086
ok "killed while thumbnailing: all 4 jobs completed" all_are completed $downloading "$culprit"
ok "killed while thumbnailing: thumbqd logged which job it was thumbnailing" \
	grep -q "event=recovered .* thumbnailing=$culprit" "$RS/thumbqd.log"
ok "killed while thumbnailing: that job used up an attempt" attempts_are 2 "$culprit"
# shellcheck disable=SC2086
ok "killed while thumbnailing: the 3 it was downloading did not" attempts_are 1 $downloading

# ---- 5. downloads = 1: one at a time
kill -TERM "$FG_PID"
fl_wait_exit "$FG_PID" 40
is "$EXIT_STATUS" 0 "thumbqd stopped to change downloads"
echo 'downloads = 1' >>"$RS/thumbq.conf"
fl_thumbqd_fg "$RS"
fl_wait 10 fl_has_children "$FG_PID" 1 || bail "thumbqd with downloads = 1 has not 1 child"
post_group d 3 0.5
# shellcheck disable=SC2086
wait_jobs 60 $IDS || fail "3 jobs finish with downloads = 1"
# shellcheck disable=SC2086
ok "downloads = 1: all 3 jobs completed" all_are completed $IDS
is "$(peak d)" 1 "downloads = 1: the origin never held two requests at once"
ok "the child logged its downloads" grep -q 'event=child_started .* downloads=1' "$RS/thumbqd.log"
done_testing
