# tests/integration/lib.sh: what the integration tests share (POSIX sh).
# shellcheck shell=sh
#
# A test sources this file, calls tq_setup, then starts what it needs:
#   tq_start_thumbq RUNDIR PORT [VAR=VALUE...]  redis, thumbqd and lighttpd
#                   (or Apache, see THUMBQ_WEBSERVER) through tools/services,
#                   as a user starts them
#   tq_start_origin [DIR]  a second lighttpd on 127.0.0.1 serving
#                   tests/fixtures (or DIR)
#   tq_start_receiver SECRET [TARPITS]  a webhook receiver on 127.0.0.1
# and reports with the TAP helpers (pass, fail, is, like, diag, done_testing).
# Everything runs on loopback ports and unix sockets under one temporary
# directory, which the exit trap stops and removes, on failure too.
#
# `make check` exports top_srcdir and top_builddir (absolute); run by hand,
# the script's source tree and an in-tree build are assumed.
#
# THUMBQ_WEBSERVER=apache runs thumbq.fcgi behind Debian's apache2 and
# mod_fcgid instead of lighttpd (tools/services), with the same assertions:
# api-apache.sh and e2e-apache.sh are api.sh and e2e.sh so.  $tq_webserver
# holds the choice (lighttpd or apache) for the test to read.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd -P)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

# The web server is the one THUMBQ_* variable the tests take from the caller.
case ${THUMBQ_WEBSERVER:-lighttpd} in
apache | apache2) tq_webserver=apache ;;
*) tq_webserver=lighttpd ;;
esac

# THUMBQ_TEST_NO_SKIP=1 (tools/check sets it, and so CI) turns a skip into a
# failure: there every optional server must be installed and tested.
tq_no_skip=${THUMBQ_TEST_NO_SKIP:-}

# No proxy may turn a loopback request into one that leaves the machine, and
# no THUMBQ_* variable of the caller may change the configuration under test.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
for tq_v in $(env | sed -n 's/^\(THUMBQ_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$tq_v"
done

# The tests count a master's children as workers (and couriers); an
# interactive child (interactive_workers, default 1) would be one more.
# Only priority.sh, which tests it, runs one.  Set in the environment, it
# reaches tools/services (thumbq.conf) and a thumbqd started by hand.
THUMBQ_INTERACTIVE_WORKERS=0
export THUMBQ_INTERACTIVE_WORKERS

# ------------------------------------------------------------------ TAP

tq_n=0
tq_failed=0

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

pass() {
	tq_n=$((tq_n + 1))
	echo "ok $tq_n - $1"
}

# fail DESC [DIAG-LINE...]
fail() {
	tq_n=$((tq_n + 1))
	tq_failed=$((tq_failed + 1))
	echo "not ok $tq_n - $1"
	shift
	for tq_l in "$@"; do
		diag "$tq_l"
	done
}

# is GOT WANT DESC (and like): return non-zero when the test point failed.
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: '$2'"
		return 1
	fi
}

# ok DESC COMMAND...: passes when COMMAND succeeds.  Its output goes to
# stderr, which the test's .log keeps and the TAP parser does not read.
ok() {
	tq_desc=$1
	shift
	if "$@" >&2; then
		pass "$tq_desc"
	else
		fail "$tq_desc"
		return 1
	fi
}

# not COMMAND...: for ok, when COMMAND must fail.
not() {
	! "$@"
}

# like GOT EXTENDED-REGEX DESC
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "got:  '$1'" "want: /$2/"
		return 1
	fi
}

