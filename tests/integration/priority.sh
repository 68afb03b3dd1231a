#!/bin/sh
# Priority: an interactive child (interactive_workers) takes high- and
# normal-priority jobs only, so that an interactive job starts at once
# while every other child holds low-priority jobs; the other children run
# nicer (worker_nice), so that its thumbnail takes the CPU first.  The origin (flaky-origin.py)
# holds the low-priority images back (delay=), which keeps the one regular
# child's two download threads busy with them; a high-priority job posted
# then can only be done by the interactive child, and must be, while the
# low jobs are still in hand and two more still queued (which the
# interactive child must not take).  No timing is asserted beyond "before
# the low jobs' origin answers".
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

# The one test here that runs an interactive child (lib.sh turns it off).
THUMBQ_INTERACTIVE_WORKERS=1
export THUMBQ_INTERACTIVE_WORKERS

tq_setup
fl_setup
fl_origin_start
free_port PORT
API=http://127.0.0.1:$PORT
RS=$tq_tmp/run
LEASE_MS=60000
fl_start_services "$RS" "$PORT" "redis lighttpd" "THUMBQ_FETCH_ALLOW_NETWORKS=127.0.0.0/8, ::1" \
	THUMBQ_WORKERS=1 THUMBQ_DOWNLOADS=2 THUMBQ_COURIERS=0 THUMBQ_SHUTDOWN_TIMEOUT=30 \
	THUMBQ_LEASE_SECONDS=$((LEASE_MS / 1000))
fl_thumbqd_fg "$RS"
ok "thumbqd runs 1 worker and 1 interactive child" fl_wait 10 fl_has_children "$FG_PID" 2
ok "the interactive child says so when it starts" \
	fl_wait 10 grep -q 'event=child_started .*interactive=1' "$RS/thumbqd.log"

# The interactive child: its pid (for its log lines) and worker id (for
# its claim list).
iline=$(grep 'event=child_started .*interactive=1' "$RS/thumbqd.log" | head -n 1)
ipid=$(echo "$iline" | sed -n 's/^thumbqd\[\([0-9]*\)\].*/\1/p')
iwid=$(echo "$iline" | sed -n 's/.* wid=\([^ ]*\) .*/\1/p')
[ -n "$ipid" ] && [ -n "$iwid" ] || bail "no interactive child in the log: $iline"

# nice_of PID: its nice level (field 19 of /proc/PID/stat).
nice_of() { sed 's/.*) //' "/proc/$1/stat" | cut -d ' ' -f 17; }
rpid=$(fl_children "$FG_PID" | grep -vx "$ipid")
want=$(($(nice_of "$FG_PID") + 10))
[ "$want" -le 19 ] || want=19
is "$(nice_of "$rpid")" "$want" "the regular child runs 10 nicer than the master (worker_nice)"
is "$(nice_of "$ipid")" "$(nice_of "$FG_PID")" "the interactive child at the master's nice level"

# llen KEY: the length of the list thumbq:KEY.
llen() { fl_redis "$RS" LLEN "thumbq:$1"; }
low_queued_is() { [ "$(llen pending:low)" = "$1" ]; }
# done_by ID PID: PID's log says it completed ID.
done_by() { grep -q "^thumbqd\[$2\]:.* job=$1 event=completed" "$RS/thumbqd.log"; }
# first_done: the job id of the first completion in the log.
first_done() {
	sed -n 's/.* job=\([0-9a-f-]*\) event=completed.*/\1/p' "$RS/thumbqd.log" | head -n 1
}

# post URL PRIORITY: POST with that priority; JOB_ID, or bail.
post() {
	fl_post "$1" "\"priority\": \"$2\""
	[ -n "$JOB_ID" ] || bail "POST $1 ($2) failed: $HTTP_CODE"
}

# Four low-priority jobs whose origin answers after 9 s (downloads give up
# after 10 s without a byte): the regular child's two threads claim two,
# and two stay queued.
lows=
i=1
while [ $i -le 4 ]; do
	post "$FORIGIN/photo.jpg?case=low&n=$i&delay=9" low
	lows="$lows $JOB_ID"
	i=$((i + 1))
