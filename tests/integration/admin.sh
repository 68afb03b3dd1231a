#!/bin/sh
# The operator's routes under /v1/admin/ (what the console uses) and the
# thumbqctl verbs that share their code (src/admin.c): only an admin key
# gets in; the figures of the moment and the last hour agree with what was
# done; lists page newest first with a cursor, each job once, filtered by
# error.code; requeue one or every job of a code; delete any key's job.
# The stack runs with auth_required = yes: a client's jobs are its own, and
# the admin key sees them all.  Last, a job held at a slow origin shows as
# downloading, for how long, on the child that claimed it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
fl_origin_start
RUNDIR=$tq_tmp/run
free_port API_PORT
API=http://127.0.0.1:$API_PORT
tq_start_origin
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_AUTH_REQUIRED=yes THUMBQ_WORKERS=2
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
services() { THUMBQ_BUILDDIR=$top_builddir "$top_srcdir/tools/services" "$@" >&2; }
ADMIN=$(ctl key create --admin ops | cut -f2)
CLIENT=$(ctl key create shop | cut -f2)
client_id=$(ctl key list | awk -F '\t' '$1 == "shop" { print $4 }')
A="Authorization: Bearer $ADMIN"
C="Authorization: Bearer $CLIENT"

# admin METHOD PATH [CURL-ARG...]: a request with the admin key.
admin() {
	tq_am=$1 tq_ap=$2
	shift 2
	http "$tq_am" "$API$tq_ap" -H "$A" "$@"
}

# One good job and three that fail at the origin (404), as the client.
submit_as() {
	http POST "$API/v1/thumbnails" -H "$C" -H 'Content-Type: application/json' \
		--data-binary "$(jq -cn --arg u "$1" '{url: $u}')"
	jbody .id
}
good=$(submit_as "$ORIGIN/photo.jpg")
bad1=$(submit_as "$ORIGIN/missing-1.jpg")
bad2=$(submit_as "$ORIGIN/missing-2.jpg")
bad3=$(submit_as "$ORIGIN/missing-3.jpg")
wait_for_failed() {
	tq_i=0
	until [ "$(ctl failed --limit 10 | wc -l)" -ge "$1" ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 100 ] || return 1
		sleep 0.1
	done
	until [ "$(ctl job "$good" | jq -r .status)" = completed ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 200 ] || return 1
		sleep 0.1
	done
}
ok "the four jobs end" wait_for_failed 3

# ---- who gets in
http GET "$API/v1/admin/now"
expect_error 401 "no key"
like "$(header WWW-Authenticate)" '^Bearer' "401 names the Bearer scheme"
http GET "$API/v1/admin/now" -H 'Authorization: Bearer tq_000000000000000000000000000000000000000000000000'
expect_error 401 "an unknown key"
http GET "$API/v1/admin/now" -H "$C"
expect_error 403 "a client's key"
is "$(jbody .code)" forbidden "403 says forbidden"
http DELETE "$API/v1/admin/jobs/$good" -H "$C"
is "$HTTP_CODE" 403 "a client's key cannot delete through /v1/admin/"

# ---- now and the last hour
admin GET /v1/admin/now
expect_status 200 "GET /v1/admin/now"
is "$(jbody '.last_hour.completed, .last_hour.failed' | tr '\n' ' ')" "1 3 " "the last hour: 1 completed, 3 failed"
is "$(jbody '.hosts | length')" 1 "one live host"
is "$(jbody '[.hosts[0].children[]] | length')" "$(ctl stats | awk -F '\t' '$1 == "workers" { print $2 }')" \
	"as many children as thumbqctl stats counts workers"
is "$(jbody .queue.pending)" 0 "nothing pending"
like "$(ctl stats)" "failed_last_hour	3" "thumbqctl stats has the same last hour"

admin GET '/v1/admin/trends?minutes=5'
expect_status 200 "GET /v1/admin/trends"
is "$(jbody '.minutes | length')" 5 "five minutes asked, five given"
is "$(jbody '.total.completed, .total.failed' | tr '\n' ' ')" "1 3 " "the trend totals agree"
like "$(jbody .total.p50_ms)" '^[0-9]+$' "a p50 in ms"
admin GET '/v1/admin/trends?minutes=0'
expect_error 400 "minutes=0"
admin GET '/v1/admin/trends?minutes=121'
expect_error 400 "minutes=121: more than Redis keeps"
http GET "$API/v1/metrics"
like "$(cat "$tq_body")" 'thumbq_jobs_last_hour\{outcome="failed"\} 3' "/v1/metrics: the same last hour"
like "$(cat "$tq_body")" 'thumbq_end_to_end_last_hour_seconds\{quantile="0.99"\} [0-9.]+' "/v1/metrics: the p99"

