#!/bin/sh
# Hostile input, through the real stack: everything a security reviewer
# would send to thumbq, and what each must end in.
#
#  1. SSRF with the default configuration (fetch_allow_networks empty): every
#     spelling of a loopback address, pointed at a "secret" lighttpd that
#     listens on 127.0.0.1, other 127/8 addresses and ::1.  Each job ends
#     failed with address_blocked, whether submitted alone or in a batch;
#     other schemes and userinfo are refused by the API with 422; a loopback
#     callback_url is never called.  The secret server must log no request
#     at all.
#  2. A second thumbq with fetch_allow_networks = 127.0.0.2/32 and low limits
#     (fetch_timeout, fetch_max_bytes, max_pixels, one attempt), fetching
#     from hostile-origin.pl on 127.0.0.2: redirects from that allowed origin
#     to refused addresses and schemes; decompression bombs, truncated and
#     corrupt images, non-images (none may reach a GraphicsMagick coder other
#     than the four allowed, and the PostScript and MSL ones would leave a
#     canary file if run); endless slow origins; bodies over the byte cap,
#     Content-Length lies.  Each job ends failed with its documented code.
#  3. The request side: bodies over 16 KiB, URLs over 2048 bytes, invalid
#     UTF-8, deep nesting, options out of range, odd and traversing ids;
#     every answer from thumbq.fcgi is JSON (lighttpd refuses a few first).
# Afterwards every process still runs with the pid it started with (redis,
# thumbqd's master and children, lighttpd and its thumbq.fcgi processes).
# The number of hostile inputs tried is the last diagnostic line.
#
# Traffic goes to loopback only.  The other refused ranges (RFC 1918,
# link-local, CGNAT, IPv6 ranges ...) are proven by tests/unit/test-urlpolicy
# on socket addresses, never by connecting to them.
#
# shellcheck disable=SC2059 # printf formats below carry raw bytes on purpose
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/hostile-lib.sh"

hl_setup
json='Content-Type: application/json'

# post BODY-FILE: POST /v1/thumbnails with the file's bytes as the body.
post_file() {
	http POST "$API/v1/thumbnails" -H "$json" --data-binary "@$1"
}

# hostile_submit URL CODE DESC: submits URL as a job (201 is a test point)
# and appends "ID|CODE|DESC" to $jobs, for check_jobs: CODE is the job's
# expected error.code, or "completed".
hostile_submit() {
	hl_case
	submit "$1"
	if [ -n "$JOB_ID" ]; then
		pass "POST $3: 201"
	else
		fail "POST $3: 201" "$(last_response)"
	fi
	jobs="$jobs
$JOB_ID|$2|$3"
}

# check_jobs SECONDS: waits for every job in $jobs and checks how it ended
# ("any": the caller checks).
check_jobs() {
	hl_ids=$(printf '%s\n' "$jobs" | cut -d'|' -f1 | grep . | tr '\n' ' ')
	# shellcheck disable=SC2086 # one argument per id
	ok "every job ends completed or failed within $1 s" wait_jobs "$1" $hl_ids
	printf '%s\n' "$jobs" | grep . >"$tq_tmp/jobs"
	while IFS='|' read -r hl_id hl_code hl_desc; do
		case $hl_code in
		completed)
			is "$(job "$hl_id" .status)" completed "$hl_desc: completed" ||
				diag "job: $(head -c 400 "$tq_tmp/job.$hl_id")"
			;;
		any) ;;		# checked by the caller
		*) hl_expect_failed "$hl_id" "$hl_code" "$hl_desc" ;;
		esac
	done <"$tq_tmp/jobs"
}

# ================================================================ secret
hl_start_secret
S=$SECRET_PORT
# The canary directory: a PostScript or MSL file that ran would write here.
canary=$hl_dir/canary
mkdir -p "$canary"
# Open to all: the workers run as an unprivileged user when the test is root.
chmod 1777 "$canary"

# ================================================================ A: default
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR_A=$tq_tmp/a
tq_start_thumbq "$RUNDIR_A" "$API_PORT"
before_a=$(hl_snapshot "$RUNDIR_A")
diag "default instance: $before_a"