done
ok "the regular child claims two low jobs, two stay queued" fl_wait 5 low_queued_is 2
# Time for the interactive child to claim one, were it to take low jobs.
sleep 1
is "$(llen pending:low):$(llen "claim:$iwid")" 2:0 \
	"the interactive child claims no low job (2 queued, its claim list empty)"

post "$FORIGIN/photo.jpg?case=high" high
high=$JOB_ID
ok "a high job completes while the regular child holds low jobs" \
	fl_wait 15 fl_job_is "$high" completed || diag "high: $(fl_job_json "$high")"
ok "the interactive child did it" done_by "$high" "$ipid"
is "$(first_done)" "$high" "before any low job"
is "$(llen pending:low)" 2 "the two queued low jobs are still queued"

post "$FORIGIN/photo.jpg?case=normal" normal
normal=$JOB_ID
ok "a normal job completes too" fl_wait 15 fl_job_is "$normal" completed ||
	diag "normal: $(fl_job_json "$normal")"
ok "the interactive child did it" done_by "$normal" "$ipid"

# shellcheck disable=SC2086 # ids, no blanks
ok "every low job completes in the end" fl_wait 90 fl_jobs_done $lows
n=0
for id in $lows; do
	fl_job "$id"
	[ "$JS_STATUS:$JS_ATTEMPTS" = completed:1 ] && n=$((n + 1))
	done_by "$id" "$ipid" && diag "low job $id was done by the interactive child"
done
is "$n" 4 "all four completed at their first attempt"
# ---- A child whose decoder is at work passes high jobs over.  The regular
# child thumbnails a low job that takes seconds of CPU; its other download
# thread waits for a wake-up, which a high job's arrival gives it at once,
# before the interactive child's next look.  Taken by that thread, the high
# job would wait for the slow image; it must be left to the interactive
# child.
gen=$tq_tmp/gen
mkdir -p "$gen"
# About two seconds of CPU to decode (interlaced, 49 megapixels).
gm convert -size 7000x7000 gradient:red-blue -interlace Line "$gen/slow.png" ||
	bail "gm cannot make slow.png"
python3 "$top_srcdir/tests/integration/flaky-origin.py" "$gen" "$FO/control" \
	"$tq_tmp/gen.port" "$tq_tmp/gen.log" </dev/null >/dev/null 2>&1 &
fl_bg_add $!
fl_wait 15 test -s "$tq_tmp/gen.port" || bail "second origin did not start"
GEN=http://127.0.0.1:$(cat "$tq_tmp/gen.port")

# thumbnailing ID: the job's lease was renewed (its thumbnail started) a
# second or more after its claim, the time its download was held back.
thumbnailing() {
	th_d=$(fl_redis "$RS" ZSCORE thumbq:leases "$1")
	th_c=$(fl_redis "$RS" HGET "thumbq:job:{$1}" claimed)
	[ -n "$th_d" ] && [ -n "$th_c" ] && [ $((${th_d%.*} - th_c)) -ge $((LEASE_MS + 900)) ]
}
# line_of ID: the line number of ID's completion in the log.
line_of() { grep -n " job=$1 event=completed" "$RS/thumbqd.log" | head -n 1 | cut -d: -f1; }

post "$GEN/slow.png?case=slow&delay=1" low
slow=$JOB_ID
ok "the regular child starts thumbnailing a slow low job" fl_wait 20 thumbnailing "$slow" ||
	diag "slow: $(fl_job_json "$slow")"
post "$FORIGIN/photo.jpg?case=high2" high
high2=$JOB_ID
ok "a high job posted meanwhile completes" fl_wait 15 fl_job_is "$high2" completed ||
	diag "high: $(fl_job_json "$high2")"
ok "the interactive child did it, not the busy child's free thread" done_by "$high2" "$ipid"
ok "the slow job completes" fl_wait 90 fl_job_is "$slow" completed ||
	diag "slow: $(fl_job_json "$slow")"
ok "after the high job" [ "$(line_of "$high2")" -lt "$(line_of "$slow")" ]
ok "thumbqd stops" fl_stop "$FG_PID" 40
done_testing
