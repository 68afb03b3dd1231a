#!/bin/sh
# Webhooks: a job with a callback_url is POSTed, as its job JSON, to a
# receiver this test starts (webhook-receiver.py), which checks the
# X-Thumbq-Signature itself, as a client would.  Completed and failed jobs,
# retries with backoff until a 2xx, no redirects followed, batches, dedupe,
# a callback on an address the policy refuses (never contacted), the API's
# 422 for a callback_url that is not http(s), image work going on while a
# delivery hangs, and a job that ends again while its webhook is out.  Then
# fairness, against receivers that never answer (the receiver's tarpits):
# another host's and another key's webhooks go out at once, one courier
# runs several deliveries at once within its bounds, and retries run beside
# first attempts, not in their place.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_need python3
RECV_PID=
# On failure, show what the receiver saw; then tq_cleanup stops everything
# (the receiver too), with the exit status we were leaving with.
wh_cleanup() {
	wh_status=$?
	trap - EXIT
	if [ -n "$RECV_PID" ]; then
		if [ "$wh_status" -ne 0 ] || [ "$tq_failed" -gt 0 ]; then
			[ -s "$RECV_DIR/error.log" ] && { diag "--- receiver errors:"; tail -n 20 "$RECV_DIR/error.log" | sed 's/^/# /'; }
			[ -s "$RECV_LOG" ] && { diag "--- deliveries:"; cut -c1-400 "$RECV_LOG" | tail -n 20 | sed 's/^/# /'; }
		fi
	fi
	(exit "$wh_status")
	tq_cleanup
}
trap wh_cleanup EXIT

# A secret with characters a careless receiver might mangle.
SECRET='whsec test:secret/1+2=3'

# ---- the receiver
tq_start_receiver "$SECRET" 4
# Receivers that never answer, each on a port (a host) of its own.
for tq_i in 1 2 3 4; do
	eval "TARPIT$tq_i=http://127.0.0.1:$(sed -n "$((tq_i + 1))p" "$RECV_DIR/port")"
done

# ---- thumbq: one with loopback open (images and callbacks on 127.0.0.1),
# one with the default policy, which refuses loopback.  Three attempts (two
# on the second), so that a failing callback ends within seconds (backoff
# 0.5-1 s, then 1-2 s); deliveries time out after 6 s, long enough to see
# an image job finish while one hangs.
tq_start_origin
free_port API_PORT
free_port API2_PORT
API=http://127.0.0.1:$API_PORT
API1=$API
API2=http://127.0.0.1:$API2_PORT
RUNDIR=$tq_tmp/run
RUNDIR2=$tq_tmp/run2
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_BASE_URL="$API" THUMBQ_WEBHOOK_SECRET="$SECRET" THUMBQ_WEBHOOK_MAX_ATTEMPTS=3 \
	THUMBQ_WEBHOOK_TIMEOUT=6
tq_start_thumbq "$RUNDIR2" "$API2_PORT" THUMBQ_BASE_URL="$API2" \
	THUMBQ_WEBHOOK_SECRET="$SECRET" THUMBQ_WEBHOOK_MAX_ATTEMPTS=2

post() { http POST "$API$1" -H 'Content-Type: application/json' --data-binary "$2"; }
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }

# hook URL CALLBACK: POST {"url": URL, "callback_url": CALLBACK}; sets JOB_ID.
hook() {
	post /v1/thumbnails "$(jq -cn --arg u "$1" --arg c "$2" '{url: $u, callback_url: $c}')"
	JOB_ID=
	[ "$HTTP_CODE" = 201 ] && JOB_ID=$(jbody '.id // empty')
	[ -n "$JOB_ID" ] || fail "POST $1 with callback_url $2: 201" "$(last_response)"
}

# Deliveries the receiver recorded to PATH; the Nth to PATH.
count() { jq -s --arg p "$1" 'map(select(.path == $p)) | length' "$RECV_LOG"; }
nth() { jq -rs --arg p "$1" --argjson n "$2" "map(select(.path == \$p and .n == \$n))[0] | $3" "$RECV_LOG"; }

# wait_count N PATH SECONDS: until the receiver has N deliveries to PATH.
wait_count() {
	wc_end=$(($(date +%s) + $3))
	until [ "$(count "$2")" -ge "$1" ]; do
		if [ "$(date +%s)" -ge "$wc_end" ]; then
			diag "$2: $(count "$2") deliveries after $3 s, want $1"
			return 1
		fi
		sleep 0.1
	done
}