# A test that stops half-way has no plan, which the TAP driver reports as an
# error; so the plan comes last, once every test point has been counted.
done_testing() {
	echo "1..$tq_n"
	[ "$tq_failed" -eq 0 ]
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# ------------------------------------------------------------------ set-up

# tq_skip REASON: this test needs an optional server that is not installed.
# Before any test point: the whole test is one SKIP (TAP's "1..0 # SKIP";
# under the TAP driver an exit status of 77 would count as an error), or,
# with THUMBQ_TEST_NO_SKIP=1, a failure.
tq_skip() {
	if [ "$tq_no_skip" = 1 ]; then
		bail "$* (THUMBQ_TEST_NO_SKIP=1: a skipped test is a failure)"
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

# Each tool the tests use; a missing one is an error, never a skip (the
# optional web servers are tq_skip's).
tq_need() {
	for tq_t in "$@"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$tq_t" >/dev/null 2>&1 ||
			bail "$tq_t is not installed (tools/check installs what the tests need)"
	done
}

tq_setup() {
	PATH=$PATH:/usr/sbin:/sbin
	tq_need curl jq gm lighttpd redis-server redis-cli od awk
	if [ "$tq_webserver" = apache ]; then
		command -v apache2 >/dev/null 2>&1 ||
			tq_skip "apache2 is not installed (Debian: apache2 libapache2-mod-fcgid; tools/check installs what the tests need)"
		[ -r "${THUMBQ_APACHE_MODULES:-/usr/lib/apache2/modules}/mod_fcgid.so" ] ||
			tq_skip "mod_fcgid is not installed (Debian: libapache2-mod-fcgid; tools/check installs what the tests need)"
	fi
	for tq_p in cgi-bin/thumbq.fcgi worker/thumbqd; do
		[ -x "$top_builddir/$tq_p" ] || bail "$top_builddir/$tq_p is not built"
	done
	# Short: unix socket paths inside must stay under 108 bytes.
	tq_tmp=$(mktemp -d /tmp/thumbq-test.XXXXXX) || bail "mktemp failed"
	# Started as root, tools/services runs everything as an unprivileged
	# user, which must get through to the run directories inside.
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$tq_tmp" || bail "chmod 711 $tq_tmp failed"
	fi
	tq_rundirs=
	tq_ports=
	tq_body=$tq_tmp/body
	tq_headers=$tq_tmp/headers
	trap tq_cleanup EXIT
	trap 'exit 1' HUP INT TERM
}

tq_services() {
	THUMBQ_WEBSERVER=$tq_webserver THUMBQ_BUILDDIR=$top_builddir "$top_srcdir/tools/services" "$@"
}

# tq_paths_in_errors RUNDIR: every error.message kept in RUNDIR's Redis (all
# jobs, whatever the prefix) that names an absolute path, one a line, or
# nothing: a client's message never holds a server path (joberror.h).  A
# path is a '/' at the start of a word (after a space, quote, bracket, '='
# or ':') followed by a character that is neither '/' nor a space, so URLs
# ("http://h/p"), ratios and media types pass.  Nothing if Redis is down.
tq_paths_in_errors() {
	[ -S "$1/redis.sock" ] || return 0
	redis-cli -s "$1/redis.sock" EVAL "
		local out, cursor = {}, '0'
		repeat
			local r = redis.call('SCAN', cursor, 'MATCH', '*job:{*}', 'COUNT', 1000)
			cursor = r[1]
			for _, k in ipairs(r[2]) do
				local m = redis.call('TYPE', k).ok == 'hash' and
					redis.call('HGET', k, 'error_message')
				if m then out[#out + 1] = m end
			end
		until cursor == '0'
		return out" 0 2>/dev/null |
		grep -E "(^|[[:space:]'\"(=:,[<])/[^/[:space:]]" || true
}

# Stops everything this test started and removes its directory; after a
# failure first shows the end of every log, which ends up in the test's .log.
# Every suite's job errors pass tq_paths_in_errors, or the suite fails.
tq_cleanup() {
	tq_status=$?
	trap - EXIT HUP INT TERM
	for tq_d in $tq_rundirs; do
		tq_bad=$(tq_paths_in_errors "$tq_d")
		[ -n "$tq_bad" ] || continue
		diag "error.message names a server path in $tq_d (lib.sh: tq_paths_in_errors):"
		printf '%s\n' "$tq_bad" | sed 's/^/# /'
		tq_status=1
	done
	for tq_d in $tq_rundirs "$tq_tmp/origin"; do
		[ -d "$tq_d" ] || continue
		if [ "$tq_status" -ne 0 ] || [ "$tq_failed" -gt 0 ]; then
			for tq_f in "$tq_d"/*.log; do
				[ -s "$tq_f" ] || continue
				diag "--- last lines of $tq_f:"
				tail -n 30 "$tq_f" | sed 's/^/# /'
			done
		fi
	done
	for tq_d in $tq_rundirs; do
		tq_services stop "$tq_d" >&2 || true
	done
	[ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
	tq_stop_pidfile "$tq_tmp/origin/lighttpd.pid"
	rm -rf "$tq_tmp"
	exit "$tq_status"
}

tq_stop_pidfile() {
	[ -r "$1" ] || return 0
	tq_pid=$(cat "$1")
	kill "$tq_pid" 2>/dev/null || return 0
	tq_i=0
	while kill -0 "$tq_pid" 2>/dev/null && [ $tq_i -lt 50 ]; do
		sleep 0.1
		tq_i=$((tq_i + 1))
	done
	kill -9 "$tq_pid" 2>/dev/null || true
}

# tq_port_in_use PORT: anything bound to PORT on TCP, IPv4 or IPv6?
tq_port_in_use() {
	tq_hex=$(printf ':%04X' "$1")
	awk -v h="$tq_hex" 'FNR > 1 && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_port VAR: sets VAR to a TCP port nothing uses and this test has not
# handed out before.  Random, so that tests running side by side (make -j)
# do not pick the same ones.
free_port() {
	tq_i=0
	while [ $tq_i -lt 200 ]; do
		tq_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		tq_p=$((20000 + tq_r % 40000))
		case " $tq_ports " in
		*" $tq_p "*) ;;
		*)
			if ! tq_port_in_use "$tq_p"; then
				tq_ports="$tq_ports $tq_p"
				eval "$1=\$tq_p"
				return 0
			fi
			;;
		esac
		tq_i=$((tq_i + 1))
	done
	bail "no free TCP port found"
}

# tq_start_thumbq RUNDIR PORT [VAR=VALUE...]: starts redis, thumbqd and
# lighttpd (or Apache: $tq_webserver) in RUNDIR with tools/services;
# VAR=VALUE are THUMBQ_<KEY> settings for thumbq.conf.  Bails out if
# anything fails to start.
tq_start_thumbq() {
	tq_rd=$1 tq_port=$2
	shift 2
	tq_rundirs="$tq_rundirs $tq_rd"
	env THUMBQ_PORT="$tq_port" THUMBQ_WEBSERVER="$tq_webserver" "$@" \
		THUMBQ_BUILDDIR="$top_builddir" "$top_srcdir/tools/services" start "$tq_rd" >&2 ||
		bail "tools/services start $tq_rd failed"
}

# tq_start_origin [DIR]: a plain lighttpd on 127.0.0.1 serving
# tests/fixtures, or DIR (anything else there is a natural 404); sets ORIGIN
# to its base URL.  It answers for not-an-image.html once it is up.
tq_start_origin() {
	free_port ORIGIN_PORT
	tq_o=$tq_tmp/origin
	mkdir -p "$tq_o"
	cat >"$tq_o/lighttpd.conf" <<-EOF
		server.modules        = ( "mod_accesslog" )
		server.document-root  = "${1:-$top_srcdir/tests/fixtures}"
		server.bind           = "127.0.0.1"
		server.port           = $ORIGIN_PORT
		server.pid-file       = "$tq_o/lighttpd.pid"
		server.errorlog       = "$tq_o/error.log"
		accesslog.filename    = "$tq_o/access.log"
		mimetype.assign       = ( ".jpg" => "image/jpeg", ".png" => "image/png",
		                          ".gif" => "image/gif", ".webp" => "image/webp",
		                          ".html" => "text/html" )
	EOF
	lighttpd -f "$tq_o/lighttpd.conf" >&2 || bail "origin lighttpd failed to start"
	ORIGIN=http://127.0.0.1:$ORIGIN_PORT
	tq_i=0
	until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$ORIGIN/not-an-image.html")" = 200 ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 50 ] || bail "origin lighttpd does not serve $ORIGIN/not-an-image.html"
		sleep 0.1
	done
}

# tq_start_receiver SECRET [TARPITS]: a webhook receiver on 127.0.0.1
# (webhook-receiver.py) that checks signatures against SECRET; sets RECV
# (its base URL), RECV_DIR, RECV_LOG (one JSON line per delivery) and
# RECV_PID, which tq_cleanup stops.  With TARPITS, as many more ports that
# never answer, on the lines of $RECV_DIR/port after the first.
tq_start_receiver() {
	tq_need python3
	RECV_DIR=$tq_tmp/receiver
	RECV_LOG=$RECV_DIR/deliveries.jsonl
	mkdir -p "$RECV_DIR"
	: >"$RECV_LOG"
	python3 "$top_srcdir/tests/integration/webhook-receiver.py" "$1" "$RECV_DIR/port" \
		"$RECV_LOG" ${2:+"$2"} </dev/null >/dev/null 2>"$RECV_DIR/error.log" &
	RECV_PID=$!
	tq_i=0
	until [ -s "$RECV_DIR/port" ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 150 ] || bail "webhook-receiver.py did not start: $(head -c 300 "$RECV_DIR/error.log")"
		sleep 0.1
	done
	RECV=http://127.0.0.1:$(sed -n 1p "$RECV_DIR/port")
	[ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$RECV/ready")" = 200 ] ||
		bail "webhook receiver does not answer at $RECV/ready"
}

# ------------------------------------------------------------------ HTTP

# http METHOD URL [CURL-ARG...]: one request; sets HTTP_CODE (000 when no
# answer) and HTTP_CTYPE; the body is in $tq_body, the headers in $tq_headers.
http() {
	tq_m=$1 tq_u=$2
	shift 2
	: >"$tq_body"
	: >"$tq_headers"
	HTTP_CODE=$(curl --noproxy '*' -sS --max-time 10 -X "$tq_m" -o "$tq_body" \
		-D "$tq_headers" -w '%{http_code}' "$@" "$tq_u" 2>"$tq_tmp/curl.err") || HTTP_CODE=000
	HTTP_CTYPE=$(header Content-Type)
}

# header NAME: the last response's header NAME (case-insensitive).
header() {
	tr -d '\r' <"$tq_headers" | awk -v n="$1" '
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == tolower(n)) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v) } }
		END { print v }'
}

# jbody FILTER: jq -r FILTER applied to the last response body.
jbody() {
	jq -r "$1" <"$tq_body" 2>/dev/null
}

# A few bytes of the last response, for diagnostics.
last_response() {
	printf 'HTTP %s, Content-Type %s, body: %s' "$HTTP_CODE" "$HTTP_CTYPE" "$(head -c 300 "$tq_body")"
}

# expect_json DESC: the last response says it is JSON and parses as JSON.
expect_json() {
	case $HTTP_CTYPE in
	application/json | "application/json;"*)
		if jq -e . <"$tq_body" >/dev/null 2>&1; then
			pass "$1: JSON body"
		else
			fail "$1: JSON body" "$(last_response)"
		fi
		;;
	*) fail "$1: Content-Type application/json" "$(last_response)" ;;
	esac
}

# expect_status CODE DESC: status line and JSON.
expect_status() {
	is "$HTTP_CODE" "$1" "$2: status $1"
	[ "$HTTP_CODE" = "$1" ] || diag "$(last_response)"
	expect_json "$2"
}

# expect_error CODE DESC: an API error: status CODE, and the JSON body
# {"status": CODE, "message": "...", "code": "..."}.
expect_error() {
	expect_status "$1" "$2"
	if jq -e --argjson s "$1" '.status == $s and (.message | type == "string" and length > 0) and (.code | type == "string" and length > 0)' \
		<"$tq_body" >/dev/null 2>&1; then
		pass "$2: error body with status $1, message, code"
	else
		fail "$2: error body with status $1, message, code" "$(last_response)"
	fi
}

# ------------------------------------------------------------------ jobs

# submit URL: POST {"url": URL}; sets JOB_ID (empty on failure).
submit() {
	http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' \
		--data-binary "$(jq -cn --arg u "$1" '{url: $u}')"
	JOB_ID=
	if [ "$HTTP_CODE" = 201 ]; then
		JOB_ID=$(jbody '.id // empty')
	fi
	export JOB_ID
}

# wait_jobs SECONDS ID...: polls GET /v1/thumbnails?id=ID (the seed's form)
# until every job is completed or failed, or SECONDS have passed; the last
# job JSON of each is left in $tq_tmp/job.ID.
wait_jobs() {
	tq_deadline=$(($(date +%s) + $1))
	shift
	tq_pending=$*
	while [ -n "$tq_pending" ]; do
		tq_left=
		for tq_id in $tq_pending; do
			http GET "$API/v1/thumbnails?id=$tq_id"
			cp "$tq_body" "$tq_tmp/job.$tq_id"
			case $(jbody .status) in
			completed | failed) ;;
			*) tq_left="$tq_left $tq_id" ;;
			esac
		done
		tq_pending=$tq_left
		[ -n "$tq_pending" ] || break
		if [ "$(date +%s)" -ge "$tq_deadline" ]; then
			diag "still not finished after the deadline:$tq_pending"
			return 1
		fi
		sleep 0.2
	done
}

# tq_wait_for SECONDS CMD...: runs CMD every 0.2 s until it succeeds, or
# fails once SECONDS have passed.
tq_wait_for() {
	tq_wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$tq_wf_end" ] || return 1
		sleep 0.2
	done
}

# tq_logged FILE TEXT [MIN]: how many lines of FILE contain TEXT, once at
# least MIN (default 1) do or 5 s have passed.  lighttpd writes its access
# log in batches, at least once a second, so a request it has answered may
# not be in the file yet.
tq_logged() {
	tq_lg_end=$(($(date +%s) + 5))
	while tq_lg_n=$(grep -c -F -e "$2" "$1" 2>/dev/null); [ "${tq_lg_n:-0}" -lt "${3:-1}" ]; do
		[ "$(date +%s)" -lt "$tq_lg_end" ] || break
		sleep 0.1
	done
	echo "${tq_lg_n:-0}"
}

# tq_health_is STATUS [REASON]: GET $API/v1/health says STATUS ("ok",
# "degraded", ...), with REASON among its reasons; the answer stays in the
# last response.
tq_health_is() {
	http GET "$API/v1/health"
	[ "$(jbody .status)" = "$1" ] || return 1
	[ -z "${2:-}" ] || [ "$(jbody "[.reasons[].reason] | index(\"$2\")")" != null ]
}

# job ID FILTER: jq -r FILTER applied to the job's last polled JSON.
job() {
	jq -r "$2" <"$tq_tmp/job.$1" 2>/dev/null
}

# ------------------------------------------------------------------ thumbnails

# served URL: the web server's status for a resized_url, asked of $API
# (our own web server), whatever host the URL names.
served() {
	http GET "$API/${1#*://*/}"
	echo "$HTTP_CODE"
}

# unserved URL: the same, once the web server answers 404 or after 5 s:
# lighttpd's stat cache may serve a file for a second after it is removed.
unserved() {
	tq_i=0
	while tq_c=$(served "$1") && [ "$tq_c" != 404 ] && [ $tq_i -lt 50 ]; do
		sleep 0.1
		tq_i=$((tq_i + 1))
	done
	echo "$tq_c"
}

# kept URL: the file of a resized_url is in $RUNDIR's docroot, and served.
kept() {
	[ -f "$RUNDIR/docroot/${1#*://*/}" ] && [ "$(served "$1")" = 200 ]
}