# ---- lists: a page at a time, each job once, newest first
# pages_of_one QUERY: GET /v1/admin/jobs?QUERYlimit=1, then each next page
# (at most 10); the ids in $seen, in the order given, and HTTP_CODE the
# last page's.
pages_of_one() {
	cursor='' seen='' pages=0
	while :; do
		admin GET "/v1/admin/jobs?$1limit=1${cursor:+&cursor=$cursor}"
		[ "$HTTP_CODE" = 200 ] || break
		seen="$seen $(jbody '.jobs[].id')"
		pages=$((pages + 1))
		cursor=$(jbody '.next_cursor // empty')
		[ -n "$cursor" ] && [ $pages -lt 10 ] || break
	done
}
pages_of_one ''
is "$HTTP_CODE" 200 "every page answers 200"
is "$(echo $seen | tr ' ' '\n' | sort | tr '\n' ' ')" "$(printf '%s\n' "$bad1" "$bad2" "$bad3" | sort | tr '\n' ' ')" \
	"pages of one give each failed job once"
is "$(echo $seen | cut -d' ' -f1)" "$bad3" "newest first"
admin GET '/v1/admin/jobs?code=http_error'
is "$(jbody '.jobs | length')" 3 "code=http_error: all three"
is "$(jbody '.jobs[0].owner')" "$client_id" "the owner is the client's key id"
is "$(jbody '.jobs[0].error.message')" "origin answered HTTP 404" "with the error's message"
admin GET '/v1/admin/jobs?code=timeout'
is "$(jbody '.jobs | length'):$(jbody .next_cursor)" "0:null" "code=timeout: none, and the end"
admin GET '/v1/admin/jobs?status=completed'
is "$(jbody '.jobs[0].id')" "$good" "status=completed: the good job"
like "$(jbody '.jobs[0].resized_url')" '^http://.*/thumbnails/' "with its resized_url"
for q in 'status=queued' 'cursor=1-2' 'cursor=inf-x' 'limit=101' 'limit=0' 'code=HTTP' \
	'cursor=m29943570-040bca6a-209b-4b70-9e22-74a534cc3203'; do
	admin GET "/v1/admin/jobs?$q"
	expect_error 400 "GET /v1/admin/jobs?$q"
done

# ---- completed jobs are indexed in a list per minute of ends, and a
# thumbq before 2026-12 indexed them in a sorted set, which is read after
# the lists: one job is moved to a list ten minutes older, another to the
# sorted set, and pages of one still give each once, newest first.
g2=$(submit_as "$ORIGIN/photo.jpg?list=2")
g3=$(submit_as "$ORIGIN/photo.jpg?list=3")
completed2() {
	[ "$(ctl job "$g2" | jq -r .status)" = completed ] &&
		[ "$(ctl job "$g3" | jq -r .status)" = completed ]
}
tq_i=0
until completed2 || [ $tq_i -ge 200 ]; do sleep 0.1; tq_i=$((tq_i + 1)); done
ok "two more jobs complete" completed2
R() { redis-cli -s "$RUNDIR/redis.sock" "$@" >/dev/null; }
minute_of() { echo $(($(redis-cli -s "$RUNDIR/redis.sock" HGET "thumbq:job:{$1}" updated) / 60000)); }
m2=$(minute_of "$g2")
R LREM "thumbq:ended:$m2" 0 "$g2"
R RPUSH "thumbq:ended:$((m2 - 10))" "$g2"
R ZADD thumbq:ended_minutes $((m2 - 10)) $((m2 - 10))
m=$(minute_of "$g3")
R LREM "thumbq:ended:$m" 0 "$g3"
R ZADD thumbq:finished $(((m - 20) * 60000)) "$g3"
pages_of_one 'status=completed&'
is "$HTTP_CODE" 200 "status=completed: every page answers 200"
is "$(echo $seen)" "$good $g2 $g3" \
	"status=completed, pages of one: the newest minute, an older one, then the sorted set of before, each once"