# wait_callback ID STATUS SECONDS: polls the job (on $API) until its
# callback.status is STATUS; the job JSON is left in $tq_tmp/job.ID.
wait_callback() {
	cb_end=$(($(date +%s) + $3))
	while :; do
		http GET "$API/v1/thumbnails/$1"
		cp "$tq_body" "$tq_tmp/job.$1"
		[ "$(jbody .callback.status)" = "$2" ] && return 0
		if [ "$(date +%s)" -ge "$cb_end" ]; then
			diag "job $1: callback $(jbody '.callback | tojson') after $3 s, want status $2"
			return 1
		fi
		sleep 0.2
	done
}

# check_delivery PATH N DESC: the Nth POST to PATH is signed correctly (the
# receiver's own check), JSON, and stamped with the time it was sent.
check_delivery() {
	is "$(nth "$1" "$2" .valid)" true "$3: signature valid (receiver's HMAC check)"
	like "$(nth "$1" "$2" .signature)" '^sha256=[0-9a-f]{64}$' "$3: X-Thumbq-Signature is sha256=<64 hex>"
	is "$(nth "$1" "$2" .content_type)" application/json "$3: Content-Type application/json"
	is "$(nth "$1" "$2" '(.timestamp | test("^[0-9]+$")) and (.received - (.timestamp | tonumber) | fabs) <= 5')" \
		true "$3: X-Thumbq-Timestamp is Unix seconds within 5 s of arrival"
}

# ---- the API: callback_url is checked like an image URL
for bad in '"ftp://127.0.0.1/hook"' '"file:///etc/passwd"' '"javascript:alert(1)"' \
	'"http://user:pw@127.0.0.1/hook"' '""' '42' '{"url": "x"}'; do
	post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg\", \"callback_url\": $bad}"
	expect_error 422 "callback_url $bad"
	like "$(jbody .message)" '^callback_url' "callback_url $bad: the 422 names callback_url"
done
post /v1/batches "{\"urls\": [\"$ORIGIN/photo.jpg\"], \"callback_url\": \"gopher://127.0.0.1/\"}"
expect_error 422 "batch with a gopher callback_url"
post /v1/thumbnails "{\"url\": \"$ORIGIN/photo.jpg?shown\", \"callback_url\": \"$RECV/hook/shown\"}"
is "$HTTP_CODE" 201 "POST with an http callback_url: 201"
is "$(jbody .callback_url)" "$RECV/hook/shown" "the job shows its callback_url"
shown=$(jbody .id)

# ---- the receiver is no pushover: a forged signature is seen as forged
curl --noproxy '*' -s -o /dev/null --max-time 5 -H 'Content-Type: application/json' \
	-H "X-Thumbq-Timestamp: $(date +%s)" \
	-H 'X-Thumbq-Signature: sha256=0000000000000000000000000000000000000000000000000000000000000000' \
	--data-binary '{"id": "forged"}' "$RECV/hook/forged"
is "$(nth /hook/forged 1 .valid)" false "control: the receiver rejects a forged signature"

# ---- everything that ends quickly, at once
hook "$ORIGIN/photo.jpg?ok" "$RECV/hook/ok"; ok=$JOB_ID
hook "$ORIGIN/missing.jpg" "$RECV/hook/failed"; failed=$JOB_ID
hook "$ORIGIN/photo.png?retry" "$RECV/fail/2/retry"; retry=$JOB_ID
hook "$ORIGIN/anim.gif?redirect" "$RECV/redirect/redir"; redir=$JOB_ID
post /v1/batches "$(jq -cn --arg a "$ORIGIN/photo.webp?b1" --arg b "$ORIGIN/missing.jpg?b2" \
	--arg c "$RECV/hook/batch" '{urls: [$a, $b], callback_url: $c}')"
is "$HTTP_CODE" 201 "batch with a callback_url: 201" || diag "$(last_response)"
batch_ids=$(jbody '.jobs[].id' | sort | tr '\n' ' ')
API=$API2
hook "$ORIGIN/photo.jpg?blocked" "$RECV/hook/blocked"; blocked=$JOB_ID
API=$API1

# shellcheck disable=SC2086 # one argument per id
ok "the jobs end" wait_jobs 60 $ok $failed $retry $redir $batch_ids

