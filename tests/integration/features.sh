#!/bin/sh
# What clients at scale use: priorities, batches, DELETE, dedupe, and the
# options on POST (validated here; their pixels are tested in test-image).
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
tq_start_origin
# An origin that holds an answer back (?delay=SECONDS), to keep a job in flight.
fl_origin_start
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
# One worker with one download, so that jobs are fetched in the order they
# are claimed: with more, a child fetches several at once and thumbnails
# what has arrived (highest priority first), and the order of three quick
# jobs is down to which download ends first.
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_WORKERS=1 THUMBQ_DOWNLOADS=1
post() { http POST "$API$1" -H 'Content-Type: application/json' --data-binary "$2"; }
# fetched: bytes the workers have downloaded so far (a counter kept in Redis
# as jobs finish), to tell whether a job fetched anything.
fetched() { curl --noproxy '*' -s "$API/v1/metrics" | awk '$1 == "thumbq_fetched_bytes_total" { print $2 }'; }
size() { wc -c <"$top_srcdir/tests/fixtures/$1" | tr -d ' '; }
# leaks TEXT ID: TEXT holds the job id ID, or its first or last group.
leaks() { printf '%s\n' "$1" | grep -qi -e "$2" -e "${2%%-*}" -e "${2##*-}"; }

# ---- priorities: with the worker stopped, queue low, normal, high; one
# worker then takes high first and low last.
tq_services stop "$RUNDIR" thumbqd >&2
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg?low\", \"priority\": \"low\"}"; low=$(jbody .id)
is "$(jbody .priority)" low "POST with priority low is low"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg?normal\"}"; normal=$(jbody .id)
is "$(jbody .priority)" normal "priority defaults to normal"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg?high\", \"priority\": \"high\"}"; high=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"priority\": \"urgent\"}"
expect_error 422 "unknown priority"
like "$(jbody .message)" '^priority' "the 422 names the priority field"
http GET "$API/v1/health"
is "$(jbody .queue.pending_by_priority.high)/$(jbody .queue.pending_by_priority.normal)/$(jbody .queue.pending_by_priority.low)" \
	1/1/1 "health shows the queue depth per priority"
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd restart failed"
wait_jobs 60 "$low" "$normal" "$high" || fail "prioritised jobs finish"
order=$(for id in "$low" "$normal" "$high"; do printf '%s %s\n' "$(job "$id" .updated_at)" "$(job "$id" .priority)"; done | sort | cut -d' ' -f2 | tr '\n' ' ')
is "$order" "high normal low " "one worker did high, then normal, then low"