# A DELETE of the only job of a minute takes the minute out of the index.
R HSET "thumbq:job:{$g2}" updated $(((m2 - 10) * 60000))
admin DELETE "/v1/admin/jobs/$g2"
list=$(redis-cli -s "$RUNDIR/redis.sock" EXISTS "thumbq:ended:$((m2 - 10))")
minute=$(redis-cli -s "$RUNDIR/redis.sock" ZSCORE thumbq:ended_minutes $((m2 - 10)))
is "$HTTP_CODE:$list:$minute" "204:0:" \
	"DELETE of the last job of a minute: its list and its minute leave the index"

admin GET "/v1/admin/jobs/$good"
is "$(jbody '.status'):$(jbody .owner)" "completed:$client_id" "GET /v1/admin/jobs/{id}: any key's job"
admin GET /v1/admin/jobs/00000000-0000-4000-8000-000000000000
expect_error 404 "an unknown job"

# ---- requeue: one, then every one of a code.  No worker takes them back
# meanwhile, so that queued is what stays.
services stop "$RUNDIR" thumbqd
admin POST /v1/admin/requeue -H 'Content-Type: application/json' --data-binary "{\"id\":\"$good\"}"
expect_error 404 "requeue of a completed job"
admin POST /v1/admin/requeue -H 'Content-Type: application/json' --data-binary "{\"id\":\"$bad1\"}"
is "$HTTP_CODE:$(jbody .requeued)" 200:1 "requeue one failed job"
is "$(ctl job "$bad1" | jq -r '.status, .attempts' | tr '\n' ' ')" "queued 0 " "it is queued, with fresh attempts"
admin POST /v1/admin/requeue -H 'Content-Type: application/json' --data-binary '{"code":"http_error"}'
is "$HTTP_CODE:$(jbody .requeued):$(jbody .more)" 200:2:false "requeue the code: the two still failed"
admin GET '/v1/admin/jobs?code=http_error'
is "$(jbody '.jobs | length')" 0 "no failed job is left"
admin POST /v1/admin/requeue --data-binary '{"code":"http_error"}'
expect_error 415 "requeue without Content-Type: application/json"
admin POST /v1/admin/requeue -H 'Content-Type: application/json' --data-binary "{\"id\":\"$bad1\",\"code\":\"x\"}"
expect_error 422 "requeue with both id and code"
admin POST /v1/admin/requeue -H 'Content-Type: application/json' --data-binary '{"code":"a b"}'
expect_error 422 "requeue of a code that is not one"

# ---- thumbqctl, through the same code: they fail again once a worker runs
services start "$RUNDIR" thumbqd
ok "the requeued jobs fail again" wait_for_failed 3
is "$(ctl failed --code http_error | wc -l)" 3 "thumbqctl failed --code"
is "$(ctl failed --code timeout | wc -l)" 0 "thumbqctl failed --code of another code"
services stop "$RUNDIR" thumbqd
is "$(ctl retry --code http_error)" "requeued	3" "thumbqctl retry --code"

# ---- delete any key's job, and its thumbnail
admin GET "/v1/admin/jobs/$good"
file=$(jbody .resized_url)
is "$(served "$file")" 200 "the thumbnail is served"
admin DELETE "/v1/admin/jobs/$good"
is "$HTTP_CODE" 204 "DELETE /v1/admin/jobs/{id} of the client's job"
is "$(unserved "$file")" 404 "its thumbnail is gone"
admin DELETE "/v1/admin/jobs/$good"
expect_error 404 "a second DELETE"
ctl delete "$bad2" >/dev/null
is "$?" 0 "thumbqctl delete"
ctl delete "$bad2" 2>/dev/null
is "$?" 3 "thumbqctl delete of a deleted job exits 3"

# ---- what a child is doing: a job the origin holds back 8 s
services start "$RUNDIR" thumbqd
slow=$(submit_as "$FORIGIN/photo.jpg?delay=8")
phase_of() {
	admin GET /v1/admin/now
	jq -r --arg id "$1" '[.hosts[].children[].jobs[] | select(.id == $id) |
	    "\(.phase) \(.for_ms >= 0)"] | first // empty' <"$tq_body"
}
fl_wait 10 test "$(phase_of "$slow")" = "downloading true"
is "$(phase_of "$slow")" "downloading true" \
	"Now shows the job on a child, downloading, with for how long"
like "$(ctl stats | grep "^child	.*	$slow	")" "	downloading	[0-9.]+s\$" \
	"thumbqctl stats shows the same child line"
done_testing