# ---- a completed job
ok "completed job: one webhook arrives" wait_count 1 /hook/ok 15
check_delivery /hook/ok 1 "completed job"
nth /hook/ok 1 .body >"$tq_tmp/ok.body"
is "$(jq -r .id "$tq_tmp/ok.body")" "$ok" "completed job: the body is its job JSON (id)"
is "$(jq -r .status "$tq_tmp/ok.body")" completed "completed job: status completed"
like "$(jq -r .resized_url "$tq_tmp/ok.body")" "^$API/thumbnails/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f-]{36}\\.jpg\$" \
	"completed job: resized_url absolute, from base_url"
ok "completed job: its callback ends delivered" wait_callback "$ok" delivered 10
is "$(job "$ok" .callback.attempts)" 1 "completed job: callback.attempts 1"
jq -S 'del(.callback)' "$tq_tmp/ok.body" >"$tq_tmp/ok.sent" 2>/dev/null
jq -S 'del(.callback)' "$tq_tmp/job.$ok" >"$tq_tmp/ok.now" 2>/dev/null
ok "completed job: the body is what GET shows (but for callback)" cmp "$tq_tmp/ok.sent" "$tq_tmp/ok.now" ||
	diag "sent: $(cat "$tq_tmp/ok.sent")" "GET:  $(cat "$tq_tmp/ok.now")"
like "$(nth /hook/ok 1 .user_agent)" '^thumbq/' "completed job: User-Agent thumbq/..."

# ---- a failed job
ok "failed job: its webhook arrives" wait_count 1 /hook/failed 15
check_delivery /hook/failed 1 "failed job"
is "$(nth /hook/failed 1 '.body | fromjson | .id')" "$failed" "failed job: the body is its job JSON (id)"
is "$(nth /hook/failed 1 '.body | fromjson | .status')" failed "failed job: status failed"
is "$(nth /hook/failed 1 '.body | fromjson | .error.code')" http_error "failed job: error.code http_error"
ok "failed job: its callback ends delivered" wait_callback "$failed" delivered 10

# ---- 500, 500, then 200: three deliveries, backed off
ok "500 twice: a third delivery comes" wait_count 3 /fail/2/retry 30
is "$(nth /fail/2/retry 1 .answer),$(nth /fail/2/retry 2 .answer),$(nth /fail/2/retry 3 .answer)" \
	500,500,200 "500 twice: answered 500, 500, 200"
for n in 1 2 3; do
	check_delivery /fail/2/retry "$n" "500 twice: delivery $n"
done
is "$(jq -rs '[map(select(.path == "/fail/2/retry")) | .[].body | fromjson | .id] | unique | join(" ")' "$RECV_LOG")" \
	"$retry" "500 twice: every delivery is the same job"
gaps=$(jq -rs 'map(select(.path == "/fail/2/retry")) | sort_by(.n) | [.[1].received - .[0].received, .[2].received - .[1].received] | map(. * 1000 | floor) | join(" ")' "$RECV_LOG")
backed_off() { [ "${gaps% *}" -ge 450 ] && [ "${gaps#* }" -ge 950 ]; }
ok "500 twice: backoff (>= 0.5 s, then >= 1 s; got ms: $gaps)" backed_off
ok "500 twice: callback ends delivered" wait_callback "$retry" delivered 10
is "$(job "$retry" .callback.attempts)" 3 "500 twice: callback.attempts 3"

# ---- a redirect is not an acknowledgement, and is not followed
ok "redirect: the callback ends failed" wait_callback "$redir" failed 30
is "$(job "$redir" .callback.attempts)" 3 "redirect: after its 3 attempts"
is "$(count /redirect/redir)" 3 "redirect: 3 deliveries"
is "$(count /hook/redir-target)" 0 "redirect: its Location was never asked"
is "$(job "$redir" .status)" completed "redirect: the job itself is still completed"

# ---- a batch: one webhook per job
ok "batch: two webhooks arrive" wait_count 2 /hook/batch 15
is "$(jq -rs '[map(select(.path == "/hook/batch")) | .[].body | fromjson | .id] | sort | join(" ")' "$RECV_LOG") " \
	"$batch_ids" "batch: one webhook for each of its jobs"
is "$(jq -rs '[map(select(.path == "/hook/batch")) | .[].body | fromjson | .status] | sort | join(" ")' "$RECV_LOG")" \
	"completed failed" "batch: one completed, one failed"
is "$(jq -rs 'map(select(.path == "/hook/batch")) | all(.valid)' "$RECV_LOG")" true "batch: signatures valid"

