#!/bin/sh
# Operating thumbq: /v1/health and /v1/metrics tell the truth, thumbqctl
# finds and retries a failed job and purges old ones, thumbqd -t checks a
# config, SIGHUP reloads it, SIGTERM stops cleanly and says goodbye.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_need pgrep
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_HEALTH_QUEUE_AGE_S=2
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
metric() { curl --noproxy '*' -s "$API/v1/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# ---- health with a live worker
http GET "$API/v1/health"
expect_status 200 "GET /v1/health with thumbqd running"
is "$(jbody .status)" ok "health says ok"
is "$(jbody .redis)" ok "health sees redis"
ok "health counts at least one worker child" [ "$(jbody .workers.children)" -ge 1 ]
is "$(jbody .queue.pending)" 0 "health shows an empty queue"

# ---- one good job, one failed job: metrics and thumbqctl see them
submit "$ORIGIN/photo.jpg"; good=$JOB_ID
submit "$ORIGIN/missing.jpg"; bad=$JOB_ID
wait_jobs 60 "$good" "$bad" || fail "jobs finish"
is "$(job "$good" .status)" completed "good job completed"
is "$(job "$bad" .error.code)" http_error "bad job failed with http_error"

http GET "$API/v1/metrics"
is "$HTTP_CODE" 200 "GET /v1/metrics: 200"
like "$HTTP_CTYPE" '^text/plain; version=0.0.4' "metrics in Prometheus text format"
is "$(metric thumbq_jobs_accepted_total)" 2 "metrics: 2 jobs accepted"
is "$(metric thumbq_jobs_completed_total)" 1 "metrics: 1 completed"
is "$(metric 'thumbq_jobs_failed_total{code="http_error"}')" 1 "metrics: 1 failed with http_error"
is "$(metric thumbq_processing_duration_seconds_count)" 2 "metrics: processing histogram counts both"
is "$(metric 'thumbq_end_to_end_duration_seconds_bucket{le="+Inf"}')" 2 "metrics: e2e histogram +Inf bucket"
ok "metrics: bytes fetched counted" [ "$(metric thumbq_fetched_bytes_total)" -gt 0 ]
ok "metrics: a worker host is live" [ "$(metric thumbq_worker_hosts)" -ge 1 ]

out=$(ctl stats)
is "$?" 0 "thumbqctl stats exits 0"
like "$out" "accepted	2" "thumbqctl stats counts accepted"
is "$(ctl --json stats | jq -r .counters.completed)" 1 "thumbqctl --json stats"
is "$(ctl failed | cut -f1,2)" "$bad	http_error" "thumbqctl failed lists the failed job and its code"
is "$(ctl --json failed --limit 5 | jq -r '.[0].id')" "$bad" "thumbqctl --json failed"
is "$(ctl job "$good" | jq -r .status)" completed "thumbqctl job shows a job"
ctl job 00000000-0000-4000-8000-000000000000 2>/dev/null
is "$?" 3 "thumbqctl job with an unknown id exits 3"
ctl retry "$good" 2>/dev/null
is "$?" 3 "thumbqctl retry of a completed job exits 3"
ctl retry "$bad" >/dev/null
is "$?" 0 "thumbqctl retry of the failed job exits 0"
wait_jobs 60 "$bad" || fail "retried job finishes"
is "$(job "$bad" .attempts)" 1 "retried job started again with fresh attempts"
is "$(ctl stats | awk '$1 == "manual_retries" { print $2 }')" 1 "stats count the manual retry"

url=$(job "$good" .resized_url)
file=$RUNDIR/docroot/${url#*://*/}
ok "completed job's thumbnail is in the docroot" [ -f "$file" ]
# A job answered from the good job's thumbnail (dedupe) shares its file: a
# purge that takes the good job keeps the file for it, the next takes both.
sleep 3
submit "$ORIGIN/photo.jpg"; borrower=$JOB_ID
is "$(jbody .status)/$(jbody .resized_url)" "completed/$url" "an identical job is answered from the good job's thumbnail"
out=$(ctl purge --older-than 2s)
like "$out" "purged	2 jobs	0 files" "thumbqctl purge of the jobs finished 2 s ago keeps the file still in use"
ok "the shared thumbnail is still there" [ -f "$file" ]
http GET "$API/v1/thumbnails/$good"
is "$HTTP_CODE" 404 "a purged job answers 404"
http GET "$API/v1/thumbnails/$borrower"
is "$HTTP_CODE/$(jbody .resized_url)" "200/$url" "the job using the file is still there"
out=$(ctl purge --older-than 0s)
like "$out" "purged	1 jobs	1 files" "thumbqctl purge of the last job using the file removes it"
ok "purged thumbnail is gone" [ ! -e "$file" ]
ctl purge 2>/dev/null
is "$?" 2 "thumbqctl purge without --older-than is a usage error"

# ---- a long exposition is whole (or an error, never cut short): many
# error codes (one counter each, of the 128 at most that stats reads) make
# one labelled series each, and the last series is still there.
codes=$(i=0; while [ $i -lt 96 ]; do
	printf 'failed:a_long_error_code_that_fills_the_exposition_%03d 1 ' $i
	i=$((i + 1))
done)
# shellcheck disable=SC2086 # one word per field and value
redis-cli -s "$RUNDIR/redis.sock" HSET thumbq:stats $codes >/dev/null
http GET "$API/v1/metrics"
is "$HTTP_CODE" 200 "GET /v1/metrics with 96 more error codes: 200"
is "$(grep -c '^thumbq_jobs_failed_total{code="a_long_error_code_that' "$tq_body")" 96 \
	"one series per error code"
ok "the series after them are there" \
	grep -q '^thumbq_end_to_end_duration_seconds_count [0-9]' "$tq_body"
like "$(tail -n 1 "$tq_body")" '^thumbq_end_to_end_last_hour_seconds\{quantile="0.99"\} ' \
	"and it ends with the last series, whole ($(wc -c <"$tq_body") bytes)"

# ---- an upgrade: a job an older thumbqd left waiting for its retry in the
# set it called P delayed (now P retrying) is still promoted and done
old=0d1e7a3c-5b2f-4c6e-9a8d-7f6e5d4c3b2a
rcli() { redis-cli -s "$RUNDIR/redis.sock" "$@"; }
rcli HSET "thumbq:job:{$old}" id "$old" url "$ORIGIN/photo.png" status queued \
	opts 'w=100;h=100;m=fit;f=auto;q=0;bg=-' prio normal attempts 1 \
	created 1765000000000 updated 1765000000000 error_code http_error \
	error_message 'origin answered HTTP 503' >/dev/null
rcli ZADD thumbq:delayed 1765000000000 "$old" >/dev/null
wait_jobs 30 "$old" || fail "the job from P delayed finishes"
is "$(job "$old" .status)/$(job "$old" .attempts)" completed/2 \
	"a job an older thumbqd left in P delayed is retried and completed"
is "$(rcli EXISTS thumbq:delayed)" 0 "and P delayed is gone"

# ---- thumbqctl requeue, the operator's requeue (retry is its old name)
submit "$ORIGIN/missing.jpg?requeue"; again=$JOB_ID
wait_jobs 60 "$again" || fail "a job to requeue fails"
ctl requeue "$good" 2>/dev/null
is "$?" 3 "thumbqctl requeue of a job that is not failed exits 3"
is "$(ctl requeue "$again")" "$again	queued" "thumbqctl requeue of a failed job queues it"
wait_jobs 60 "$again" || fail "the requeued job finishes"
is "$(job "$again" .status)/$(job "$again" .attempts)" failed/1 \
	"the requeued job ran again with fresh attempts"

# ---- thumbqd -t
thumbqd=$top_builddir/worker/thumbqd
out=$("$thumbqd" -t -c "$RUNDIR/thumbq.conf" 2>&1)
is "$?" 0 "thumbqd -t accepts the running config"
like "$out" "successful" "thumbqd -t says so"
printf 'workers = 0\n' >"$tq_tmp/bad.conf"
out=$("$thumbqd" -t -c "$tq_tmp/bad.conf" 2>&1)
is "$?" 1 "thumbqd -t refuses a bad config"
like "$out" "bad.conf:1: workers" "and names the file, line and key"
printf 'fetch_allow_networks = 10.0.0.0/33\n' >"$tq_tmp/bad.conf"
"$thumbqd" -t -c "$tq_tmp/bad.conf" >/dev/null 2>&1
is "$?" 1 "thumbqd -t refuses a bad CIDR list"

# ---- SIGHUP: new children with the new config, jobs still done
master=$(cat "$RUNDIR/thumbqd.pid")
before=$(pgrep -P "$master" | sort | tr '\n' ' ')
kill -HUP "$master"
i=0
while [ $i -lt 100 ]; do
	after=$(pgrep -P "$master" | sort | tr '\n' ' ')
	[ -n "$after" ] && [ "$after" != "$before" ] && [ "$(echo "$after" | wc -w)" -ge 2 ] && break
	sleep 0.1
	i=$((i + 1))
done
ok "SIGHUP replaced the children (before: $before after: $after)" [ "$after" != "$before" ]
submit "$ORIGIN/photo.png"
wait_jobs 60 "$JOB_ID" || fail "job after reload finishes"
is "$(job "$JOB_ID" .status)" completed "a job after SIGHUP completes"

# ---- SIGTERM: exits, removes its pid file, leaves the live list
# gone PID: exited (a zombie not yet reaped by init counts as exited).
gone() { ! kill -0 "$1" 2>/dev/null || awk '{ exit $3 != "Z" }' "/proc/$1/stat" 2>/dev/null; }
kill -TERM "$master"
i=0
while ! gone "$master" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
ok "thumbqd exits after SIGTERM" gone "$master"
ok "thumbqd removed its pid file" [ ! -e "$RUNDIR/thumbqd.pid" ]
http GET "$API/v1/health"
expect_status 503 "GET /v1/health with no worker"
is "$(jbody .status)" degraded "health says degraded without workers"
is "$(jbody '.reasons[0].reason')" no_workers "health gives the reason: no_workers"
# A job nobody takes grows old: past health_queue_age_s (2 s here) the
# queue is stale too.
submit "$ORIGIN/photo.jpg?stale=1"
sleep 3
http GET "$API/v1/health"
is "$(jbody '[.reasons[].reason] | join(",")')" no_workers,queue_stale "health: no_workers and queue_stale"
ok "health says how long the next job has waited ($(jbody .queue.oldest_queued_s) s)" [ "$(jbody .queue.oldest_queued_s)" -ge 2 ]
http GET "$API/v1/metrics"
like "$(cat "$tq_body")" 'thumbq_degraded\{reason="queue_stale"\} 1' "metrics: thumbq_degraded{reason=queue_stale} 1"
like "$(cat "$tq_body")" 'thumbq_degraded\{reason="storage_failing"\} 0' "metrics: thumbq_degraded{reason=storage_failing} 0"
done_testing