# ---- 1. every loopback spelling -> address_blocked, nothing connects
jobs=
for host in 127.0.0.1 127.0.0.2 127.0.0.3 127.1.2.3 127.255.255.254 \
	localhost LOCALHOST LocalHost '[::1]' '[0:0:0:0:0:0:0:1]' '[::ffff:127.0.0.1]' \
	'[::ffff:7f00:1]' '[0:0:0:0:0:ffff:127.0.0.1]' '[::ffff:127.0.0.2]' \
	'[::127.0.0.1]' '[::]' 0.0.0.0 0 2130706433 0177.0.0.1 0x7f000001 0x7f.0.0.1 \
	0x7F.0x00.0x00.0x01 017700000001 0177.1 127.1 127.0.1 127.000.000.001 \
	0x7f.1 2130706434; do
	hostile_submit "http://$host:$S/secret.png" address_blocked "http://$host:$S/"
done
# Default ports, and a path that looks like another host.
hostile_submit "http://127.0.0.1/secret.png" address_blocked "http://127.0.0.1/ (port 80)"
hostile_submit "https://127.0.0.1:$S/secret.png" address_blocked "https://127.0.0.1:$S/"
hostile_submit "https://localhost/secret.png" address_blocked "https://localhost/ (port 443)"
hostile_submit "http://127.0.0.1:$S/@127.0.0.2/secret.png" address_blocked "http://127.0.0.1:$S/@127.0.0.2/"
hostile_submit "http://127.0.0.1:$S/secret.png#@127.0.0.2" address_blocked "http://127.0.0.1:$S/#@127.0.0.2"
# ---- schemes other than http(s), userinfo, malformed URLs: 422 at the API
for url in "file:///etc/passwd" "file://localhost/etc/passwd" "FILE:///etc/passwd" \
	"ftp://127.0.0.1:$S/secret.png" "ftps://127.0.0.1:$S/secret.png" \
	"gopher://127.0.0.1:$S/_GET%20/secret.png" "dict://127.0.0.1:$S/info" \
	"ldap://127.0.0.1:$S/" "tftp://127.0.0.1:$S/secret.png" "telnet://127.0.0.1:$S/" \
	"sftp://127.0.0.1:$S/secret.png" "scp://127.0.0.1:$S/secret.png" \
	"smb://127.0.0.1:$S/share" "rtsp://127.0.0.1:$S/" "imap://127.0.0.1:$S/" \
	"data:image/png;base64,iVBORw0KGgo=" "javascript:alert(1)" "jar:http://127.0.0.1:$S/a!/b" \
	"//127.0.0.1:$S/secret.png" "http:/127.0.0.1:$S/secret.png" "http:127.0.0.1:$S/secret.png" \
	"http://user:pass@127.0.0.1:$S/secret.png" "http://user@127.0.0.1:$S/secret.png" \
	"http://:@127.0.0.1:$S/secret.png" "http://@127.0.0.1:$S/secret.png" \
	"http://127.0.0.2:$S@127.0.0.1:$S/secret.png" "https://user:pass@localhost:$S/" \
	"http://127.0.0.1:$S/secret.png
Host: 127.0.0.2" "http://127.0.0.1:$S/ secret.png" "http://127.0.0.1:99999/secret.png" \
	"http://127.0.0.1:-1/secret.png" "http://[::1/secret.png" "http://" "http:///secret.png" \
	" http://127.0.0.1:$S/secret.png"; do
	hl_case
	http POST "$API/v1/thumbnails" -H "$json" --data-binary "$(jq -cn --arg u "$url" '{url: $u}')"
	expect_error 422 "POST url '$(printf '%s' "$url" | tr '\n' '|')'"
done

# ---- the same through a batch: every job of it refused by address
hosts='127.0.0.1 127.0.0.2 localhost [::1] [::ffff:127.0.0.1] 0.0.0.0 2130706433 0x7f.1 127.1 [::]'
urls=$(for h in $hosts; do printf 'http://%s:%s/secret.png?batch\n' "$h" "$S"; done |
	jq -Rsc 'split("\n") | map(select(length > 0))')
for h in $hosts; do hl_case; done
http POST "$API/v1/batches" -H "$json" --data-binary "{\"urls\": $urls}"
expect_status 201 "POST /v1/batches of loopback URLs"
for id in $(jbody '.jobs[]?.id'); do
	jobs="$jobs