# ---- dedupe: answered at once from the first job, and still notified
hook "$ORIGIN/photo.jpg?ok" "$RECV/hook/dedupe"; dedupe=$JOB_ID
is "$(jbody .status)/$(jbody .resized_url)" "completed/$(job "$ok" .resized_url)" \
	"dedupe: created completed with the first job's thumbnail"
ok "dedupe: its webhook arrives" wait_count 1 /hook/dedupe 15
check_delivery /hook/dedupe 1 "dedupe"
is "$(nth /hook/dedupe 1 '.body | fromjson | .id + " " + .status')" \
	"$dedupe completed" "dedupe: the body is the new job, completed"
nth /hook/dedupe 1 .body >"$tq_tmp/dedupe.body"
ok "dedupe: the body names nothing of the first job's id" not grep -q "$ok" "$tq_tmp/dedupe.body"

# ---- the default policy: a loopback callback is never contacted
API=$API2
ok "blocked callback: ends failed" wait_callback "$blocked" failed 30
is "$(job "$blocked" .callback.attempts)" 1 "blocked callback: given up after one attempt (a refused address stays refused)"
is "$(job "$blocked" .error.code)" address_blocked "blocked callback: (its image was refused too)"
API=$API1
is "$(count /hook/blocked)" 0 "blocked callback: the receiver saw no request"
like "$(grep "job=$blocked event=webhook_failed" "$RUNDIR2/thumbqd.log")" 'code=address_blocked' \
	"blocked callback: thumbqd logs webhook_failed code=address_blocked"

# ---- a receiver that hangs holds up its delivery, not image work
hook "$ORIGIN/photo.jpg?slow" "$RECV/sleep/20/slow"; slow=$JOB_ID
ok "hanging receiver: the delivery is under way" wait_count 1 /sleep/20/slow 30
submit "$ORIGIN/photo.webp?meanwhile"
meanwhile=$JOB_ID
ok "hanging receiver: another job completes meanwhile" wait_jobs 15 "$meanwhile"
is "$(job "$meanwhile" .status)" completed "hanging receiver: that job is completed"
http GET "$API/v1/thumbnails/$slow"
is "$(jbody .callback.status)/$(jbody .callback.attempts)" pending/0 \
	"hanging receiver: ... while the delivery was still waiting for its answer"
ok "hanging receiver: the delivery times out and is retried" wait_callback "$slow" retrying 15
like "$(grep "job=$slow event=webhook_retry" "$RUNDIR/thumbqd.log")" 'code=timeout' \
	"hanging receiver: thumbqd logs webhook_retry code=timeout"

# ---- nothing else reached the receiver, the job without a delivery yet aside
is "$(jq -rs '[.[].path] | unique | map(select(. != "/sleep/20/slow")) | join(" ")' "$RECV_LOG")" \
	"/fail/2/retry /hook/batch /hook/dedupe /hook/failed /hook/forged /hook/ok /hook/shown /redirect/redir" \
	"the receiver saw exactly the expected paths"
is "$(count /hook/ok)/$(count /hook/failed)/$(count /hook/shown)" 1/1/1 "one webhook per finished job"
ok "the job shown first also had its webhook" [ "$(nth /hook/shown 1 '.body | fromjson | .id')" = "$shown" ]

ok "the first thumbq still runs" tq_services status "$RUNDIR"
ok "the second thumbq still runs" tq_services status "$RUNDIR2"
tq_services stop "$RUNDIR2" >&2

