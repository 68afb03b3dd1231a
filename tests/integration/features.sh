#!/bin/sh
# What clients at scale use: priorities, batches, DELETE, dedupe, and the
# options on POST (validated here; their pixels are tested in test-image).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
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
file=$(find "$RUNDIR/docroot/thumbnails" -name "$done_id.*")
ok "its thumbnail exists before DELETE" [ -n "$file" ]
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

# ---- dedupe: the same URL and options again is answered from the file
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 64, \"height\": 64}"; first=$(jbody .id)
wait_jobs 60 "$first" || fail "first job finishes"
before=$(fetched)
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 64, \"height\": 64}"
is "$HTTP_CODE" 201 "identical POST: 201"
is "$(jbody .status)" completed "identical POST is completed at once"
is "$(jbody .source_job)" "$first" "and names the job whose thumbnail it reuses"
is "$(jbody .resized_url)" "$(job "$first" .resized_url)" "same resized_url"
is "$(fetched)" "$before" "nothing was fetched for it"
post /v1/thumbnails "{\"url\": \"$ORIGIN/big.jpg\", \"width\": 65, \"height\": 64}"; other=$(jbody .id)
is "$(jbody .status)" queued "different options are a new job"
wait_jobs 60 "$other" || fail "job with other options finishes"
is "$(($(fetched) - before))" "$(size big.jpg)" "which fetched again"
# two identical requests in flight fetch once
tq_services stop "$RUNDIR" thumbqd >&2
before=$(fetched)
post /v1/thumbnails "{\"url\": \"$ORIGIN/progressive.jpg\"}"; a=$(jbody .id)
post /v1/thumbnails "{\"url\": \"$ORIGIN/progressive.jpg\"}"; b=$(jbody .id)
is "$(jbody .source_job)" "$a" "an identical request in flight follows the first"
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd restart failed"
wait_jobs 60 "$a" "$b" || fail "leader and follower finish"
is "$(job "$a" .status) $(job "$b" .status)" "completed completed" "both complete"
is "$(job "$b" .resized_url)" "$(job "$a" .resized_url)" "with the same thumbnail"
is "$(($(fetched) - before))" "$(size progressive.jpg)" "fetched once for both"

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
