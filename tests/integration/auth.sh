#!/bin/sh
# API keys and rate limits: with auth_required, requests need a key made by
# thumbqctl, a key sees only its own jobs, a revoked key stops working, and
# a new key under an old name is a new owner; a token bucket shared by
# every FastCGI process answers 429 past the burst, charges a batch one
# token per URL, and lets requests through again once it refills; each
# key's webhooks are signed with that key's own secret.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
# The receiver checks signatures against the global webhook_secret, which
# only jobs made without a key may be signed with.
GLOBAL_SECRET='whsec global'
tq_start_receiver "$GLOBAL_SECRET"
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_AUTH_REQUIRED=yes THUMBQ_RATE_LIMIT=1 THUMBQ_RATE_BURST=4 \
	THUMBQ_BASE_URL="$API" THUMBQ_WEBHOOK_SECRET="$GLOBAL_SECRET" THUMBQ_WEBHOOK_MAX_ATTEMPTS=2
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
body="{\"url\": \"$ORIGIN/photo.jpg\"}"
post_as() { http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' -H "Authorization: Bearer $1" --data-binary "${2:-$body}"; }
get_as() { http GET "$API/v1/thumbnails/$2" -H "Authorization: Bearer $1"; }
# batch_as KEY N: POST a batch of N URLs of the origin.
batch_as() {
	http POST "$API/v1/batches" -H 'Content-Type: application/json' -H "Authorization: Bearer $1" \
		--data-binary "$(jq -cn --arg o "$ORIGIN" --argjson n "$2" '{urls: [range($n) | "\($o)/photo.png?b\(.)"]}')"
}
# ctl_wait ID FILTER WANT SECONDS: until thumbqctl's view of job ID (which
# is not rate limited) gives WANT for the jq FILTER.
ctl_wait() {
	cw_end=$(($(date +%s) + $4))
	until [ "$(ctl job "$1" | jq -r "$2")" = "$3" ]; do
		if [ "$(date +%s)" -ge "$cw_end" ]; then
			diag "job $1: $2 is $(ctl job "$1" | jq -r "$2") after $4 s, want $3"
			return 1
		fi
		sleep 0.2
	done
}
accepted() { ctl stats | awk -F '\t' '$1 == "accepted" { print $2 }'; }

# ---- keys
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$body"
expect_error 401 "POST without a key"
like "$(header WWW-Authenticate)" '^Bearer realm="thumbq"' "401 says how to authenticate"
post_as tq_000000000000000000000000000000000000000000000000
expect_error 401 "POST with an unknown key"
ctl key create alice >"$tq_tmp/alice"
alice=$(cut -f2 "$tq_tmp/alice")
alice_secret=$(cut -f3 "$tq_tmp/alice")
like "$alice" '^tq_[0-9a-f]{48}$' "thumbqctl key create prints a key"
like "$alice_secret" '^whsec_[0-9a-f]{48}$' "... and the key's webhook secret"
bob=$(ctl key create bob | cut -f2)
ctl key create alice >/dev/null 2>&1
is "$?" 1 "a second key named alice is refused"
is "$(ctl key list | cut -f1 | sort | tr '\n' ' ')" "alice bob " "thumbqctl key list names both"
redis-cli -s "$RUNDIR/redis.sock" save >/dev/null
ok "the key's name is in Redis's files" grep -rqa alice "$RUNDIR"
ok "the key itself is not" not grep -rqa "${alice#tq_}" "$RUNDIR"
post_as "$alice"
expect_status 201 "POST with alice's key"
job=$(jbody .id)
get_as "$alice" "$job"
expect_status 200 "alice sees her job"
get_as "$bob" "$job"
expect_error 404 "bob does not see alice's job"
http DELETE "$API/v1/thumbnails/$job" -H "Authorization: Bearer $bob"
expect_error 404 "bob cannot delete alice's job"
http GET "$API/v1/health"
is "$HTTP_CODE" 200 "health needs no key"
http GET "$API/v1/metrics"
is "$HTTP_CODE" 200 "metrics need no key"
ctl key revoke bob >/dev/null
is "$?" 0 "thumbqctl key revoke"
get_as "$bob" "$job"
expect_error 401 "a revoked key"

# ---- rate limit: a burst of 4, then 429, then through again after a refill.
# A slow machine may refill a token while the burst is sent: 4 or 5 pass.
sleep 4.5	# let alice's bucket fill up after the requests above
passed=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	get_as "$alice" "$job"
	[ "$HTTP_CODE" = 429 ] && break
	[ "$HTTP_CODE" = 200 ] && passed=$((passed + 1))
done
ok "the burst passes, then requests are limited (passed: $passed)" test "$passed" -ge 4 -a "$passed" -le 5
expect_error 429 "over the limit"
retry=$(header Retry-After)
ok "Retry-After is a number of seconds ($retry)" [ "$retry" -ge 1 ]
is "$(header RateLimit-Limit)" 4 "RateLimit-Limit is the burst"
is "$(header RateLimit-Remaining)" 0 "RateLimit-Remaining is 0"
sleep "$retry"
get_as "$alice" "$job"
is "$HTTP_CODE" 200 "after Retry-After the request passes"

# ---- a batch costs one token per URL.  carol's bucket starts full (4).
carol=$(ctl key create carol | cut -f2)
batch_as "$carol" 3
expect_status 201 "a batch of 3 URLs with 4 tokens"
is "$(header RateLimit-Remaining)" 1 "the batch of 3 took 3 tokens"
before=$(accepted)
batch_as "$carol" 3
expect_error 429 "a second batch of 3 with 1 token left"
like "$(jbody .message)" '3 URLs' "the 429 says what the batch costs"
retry=$(header Retry-After)
ok "Retry-After covers the whole batch ($retry s, 1 token refilled per s)" [ "$retry" -ge 2 -a "$retry" -le 3 ]
is "$(accepted)" "$before" "the refused batch made no job"
sleep "$retry"
batch_as "$carol" 3
expect_status 201 "after Retry-After the batch passes"
sleep 1.2
batch_as "$carol" 5
expect_error 422 "a batch of 5 URLs can never fit a bucket of 4"
like "$(jbody .message)" 'rate_burst' "the 422 names the limit it is over"
is "$(accepted)" "$((before + 3))" "no job was made for it"

# ---- ownership is the key's id, not its name: a new key called alice is
# not the old alice.  Her job is left to finish first, so that dedupe would
# answer from it.
ok "alice's job completes" ctl_wait "$job" .status completed 30
ctl key revoke alice >/dev/null
alice2=$(ctl key create alice | cut -f2)
get_as "$alice2" "$job"
expect_error 404 "the new alice does not see the old alice's job"
post_as "$alice2"
expect_status 201 "the new alice POSTs the same URL"
is "$(jbody '.status + " " + (.source_job // "-")')" "queued -" \
	"... and gets a job of her own, not one answered from the old alice's"
http DELETE "$API/v1/thumbnails/$job" -H "Authorization: Bearer $alice2"
expect_error 404 "the new alice cannot delete the old alice's job"
is "$(ctl job "$job" | jq -r .status)" completed "the old job is still there"

# ---- webhooks of a key's jobs are signed with that key's secret, which
# neither the global secret nor another key's secret verifies.
# signed_with PATH SECRET: the first delivery to PATH verifies with SECRET.
signed_with() {
	python3 - "$RECV_LOG" "$1" "$2" <<-'EOF'
		import hashlib, hmac, json, sys
		log, path, secret = sys.argv[1:]
		for line in open(log):
		    d = json.loads(line)
		    if d["path"] == path:
		        want = "sha256=" + hmac.new(secret.encode(), (d["timestamp"] + "." + d["body"]).encode(), hashlib.sha256).hexdigest()
		        sys.exit(0 if hmac.compare_digest(want, d["signature"]) else 1)
		sys.exit(2)
	EOF
}
count() { jq -s --arg p "$1" 'map(select(.path == $p)) | length' "$RECV_LOG"; }
ctl key create dave >"$tq_tmp/dave"
dave=$(cut -f2 "$tq_tmp/dave")
dave_secret=$(cut -f3 "$tq_tmp/dave")
post_as "$dave" "$(jq -cn --arg u "$ORIGIN/photo.jpg?dave" --arg c "$RECV/hook/dave" '{url: $u, callback_url: $c}')"
expect_status 201 "dave POSTs a job with a callback_url"
djob=$(jbody .id)
ok "dave's webhook is delivered" ctl_wait "$djob" .callback.status delivered 30
ok "it verifies with dave's secret" signed_with /hook/dave "$dave_secret"
ok "it does not verify with the global webhook_secret" not signed_with /hook/dave "$GLOBAL_SECRET"
ok "it does not verify with alice's secret" not signed_with /hook/dave "$alice_secret"

# A job whose key was revoked before its webhook went out has no secret to
# be signed with: the delivery is given up, never signed with another.
erin=$(ctl key create erin | cut -f2)
tq_services stop "$RUNDIR" thumbqd >&2
post_as "$erin" "$(jq -cn --arg u "$ORIGIN/photo.jpg?erin" --arg c "$RECV/hook/erin" '{url: $u, callback_url: $c}')"
expect_status 201 "erin POSTs a job with a callback_url while no worker runs"
ejob=$(jbody .id)
ctl key revoke erin >/dev/null
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd did not restart"
ok "erin's job completes" ctl_wait "$ejob" .status completed 30
ok "its webhook is given up" ctl_wait "$ejob" .callback.status failed 30
is "$(count /hook/erin)" 0 "the receiver never saw it"
like "$(grep "job=$ejob event=webhook_failed" "$RUNDIR/thumbqd.log")" 'code=key_revoked' \
	"thumbqd logs webhook_failed code=key_revoked"
done_testing