# ---- a job that ends again while its webhook is out: one delivery per
# ending, one after the other, and never two entries for one job in
# Redis's webhook lists (what a courier holds included)
# webhook_lists ID: how many of the webhook lists hold ID (each at most once).
webhook_lists() {
	for wl_k in $(redis-cli -s "$RUNDIR/redis.sock" --scan --pattern 'thumbq:wh:*:q:*') \
		$(redis-cli -s "$RUNDIR/redis.sock" --scan --pattern 'thumbq:courier:*') thumbq:webhooks; do
		redis-cli -s "$RUNDIR/redis.sock" lrange "$wl_k" 0 -1
	done | grep -c "^$1\$"
}
# ended_again ID UPDATED SECONDS: until the job has ended (failed) again,
# after UPDATED (its updated_at before the retry).
ended_again() {
	ea_end=$(($(date +%s) + $3))
	while :; do
		http GET "$API/v1/thumbnails/$1"
		[ "$(jbody .status)" = failed ] && [ "$(jbody .updated_at)" != "$2" ] && return 0
		[ "$(date +%s)" -lt "$ea_end" ] || return 1
		sleep 0.1
	done
}
hook "$ORIGIN/missing.jpg?twice" "$RECV/sleep/5/twice"; twice=$JOB_ID
ok "ends twice: the first ending's delivery is under way" wait_count 1 /sleep/5/twice 30
first_end=$(nth /sleep/5/twice 1 '.body | fromjson | .updated_at')
ctl retry "$twice" >/dev/null
is "$?" 0 "ends twice: thumbqctl retry"
ok "ends twice: the job fails again while the first delivery is held" ended_again "$twice" "$first_end" 4
second_end=$(jbody .updated_at)
is "$(count /sleep/5/twice)" 1 "ends twice: no second delivery while the first is out"
is "$(webhook_lists "$twice")" 1 "ends twice: the job is in one webhook list, once"
ok "ends twice: the second ending's delivery comes" wait_count 2 /sleep/5/twice 20
ok "ends twice: its callback ends delivered" wait_callback "$twice" delivered 15
is "$(job "$twice" .callback.attempts)" 1 "ends twice: callback.attempts 1 (of the second ending)"
is "$(count /sleep/5/twice)" 2 "ends twice: two deliveries, one per ending"
is "$(nth /sleep/5/twice 1 '.body | fromjson | .updated_at')/$(nth /sleep/5/twice 2 '.body | fromjson | .updated_at')" \
	"$first_end/$second_end" "ends twice: each delivery carries its own ending"
gap=$(jq -rs 'map(select(.path == "/sleep/5/twice")) | sort_by(.n) | .[1].received - .[0].received | . * 1000 | floor' "$RECV_LOG")
ok "ends twice: the second delivery after the first was answered (5 s; got $gap ms)" [ "$gap" -ge 4900 ]
check_delivery /sleep/5/twice 2 "ends twice: the second delivery"
is "$(webhook_lists "$twice")" 0 "ends twice: delivered, the job is in no webhook list"
tq_services stop "$RUNDIR" >&2

# ---- fairness: a thumbq with API keys and one courier running at most 8
# first attempts and 4 retries at once, 2 per receiver host; deliveries
# time out after 2 s, so that receivers that never answer keep it busy
free_port API3_PORT
API=http://127.0.0.1:$API3_PORT
RUNDIR=$tq_tmp/run3
tq_start_thumbq "$RUNDIR" "$API3_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_BASE_URL="$API" THUMBQ_WEBHOOK_SECRET="$SECRET" THUMBQ_AUTH_REQUIRED=yes \
	THUMBQ_COURIERS=1 THUMBQ_WEBHOOK_CONCURRENCY=8 THUMBQ_WEBHOOK_HOST_CONCURRENCY=2 \
	THUMBQ_WEBHOOK_TIMEOUT=2 THUMBQ_WEBHOOK_CONNECT_TIMEOUT=1 THUMBQ_WEBHOOK_MAX_ATTEMPTS=50
alice=$(ctl key create alice | cut -f2)
bob=$(ctl key create bob | cut -f2)
[ -n "$alice" ] && [ -n "$bob" ] || bail "thumbqctl key create failed"

# as KEY hook|batch ...: the same, with KEY.
as() {
	as_key=$1
	shift
	post() { http POST "$API$1" -H 'Content-Type: application/json' -H "Authorization: Bearer $as_key" --data-binary "$2"; }
	"$@"
	post() { http POST "$API$1" -H 'Content-Type: application/json' --data-binary "$2"; }
}
# batch TAG N CALLBACK: N jobs that fail at once (404), one callback.
batch() {
	post /v1/batches "$(jq -cn --arg o "$ORIGIN" --arg t "$1" --argjson n "$2" --arg c "$3" \
		'{urls: [range($n) | "\($o)/missing.jpg?\($t)\(.)"], callback_url: $c}')"
	[ "$HTTP_CODE" = 201 ] || fail "batch $1 to $3: 201" "$(last_response)"
}
# tarpit FILTER: the largest value of FILTER over what the tarpits read (0: none).
tarpit() { jq -s "map(select(.tarpit) | $1) | max // 0" "$RECV_LOG"; }
# wait_tarpit COND SECONDS: until some request the tarpits read has COND.
wait_tarpit() {
	wt_end=$(($(date +%s) + $2))
	until [ "$(jq -s "any(.[]; .tarpit and ($1))" "$RECV_LOG")" = true ]; do
		if [ "$(date +%s)" -ge "$wt_end" ]; then
			diag "no tarpit request with $1 after $2 s"
			return 1
		fi
		sleep 0.1
	done
}
# latency PATH: seconds from the job's end to its first delivery to PATH.
latency() {
	nth "$1" 1 '.received - (.body | fromjson | .updated_at | (.[0:19] + "Z" | fromdateiso8601) + (.[20:23] | tonumber) / 1000) | . * 100 | floor / 100'
}
fast() { awk -v l="$1" 'BEGIN { exit !(l != "" && l < 3) }'; }
# healthy KEY NAME DESC: KEY's job with a webhook to /hook/NAME on the
# healthy receiver, which must arrive within 3 s of the job's end.
healthy() {
	as "$1" hook "$ORIGIN/missing.jpg?$2" "$RECV/hook/$2"
	ok "$3: the webhook arrives" wait_count 1 "/hook/$2" 15
	hl=$(latency "/hook/$2")
	ok "$3: ... within 3 s of its job's end (got $hl s)" fast "$hl"
}