# ---- DELETE
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.png\"}"; done_id=$(jbody .id)
wait_jobs 60 "$done_id" || fail "job to delete finishes"
url=$(job "$done_id" .resized_url)
file=$RUNDIR/docroot/${url#*://*/}
ok "its thumbnail exists before DELETE" [ -f "$file" ]
http DELETE "$API/v1/thumbnails/$done_id"
is "$HTTP_CODE" 204 "DELETE of a finished job: 204"
ok "DELETE removed the thumbnail" [ ! -e "$file" ]
http GET "$API/v1/thumbnails/$done_id"
expect_error 404 "GET after DELETE"
http DELETE "$API/v1/thumbnails/$done_id"
expect_error 404 "DELETE again"
http DELETE "$API/v1/thumbnails/not-an-id"
expect_error 404 "DELETE of a malformed id"
tq_services stop "$RUNDIR" thumbqd >&2
post /v1/thumbnails "{\"url\": \"$ORIGIN/anim.gif\"}"; queued=$(jbody .id)
http DELETE "$API/v1/thumbnails/$queued"
is "$HTTP_CODE" 204 "DELETE cancels a queued job: 204"
before=$(fetched)
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd restart failed"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.webp\"}"; after=$(jbody .id)
wait_jobs 60 "$after" || fail "job after the cancel finishes"
is "$(($(fetched) - before))" "$(size photo.webp)" "the cancelled job was never fetched"

# ---- dedupe: the same URL and options again is answered from the file.
# A job id is the capability to read a job (callback_url included) and to
# DELETE it; with auth off every client shares the dedupe key, so nothing
# the second client is shown may name the first client's job.
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 64, \"height\": 64}"; first=$(jbody .id)
wait_jobs 60 "$first" || fail "first job finishes"
first_url=$(job "$first" .resized_url)
like "$first_url" "^$API/thumbnails/([0-9a-f]{2})/([0-9a-f]{2})/\\1\\2[0-9a-f]{4}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.jpg\$" \
	"a thumbnail has a random file name, sharded by its first four hex digits"
ok "the file name is not the job id" not leaks "$first_url" "$first"
before=$(fetched)
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 64, \"height\": 64}"; second=$(jbody .id)
is "$HTTP_CODE" 201 "identical POST: 201"
is "$(jbody .status)" completed "identical POST is completed at once"
ok "its answer names nothing of the first job's id" not leaks "$(cat "$tq_body")" "$first"
is "$(jbody .resized_url)" "$first_url" "same resized_url"
is "$(fetched)" "$before" "nothing was fetched for it"
http GET "$API/v1/thumbnails/$second"
ok "nor does its job JSON" not leaks "$(cat "$tq_body")" "$first"
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 65, \"height\": 64}"; other=$(jbody .id)
is "$(jbody .status)" queued "different options are a new job"
wait_jobs 60 "$other" || fail "job with other options finishes"
is "$(($(fetched) - before))" "$(size big.jpg)" "which fetched again"
# A shared thumbnail lives as long as one of its jobs does.
http DELETE "$API/v1/thumbnails/$first"
is "$HTTP_CODE" 204 "DELETE of the job a thumbnail was made for: 204"
ok "the file still serves the job answered from it" kept "$first_url"
http GET "$API/v1/thumbnails/$second"
is "$HTTP_CODE/$(jbody .resized_url)" "200/$first_url" "which is still completed with it"
http DELETE "$API/v1/thumbnails/$second"
is "$HTTP_CODE" 204 "DELETE of the other job: 204"
is "$(unserved "$first_url")" 404 "DELETE of the last job that used the file removes it: 404"

# two identical requests in flight fetch once
tq_services stop "$RUNDIR" thumbqd >&2
before=$(fetched)
post /v1/thumbnails "{\"url\": \"$ORIGIN/progressive.jpg\"}"; a=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/progressive.jpg\"}"; b=$(jbody .id)
is "$(jbody .status)" queued "an identical request in flight is queued"
ok "its answer names nothing of the first job's id" not leaks "$(cat "$tq_body")" "$a"
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd restart failed"
wait_jobs 60 "$a" "$b" || fail "leader and follower finish"
is "$(job "$a" .status) $(job "$b" .status)" "completed completed" "both complete"
is "$(job "$b" .resized_url)" "$(job "$a" .resized_url)" "with the same thumbnail"
ok "the follower's job JSON names nothing of the first job's id" not leaks "$(cat "$tq_tmp/job.$b")" "$a"
is "$(($(fetched) - before))" "$(size progressive.jpg)" "fetched once for both"
shared=$(job "$a" .resized_url)
http DELETE "$API/v1/thumbnails/$b"
ok "DELETE of the follower keeps the file of the first" kept "$shared"
http DELETE "$API/v1/thumbnails/$a"
is "$(unserved "$shared")" 404 "DELETE of both removes it: 404"

# DELETE of a job that others follow is that client's alone: it is gone
# for its client, and the jobs that followed it still complete.  Deleting
# a follower leaves the first job alone.
tq_services stop "$RUNDIR" thumbqd >&2
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.png?dd=queued\"}"; lead=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.png?dd=queued\"}"; follow=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/alpha.png?dd=queued\"}"; kept=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/alpha.png?dd=queued\"}"; dropped=$(jbody .id)
http DELETE "$API/v1/thumbnails/$lead"
is "$HTTP_CODE" 204 "DELETE of a queued job that another follows: 204"
http DELETE "$API/v1/thumbnails/$dropped"
is "$HTTP_CODE" 204 "DELETE of a queued follower: 204"
# The follower took the deleted job's place: the same request now follows it.
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.png?dd=queued\"}"; third=$(jbody .id)
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd restart failed"
wait_jobs 60 "$follow" "$kept" "$third" || fail "the remaining jobs finish"
is "$(job "$follow" .status)" completed "the follower of a deleted job completes all the same"
ok "and its thumbnail is served" kept "$(job "$follow" .resized_url)"
is "$(job "$third" .resized_url)" "$(job "$follow" .resized_url)" \
	"a request identical to the deleted job, made after it, shares its heir's thumbnail"
is "$(job "$kept" .status)" completed "a job whose follower was deleted completes"
http GET "$API/v1/thumbnails/$lead"
expect_error 404 "the deleted job stays gone"
http GET "$API/v1/thumbnails/$dropped"
expect_error 404 "the deleted follower stays gone"
# The same while a worker is fetching the first job's image.
fl_post "$FORIGIN/photo.jpg?dd=processing&delay=3"; lead=$JOB_ID
fl_wait 15 fl_job_is "$lead" processing || fail "the first job is being fetched" "$(fl_job_json "$lead")"
fl_post "$FORIGIN/photo.jpg?dd=processing&delay=3"; follow=$JOB_ID
http DELETE "$API/v1/thumbnails/$lead"
is "$HTTP_CODE" 204 "DELETE of a job in progress that another follows: 204"
wait_jobs 60 "$follow" || fail "its follower finishes"
is "$(job "$follow" .status)" completed "its follower completes all the same"
ok "with a thumbnail that is served" kept "$(job "$follow" .resized_url)"
http GET "$API/v1/thumbnails/$lead"
expect_error 404 "the job deleted in progress stays gone"

# ---- batches
post /v1/batches "{\"urls\": [\"$ORIGIN/photo.jpg?b1\", \"$ORIGIN/alpha.png?b2\", \"$ORIGIN/missing.jpg\"], \"width\": 50}"
expect_status 201 "POST /v1/batches"
batch=$(jbody .id)
is "$(jbody '.jobs | length')" 3 "a job per URL"
is "$(header Location)" "/v1/batches/$batch" "Location of the batch"
ids=$(jbody '.jobs[].id' | tr '\n' ' ')
# shellcheck disable=SC2086
wait_jobs 60 $ids || fail "batch jobs finish"
http GET "$API/v1/batches/$batch"
expect_status 200 "GET /v1/batches/{id}"
is "$(jbody '.counts.completed') $(jbody '.counts.failed') $(jbody .done)" "2 1 true" "counts per status, done"
is "$(jbody '[.jobs[].priority] | unique | join(",")')" low "batch jobs are low priority by default"
is "$(jbody '[.jobs[].options.width] | unique | join(",")')" 50 "batch options apply to every job"
post /v1/batches '{"urls": []}'
expect_error 422 "empty batch"
post /v1/batches "{\"urls\": [\"$ORIGIN/a.jpg\", \"ftp://x/y\"]}"
expect_error 422 "a bad URL in a batch"
like "$(jbody .message)" '^urls\[1\]' "the 422 names the bad URL's index"
many=$(jq -cn --arg o "$ORIGIN" '{urls: [range(101) | "\($o)/photo.jpg?\(.)"]}')
post /v1/batches "$many"
expect_error 422 "a batch over max_batch"
http GET "$API/v1/batches/00000000-0000-4000-8000-000000000000"
expect_error 404 "unknown batch"
http PUT "$API/v1/batches"
is "$HTTP_CODE" 405 "PUT /v1/batches: 405"

# ---- options are validated and shown
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"width\": 0}"
expect_error 422 "width 0"
like "$(jbody .message)" '^width' "the 422 names width"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"mode\": \"stretch\"}"
like "$(jbody .message)" '^mode' "the 422 names mode"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"format\": \"bmp\"}"
like "$(jbody .message)" '^format' "the 422 names format"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"quality\": 101}"
like "$(jbody .message)" '^quality' "the 422 names quality"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg?o\", \"width\": 80, \"height\": 40, \"format\": \"png\", \"quality\": 70}"
is "$(jbody '.options | "\(.width)x\(.height) \(.format) \(.quality) \(.mode)"')" "80x40 png 70 fit" "the job shows its options"
wait_jobs 60 "$(jbody .id)" || fail "job with options finishes"
done_testing
