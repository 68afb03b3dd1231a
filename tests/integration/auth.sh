#!/bin/sh
# API keys and rate limits: with auth_required, requests need a key made by
# thumbqctl, a key sees only its own jobs, a revoked key stops working; a
# token bucket shared by every FastCGI process answers 429 past the burst
# and lets requests through again once it refills.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_AUTH_REQUIRED=yes THUMBQ_RATE_LIMIT=1 THUMBQ_RATE_BURST=4
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
body="{\"url\": \"$ORIGIN/photo.jpg\"}"
post_as() { http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' -H "Authorization: Bearer $1" --data-binary "$body"; }

# ---- keys
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$body"
expect_error 401 "POST without a key"
like "$(header WWW-Authenticate)" '^Bearer realm="thumbq"' "401 says how to authenticate"
post_as tq_000000000000000000000000000000000000000000000000
expect_error 401 "POST with an unknown key"
alice=$(ctl key create alice | cut -f2)
like "$alice" '^tq_[0-9a-f]{48}$' "thumbqctl key create prints a key"
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
http GET "$API/v1/thumbnails/$job" -H "Authorization: Bearer $alice"
expect_status 200 "alice sees her job"
http GET "$API/v1/thumbnails/$job" -H "Authorization: Bearer $bob"
expect_error 404 "bob does not see alice's job"
http DELETE "$API/v1/thumbnails/$job" -H "Authorization: Bearer $bob"
expect_error 404 "bob cannot delete alice's job"
http GET "$API/v1/health"
is "$HTTP_CODE" 200 "health needs no key"
http GET "$API/v1/metrics"
is "$HTTP_CODE" 200 "metrics need no key"
ctl key revoke bob >/dev/null
is "$?" 0 "thumbqctl key revoke"
http GET "$API/v1/thumbnails/$job" -H "Authorization: Bearer $bob"
expect_error 401 "a revoked key"

# ---- rate limit: a burst of 4, then 429, then through again after a refill.
# A slow machine may refill a token while the burst is sent: 4 or 5 pass.
sleep 4.5	# let alice's bucket fill up after the requests above
passed=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	http GET "$API/v1/thumbnails/$job" -H "Authorization: Bearer $alice"
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
http GET "$API/v1/thumbnails/$job" -H "Authorization: Bearer $alice"
is "$HTTP_CODE" 200 "after Retry-After the request passes"
done_testing