# Per receiver host: 20 webhooks to one that never answers, then alice's
# next job's to a healthy one.
tp=${TARPIT1##*:}
as "$alice" batch host 20 "$TARPIT1/never/host"
ok "one dead host: its deliveries are out, two at once (one courier)" \
	wait_tarpit ".tarpit == $tp and .held_port >= 2" 15
healthy "$alice" fair-host "one dead host: another host's"

# Per key: alice's webhooks to three more dead hosts fill her half of the
# first attempts; bob's goes out at once all the same.
for t in "$TARPIT2" "$TARPIT3" "$TARPIT4"; do
	as "$alice" batch owner 2 "$t/never/owner"
done
ok "dead hosts of one key: she has 4 first attempts out" wait_tarpit '.held_first >= 4' 15
healthy "$bob" fair-owner "dead hosts of one key: another key's"

# Retries: the first deliveries timed out and came back; they run beside
# the first attempts, in a share of their own, and first attempts still
# go out at once.
ok "retries: retries out beside her 4 first attempts" \
	wait_tarpit '.held_retry >= 1 and .held_first + .held_retry > 4' 20
healthy "$bob" fair-retry "retries: a first attempt's"

# ---- a courier killed with deliveries out: its master hands them back to
# the lanes, and they are made all the same (the receiver holds the first
# POST, and answers the next at once)
as "$bob" hook "$ORIGIN/missing.jpg?killed" "$RECV/sleep1/30/killed"; killed=$JOB_ID
ok "courier killed: bob's delivery is out" wait_count 1 /sleep1/30/killed 15
spawned=$(grep 'event=courier_spawned' "$RUNDIR/thumbqd.log" | tail -n 1)
courier=$(printf %s "$spawned" | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
cwid=$(printf %s "$spawned" | sed -n 's/.* wid=\([^ ]*\).*/\1/p')
ok "courier killed: kill -9 the courier (pid $courier)" kill -9 "$courier"
ok "courier killed: the delivery is made again" wait_count 2 /sleep1/30/killed 20
ok "courier killed: its master handed back what it held" \
	grep -q "event=recovered wid=$cwid jobs=[1-9]" "$RUNDIR/thumbqd.log"
# ctl_callback ID STATUS SECONDS: like wait_callback, through thumbqctl.
ctl_callback() {
	cc_end=$(($(date +%s) + $3))
	until [ "$(ctl job "$1" | jq -r .callback.status)" = "$2" ]; do
		[ "$(date +%s)" -lt "$cc_end" ] || return 1
		sleep 0.2
	done
}
ok "courier killed: bob's callback ends delivered" ctl_callback "$killed" delivered 15
is "$(ctl job "$killed" | jq -r .callback.attempts)" 1 \
	"courier killed: callback.attempts 1 (the delivery cut short was no attempt)"

is "$(tarpit .held_port)" 2 "bounds: at most 2 deliveries at once to one host"
is "$(tarpit .held_first)" 4 "bounds: at most 4 first attempts of one key at once (half of 8)"
n=$(tarpit .held_retry)
ok "bounds: at most 2 retries of one key at once (half of 4; got $n)" [ "$n" -le 2 ]
like "$(grep -c 'event=webhook_retry.*code=timeout' "$RUNDIR/thumbqd.log")" '^[1-9]' \
	"the dead hosts' deliveries time out and are retried"
ok "the third thumbq still runs" tq_services status "$RUNDIR"

done_testing