$id|address_blocked|batch job $(jq -r --arg i "$id" '.jobs[] | select(.id == $i) | .url' <"$tq_body")"
done
# A batch is refused whole if one URL is.
for b in "{\"urls\": [\"http://127.0.0.1:$S/a.jpg\", \"file:///etc/passwd\"]}" \
	"{\"urls\": [\"http://127.0.0.1:$S/a.jpg\", \"http://user:pw@127.0.0.1:$S/a.jpg\"]}" \
	"{\"urls\": [\"gopher://127.0.0.1:$S/_x\"]}" '{"urls": []}' '{"urls": "http://127.0.0.1/a.jpg"}' \
	'{"urls": [5]}' '{"urls": [null]}' '{"urls": [["http://127.0.0.1/a.jpg"]]}' '{"url": "http://127.0.0.1/a.jpg"}' \
	"{\"urls\": $(jq -cn --arg u "http://127.0.0.1:$S/secret.png" '[range(101)] | map($u + "?n=" + tostring)')}"; do
	hl_case
	http POST "$API/v1/batches" -H "$json" --data-binary "$b"
	expect_error 422 "POST /v1/batches $(printf '%s' "$b" | cut -c1-70)"
done
{
	printf '{"urls": ["http://127.0.0.1:%s/a.jpg"], "pad": "' "$S"
	head -c 300000 /dev/zero | tr '\0' x
	printf '"}'
} >"$tq_tmp/batch.json"
hl_case
http POST "$API/v1/batches" -H "$json" --data-binary "@$tq_tmp/batch.json"
expect_error 413 "POST /v1/batches body of 300000 bytes"
{
	printf '{"urls": ["http://127.0.0.1:%s/a.jpg"], "x": ' "$S"
	head -c 8000 /dev/zero | tr '\0' '['
	head -c 8000 /dev/zero | tr '\0' ']'
	printf '}'
} >"$tq_tmp/batch.json"
hl_case
http POST "$API/v1/batches" -H "$json" --data-binary "@$tq_tmp/batch.json"
expect_error 400 "POST /v1/batches with 8000 nested arrays"
printf '{"urls": ["http://127.0.0.1:%s/a\300\257.jpg"]}' "$S" >"$tq_tmp/batch.json"
hl_case
http POST "$API/v1/batches" -H "$json" --data-binary "@$tq_tmp/batch.json"
expect_error 400 "POST /v1/batches url holding bytes overlong-slash-C0AF"
ok "POST /v1/batches url holding bytes overlong-slash-C0AF: the answer is valid UTF-8" hl_utf8 "$tq_body"

# ---- options: out of range, wrong type, formats no coder may write
for o in '"width": 0' '"width": 1025' '"width": -1' '"width": 1e3' '"width": 18446744073709551617' \
	'"width": "100"' '"width": null' '"width": [100]' '"height": 4294967396' '"quality": 0' \
	'"quality": 101' '"mode": "evil"' '"format": "svg"' '"format": "ps"' '"format": "msl"' \
	'"format": "JPEG:/tmp/x"' '"format": "../../../etc/passwd"' '"background": "#zzzzzz"' \
	'"background": "#ffffff; rm -rf /"' '"background": 16777215' '"priority": "realtime"'; do
	hl_case
	http POST "$API/v1/thumbnails" -H "$json" \
		--data-binary "{\"url\": \"http://127.0.0.1:$S/secret.png?options\", $o}"
	expect_error 422 "POST with $o"
done

# A callback to the secret server: refused, or accepted and never called
# (the secret server's log is checked at the end).
hl_case
http POST "$API/v1/thumbnails" -H "$json" --data-binary \
	"{\"url\": \"http://127.0.0.1:$S/secret.png?callback\", \"callback_url\": \"http://127.0.0.1:$S/hook\"}"
callback_id=
case $HTTP_CODE in
201)
	expect_status 201 "POST with a loopback callback_url"
	callback_id=$(jbody '.id // empty')
	jobs="$jobs
$callback_id|address_blocked|job with a loopback callback_url"
	;;
*) expect_error 422 "POST with a loopback callback_url" ;;
esac

# ---- 3. the request side
# Body over max_body_bytes (16384): one byte over, much more, chunked.  The
# largest body allowed is a job (its URL is refused by address later).
body=$tq_tmp/body.json
# mkbody N: a valid JSON body of exactly N bytes into $body.
mkbody() {
	hl_pre="{\"url\": \"http://127.0.0.1:$S/secret.png?pad\", \"pad\": \""
	{
		printf '%s' "$hl_pre"
		head -c $(($1 - ${#hl_pre} - 2)) /dev/zero | tr '\0' x
		printf '"}'
	} >"$body"
}
mkbody 16384
hl_case
post_file "$body"
expect_status 201 "POST body of exactly 16384 bytes (the limit)"
jobs="$jobs
$(jbody '.id // empty')|address_blocked|body of exactly 16384 bytes"
mkbody 16385
hl_case
post_file "$body"
expect_error 413 "POST body of 16385 bytes"
hl_case
http POST "$API/v1/thumbnails" -H "$json" -H 'Transfer-Encoding: chunked' --data-binary "@$body"
expect_error 413 "POST chunked body of 16385 bytes"
mkbody 1000000
hl_case
post_file "$body"
expect_error 413 "POST body of 1000000 bytes"

# URL over max_url_bytes (2048), in bytes, not characters.
long=$(head -c 3000 /dev/zero | tr '\0' a)
for n in 2049 4096 16000; do
	url="http://127.0.0.1:$S/$long$long$long$long$long$long"
	url=$(printf '%s' "$url" | head -c "$n")
	hl_case
	http POST "$API/v1/thumbnails" -H "$json" --data-binary "$(jq -cn --arg u "$url" '{url: $u}')"
	expect_error 422 "POST url of $n bytes"
done
euro=$(printf '%s' "$(head -c 700 /dev/zero | tr '\0' e)" | sed 's/e/€/g')
hl_case
http POST "$API/v1/thumbnails" -H "$json" --data-binary "{\"url\": \"http://127.0.0.1:$S/$euro\"}"
expect_error 422 "POST url of 700 three-byte characters"

# Invalid UTF-8 anywhere in the body, raw NUL: 400.  RFC 3629 forbids
# overlong forms (C0 AF is "/"), UTF-16 surrogates and code points past
# U+10FFFF as much as stray bytes; every answer must itself be UTF-8.
# (Descriptions name the bytes: lib.sh's echo would expand backslashes.)
for spec in 'FF:\377' 'overlong-slash-C0AF:\300\257' 'overlong-slash-E080AF:\340\200\257' \
	'surrogate-EDA080:\355\240\200' 'past-U+10FFFF-F4908080:\364\220\200\200' \
	'cut-E282:\342\202' 'five-bytes-F888808080:\370\210\200\200\200' \
	'lone-continuation-80:\200' 'NUL:\000'; do
	name=${spec%%:*} bytes=${spec#*:}
	printf "{\"url\": \"http://127.0.0.1:$S/a${bytes}.jpg\"}" >"$body"
	hl_case
	post_file "$body"
	expect_error 400 "POST url holding bytes $name"
	ok "POST url holding bytes $name: the answer is valid UTF-8" hl_utf8 "$tq_body"
done
printf "{\"\377\": 1, \"url\": \"http://127.0.0.1:$S/a.jpg\"}" >"$body"
hl_case
post_file "$body"
expect_error 400 "POST key holding byte FF"
printf "{\"url\": \"http://127.0.0.1:$S/a.jpg\"}\377" >"$body"
hl_case
post_file "$body"
expect_error 400 "POST body with a trailing byte FF"
printf "\357\273\277{\"url\": \"http://127.0.0.1:$S/a.jpg\"}" >"$body"
hl_case
post_file "$body"
expect_error 400 "POST body behind a UTF-8 byte order mark"
# Escaped control characters are valid JSON but no valid URL: 422.
for esc in u0000 u000a 'u000d\\u000aHost: 127.0.0.2' u0020 u007f; do
	printf "{\"url\": \"http://127.0.0.1:$S/a\\\\${esc}.jpg\"}" >"$body"
	hl_case
	post_file "$body"
	expect_error 422 "POST url holding the escape $(printf '%s' "$esc" | tr -d '\134')"
done
# Valid JSON, valid UTF-8, odd characters: a lone surrogate escape (json-c
# makes it U+FFFD), a right-to-left override.  Accepted as URLs (the path
# may hold UTF-8), echoed as valid UTF-8, and refused by address later.
for esc in ud800 u202e u2028; do
	printf "{\"url\": \"http://127.0.0.1:$S/a\\\\${esc}.jpg\"}" >"$body"
	hl_case
	post_file "$body"
	expect_status 201 "POST url holding the escape $esc"
	ok "POST url holding the escape $esc: the answer is valid UTF-8" hl_utf8 "$tq_body"
	jobs="$jobs
$(jbody '.id // empty')|address_blocked|url holding the escape $esc"
done

# Deep nesting: 400, however it is built.
for n in 100 8000; do
	{
		printf '{"url": "http://127.0.0.1:%s/a.jpg", "x": ' "$S"
		head -c "$n" /dev/zero | tr '\0' '['
		head -c "$n" /dev/zero | tr '\0' ']'
		printf '}'
	} >"$body"
	hl_case
	post_file "$body"
	expect_error 400 "POST $n nested arrays"
done
{
	printf '{"url": "http://127.0.0.1:%s/a.jpg", "x": ' "$S"
	i=0
	while [ $i -lt 1000 ]; do printf '{"a":'; i=$((i + 1)); done
	printf '1'
	head -c 1000 /dev/zero | tr '\0' '}'
	printf '}'
} >"$body"
hl_case
post_file "$body"
expect_error 400 "POST 1000 nested objects"
head -c 15000 /dev/zero | tr '\0' '[' >"$body"
hl_case
post_file "$body"
expect_error 400 "POST 15000 unclosed ["

# Ids: traversal, odd bytes, globs, header injection.  Those that reach
# thumbq.fcgi get 404 with a JSON body whose message is printable ASCII, in
# both forms.
longid=$(head -c 5000 /dev/zero | tr '\0' 7)
for id in '..%2fx' '%2e%2e' 'a%2fb' '%5c..%5c..%5cetc%5cpasswd' '%e2%80%a8' '%22%5c' '%22%7d%2c%22status%22%3a200' \
	'%20' '*' 'thumbq%3a*' '%3cscript%3ealert(1)%3c%2fscript%3e' '%25%30%30' \
	'00000000-0000-4000-8000-00000000000' '00000000-0000-4000-8000-0000000000000' \
	'00000000-0000-4000-8000-000000000000%2f..' '00000000-0000-4000-8000-00000000000g' \
	'00000000-0000-4000-8000-00000000000G' '00000000-0000-4000-8000-000000000000;x' \
	'%7b00000000-0000-4000-8000-000000000000%7d' '00000000000040008000000000000000'; do
	for form in "?id=$id" "/$id"; do
		hl_case
		http GET "$API/v1/thumbnails$form" --path-as-is
		expect_error 404 "GET /v1/thumbnails$form"
		ok "GET /v1/thumbnails$form: message is printable ASCII" hl_printable "$(jbody .message)"
	done
done
for form in "?id=../../../etc/passwd" "?id=..%2F..%2Fredis.sock" "?id=..%2f..%2f..%2fetc%2fpasswd" \
	"?id=%2e%2e%2f%2e%2e%2fetc%2fpasswd" "?id=$longid"; do
	hl_case
	http GET "$API/v1/thumbnails$form" --path-as-is
	expect_error 404 "GET /v1/thumbnails$(printf '%s' "$form" | cut -c1-60)"
done
for id in '..%2fx' '%2e%2e' '*' '%22%5c' "$longid" '00000000-0000-4000-8000-00000000000g'; do
	hl_case
	http GET "$API/v1/batches/$id"
	if [ ${#id} -gt 1000 ]; then
		expect_error 400 "GET /v1/batches/ and a 5000-byte id"
	else
		expect_error 404 "GET /v1/batches/$id"
	fi
	hl_case
	http DELETE "$API/v1/thumbnails/$id"
	if [ ${#id} -gt 1000 ]; then
		expect_error 400 "DELETE /v1/thumbnails/ and a 5000-byte id"
	else
		expect_error 404 "DELETE /v1/thumbnails/$id"
	fi
done
hl_case
http GET "$API/v1/thumbnails?id=a&id=00000000-0000-4000-8000-000000000000"
expect_error 404 "GET ?id= twice"
# A path longer than thumbq.fcgi's request line buffer: 400, still JSON.
hl_case
http GET "$API/v1/thumbnails/$longid"
expect_error 400 "GET /v1/thumbnails/ and a 5000-byte id"
# lighttpd refuses these itself, with its own HTML error page, before
# thumbq.fcgi sees them: control bytes and invalid UTF-8 in the URL (400),
# dot segments that leave /v1/ (404 for a static file), a body over its
# server.max-request-size of 1 MiB (413).  Nothing is echoed, no header
# is injected.
for form in '?id=%00' '/%00' '?id=%0d%0aSet-Cookie%3a%20hl%3d1' '/%0d%0aSet-Cookie%3a%20hl%3d1' \
	'?id=%0a' '?id=%7f' '?id=%ff%fe%fd' '/%ff%fe%fd' '?id=%c0%ae%c0%ae' '/%c0%ae%c0%ae' \
	'?id=00000000-0000-4000-8000-000000000000%00x'; do
	hl_case
	http GET "$API/v1/thumbnails$form" --path-as-is
	is "$HTTP_CODE" 400 "GET /v1/thumbnails$form: 400 from lighttpd" || diag "$(last_response)"
	is "$(header Set-Cookie)" "" "GET /v1/thumbnails$form: no injected header"
done
for form in '/../../etc/passwd' '/..%2F..%2F..%2Fetc%2Fpasswd' '/..%2f..%2f..%2fetc%2fpasswd' \
	'/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/../../../../redis.sock'; do
	hl_case
	http GET "$API/v1/thumbnails$form" --path-as-is
	is "$HTTP_CODE" 404 "GET /v1/thumbnails$form: 404 from lighttpd (outside /v1/)" ||
		diag "$(last_response)"
done
mkbody 1100000
hl_case
post_file "$body"
is "$HTTP_CODE" 413 "POST body of 1100000 bytes: 413 from lighttpd" || diag "$(last_response)"

# ---- the jobs of part 1 (and the 16384-byte body): all refused by address
check_jobs 60
for id in $(printf '%s\n' "$jobs" | cut -d'|' -f1 | grep .); do
	if [ "$(job "$id" .error.code)" = address_blocked ]; then
		like "$(job "$id" .error.message)" '(127\.|::|0\.0\.0\.0)' \
			"$(job "$id" .url): message names the refused address" || true
		break
	fi
done

# The webhook of the job above: at least one delivery was tried (and, as the
# secret server's log shows at the end, refused before connecting).
if [ -n "$callback_id" ]; then
	i=0
	while [ $i -lt 100 ]; do
		http GET "$API/v1/thumbnails/$callback_id"
		[ "$(jbody '.callback.attempts // 0')" -ge 1 ] 2>/dev/null && break
		sleep 0.2
		i=$((i + 1))
	done
	ok "the loopback callback_url was tried: $(jbody '.callback // empty | tojson')" \
		[ "$(jbody '.callback.attempts // 0')" -ge 1 ]
	isnt_delivered=$(jbody '.callback.status // ""')
	ok "the loopback callback_url was not delivered (callback.status $isnt_delivered)" \
		[ "$isnt_delivered" != delivered ]
fi

ok "default instance: redis, thumbqd and lighttpd answer" tq_services status "$RUNDIR_A"
is "$(hl_snapshot "$RUNDIR_A")" "$before_a" "default instance: every process has its first pid"
ok "default instance: no worker child died" not grep -E 'event=child_(died|exited)' "$RUNDIR_A/thumbqd.log"

# ================================================================ B: allowed origin
# An origin on 127.0.0.2, the only network opened; low limits.
mkdir -p "$hl_dir/files"
perl "$top_srcdir/tests/integration/hostile-mkfiles.pl" "$top_srcdir/tests/fixtures" \
	"$hl_dir/files" "$canary" || bail "hostile-mkfiles.pl failed"
cp "$top_srcdir/tests/fixtures/photo.jpg" "$top_srcdir/tests/fixtures/photo.png" "$hl_dir/files/"
# A real, highly compressible image over max_pixels (4000000): 6.25 Mpx.
gm convert -size 2500x2500 xc:white -depth 8 "png:$hl_dir/files/gm-2500x2500.png" ||
	bail "gm convert failed"
# Over fetch_max_bytes (1M), with a true Content-Length.
head -c 1100000 /dev/zero >"$hl_dir/files/big.bin"
hl_start_origin 127.0.0.2
O=$HORIGIN
free_port API2_PORT
API=http://127.0.0.1:$API2_PORT
RUNDIR_B=$tq_tmp/b
timeout_s=3
tq_start_thumbq "$RUNDIR_B" "$API2_PORT" THUMBQ_FETCH_ALLOW_NETWORKS=127.0.0.2/32 \
	THUMBQ_FETCH_TIMEOUT=$timeout_s THUMBQ_FETCH_MAX_BYTES=1M THUMBQ_MAX_PIXELS=4000000 \
	THUMBQ_MAX_ATTEMPTS=1
before_b=$(hl_snapshot "$RUNDIR_B")
diag "allowed-origin instance: $before_b"

jobs=
enc() { jq -rn --arg u "$1" '$u | @uri'; }
# Controls (not counted as hostile): the origin, a redirect and five
# redirects work, so the refusals below are the policy's, not a broken setup.
hostile_submit "$O/files/photo.jpg" completed "control: $O/files/photo.jpg"
hostile_submit "$O/redirect/302?to=$(enc "$O/files/photo.png")" completed "control: redirect to the origin"
hostile_submit "$O/hops/4?to=$(enc "$O/files/photo.jpg")" completed "control: 5 redirects (fetch_max_redirects)"
hl_case -3

# ---- redirects from the allowed origin to refused addresses and schemes
for to in "http://127.0.0.1:$S/secret.png" "http://127.0.0.3:$S/secret.png" \
	"http://localhost:$S/secret.png" "http://[::1]:$S/secret.png" \
	"http://[::ffff:127.0.0.1]:$S/secret.png" "http://0.0.0.0:$S/secret.png" \
	"http://2130706433:$S/secret.png" "http://0x7f.1:$S/secret.png" "http://127.1:$S/secret.png"; do
	for code in 302 307; do
		hostile_submit "$O/redirect/$code?to=$(enc "$to")" address_blocked "$code redirect to $to"
	done
done
hostile_submit "$O/redirect/301?to=$(enc "http://127.0.0.1:$S/secret.png")" address_blocked "301 redirect to 127.0.0.1"
hostile_submit "$O/redirect/308?to=$(enc "http://[::1]:$S/secret.png")" address_blocked "308 redirect to [::1]"
hostile_submit "$O/redirect/303?to=$(enc "http://localhost:$S/secret.png")" address_blocked "303 redirect to localhost"
hostile_submit "$O/hops/3?to=$(enc "http://127.0.0.1:$S/secret.png")" address_blocked "4 redirects, then to 127.0.0.1"
hostile_submit "$O/hops/5?to=$(enc "$O/files/photo.jpg")" too_many_redirects "6 redirects"
hostile_submit "$O/loop" too_many_redirects "a redirect loop"
for to in "file:///etc/passwd" "ftp://127.0.0.1:$S/secret.png" "gopher://127.0.0.1:$S/_GET%20/" \
	"dict://127.0.0.1:$S/info" "tftp://127.0.0.1:$S/secret.png" "ldap://127.0.0.1:$S/"; do
	hostile_submit "$O/redirect/302?to=$(enc "$to")" fetch_failed "redirect to $to"
done
hostile_submit "$O/redirect/302?to=$(enc "http://user:pass@127.0.0.2:$HORIGIN_PORT/files/photo.jpg")" \
	fetch_failed "redirect to a URL with userinfo"

# ---- decompression bombs: the header is checked before any decoding
for f in bomb-100000x100000.png bomb-30000x1.png bomb-8000x8000.png \
	bomb-65000x65000.jpg bomb-9000x9000.jpg bomb-sof-only.jpg bomb-65535x65535.gif \
	bomb-16383x16383.webp bomb-vp8x.webp gm-2500x2500.png; do
	hostile_submit "$O/files/$f" image_too_large "$f"
done
# Past the header: GraphicsMagick's own limits and checks.
hostile_submit "$O/files/bomb-gif-frame.gif" image_too_large "bomb-gif-frame.gif (60000x60000 frame in a 10x10 screen)"
hostile_submit "$O/files/bomb-two-sof.jpg" image_corrupt "bomb-two-sof.jpg (a second, huge frame header)"
hostile_submit "$O/files/bomb-2147483647.png" image_too_large "bomb-2147483647.png"

# ---- truncated and corrupt images
for f in cut-half.jpg cut-header.jpg cut-half.png cut-ihdr.png cut-signature.png \
	cut-half.gif cut-half.webp bad-idat.png png-behind-jpeg-magic.jpg \
	ps-behind-jpeg-magic.jpg zero-size.png; do
	hostile_submit "$O/files/$f" image_corrupt "$f"
done

# Damage GraphicsMagick decodes through without complaint: a PNG whose IHDR
# checksum is wrong (its data is intact), and a 16x16 PNG whose IDAT
# inflates to 64 MiB (libpng stops after 16 rows).  Either may end as a
# thumbnail or as image_corrupt; the point is that it ends, quickly, with
# the child alive.
tolerated=
for f in bad-crc.png zlib-bomb.png; do
	hl_case
	submit "$O/files/$f"
	ok "POST $f: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
	tolerated="$tolerated $JOB_ID"
	jobs="$jobs
$JOB_ID|any|$f"
done

# ---- not images: no coder but the four allowed ever sees them
for f in page.html image.svg draw.mvg script.ps script.eps doc.pdf script.msl \
	text.txt cgm.cgm image.bmp image.tiff empty.jpg; do
	hostile_submit "$O/files/$f" unsupported_format "$f"
done
# Content-Encoding: gzip is not undone (no transparent decompression).
hostile_submit "$O/gzip/gzip-bomb.gz" unsupported_format "gzip bomb as Content-Encoding: gzip"

# ---- bytes: over fetch_max_bytes, whatever Content-Length says
hostile_submit "$O/files/big.bin" too_large "1100000 bytes with a true Content-Length"
hostile_submit "$O/flood" too_large "endless body, no Content-Length"
hostile_submit "$O/flood-chunked" too_large "endless chunked body"
hostile_submit "$O/cl-lie-chunked" too_large "Content-Length: 100 and an endless chunked body"
hostile_submit "$O/cl-huge" too_large "Content-Length: 1 TiB"
hostile_submit "$O/cl-overflow" too_large "Content-Length beyond any integer"
hostile_submit "$O/cl-short" fetch_failed "Content-Length: 500000, 1000 bytes sent"

# ---- time: endless slow origins end at fetch_timeout
slow=
for p in drip trickle stall stall-headers; do
	hostile_submit "$O/$p" timeout "$p (slow origin)"
	slow="$slow $JOB_ID"
done

check_jobs 120

for id in $tolerated; do
	like "$(job "$id" '"\(.status) \(.error.code // "")"')" '^(completed |failed image_corrupt)$' \
		"$(job "$id" .url): completed or image_corrupt" || diag "$(cat "$tq_tmp/job.$id")"
	ms=$(hl_job_ms "$RUNDIR_B" "$id")
	ok "$(job "$id" .url): done in ${ms:-?} ms (under 10 s)" hl_between "$ms" 0 10000
done

# Each slow job took fetch_timeout, give or take: measured in the worker.
for id in $slow; do
	ms=$(hl_job_ms "$RUNDIR_B" "$id")
	ok "$(job "$id" .url): timed out after ${ms:-?} ms, about fetch_timeout (${timeout_s} s)" \
		hl_between "$ms" $((timeout_s * 1000 - 200)) $((timeout_s * 1000 + 5000))
done

ok "allowed-origin instance: redis, thumbqd and lighttpd answer" tq_services status "$RUNDIR_B"
is "$(hl_snapshot "$RUNDIR_B")" "$before_b" "allowed-origin instance: every process has its first pid"
ok "allowed-origin instance: no worker child died" \
	not grep -E 'event=child_(died|exited)' "$RUNDIR_B/thumbqd.log"
ok "the default instance still answers too" tq_services status "$RUNDIR_A"
is "$(hl_snapshot "$RUNDIR_A")" "$before_a" "default instance: every process still has its first pid"

# ---- nothing ran, nothing reached the secret server
ok "no PostScript, EPS or MSL was ever run (no canary file)" \
	[ -z "$(ls -A "$canary")" ]
# A control request of our own proves the secret server logs what it gets.
curl --noproxy '*' -s -o /dev/null --max-time 5 "http://127.0.0.1:$S/hl-control" || true
log=$(hl_secret_log)
is "$(printf '%s\n' "$log" | grep -c ' /hl-control ')" 1 "the secret server logged the test's control request"
is "$(printf '%s\n' "$log" | grep -v ' /hl-control ' | grep -c .)" 0 \
	"the secret server got no other request (its access log is otherwise empty)" ||
	diag "$log"

diag "hostile cases: $hl_cases"
done_testing
