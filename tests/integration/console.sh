#!/bin/sh
# The console in a real browser: tests/browser/console.mjs drives Debian's
# chromium (headless, playwright-core) against the stack started here:
# redis, thumbqd and the web server through tools/services, and an origin
# serving tests/fixtures.  Try it makes a thumbnail of the size asked and
# says why a 404 failed; a key that is not an admin key gets 403 and the
# page says so; Now, Trends, Failed jobs (Retry) and Recent show what
# thumbq holds; at phone width nothing is wider than the screen; no
# request leaves for another host and the page logs no console error.
# Screenshots of each state: tests/browser/artifacts/lighttpd/ (apache/ for
# console-apache.sh), in the build tree.
#
# playwright-core is taken from tests/browser/node_modules (npm ci there, as
# tools/check does), or from the node_modules directory that
# THUMBQ_BROWSER_MODULES names (make distcheck, whose tree has none; read
# here, before lib.sh clears every THUMBQ_* variable).
browser_modules=${THUMBQ_BROWSER_MODULES:-}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
browser=$top_srcdir/tests/browser
: "${browser_modules:=$browser/node_modules}"
if ! command -v node >/dev/null || ! command -v chromium >/dev/null; then
	tq_skip "the browser test needs node and chromium (tools/check installs them)"
fi
[ -f "$browser_modules/playwright-core/package.json" ] ||
	tq_skip "playwright-core is not in $browser_modules: run npm ci in tests/browser (tools/check does)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
	tq_skip "node $(node --version) is too old for playwright-core 1.65: 20 or later is needed"

RUNDIR=$tq_tmp/run
free_port API_PORT
API=http://127.0.0.1:$API_PORT
tq_start_origin
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1'
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }
ADMIN_KEY=$(ctl key create --admin operator | cut -f2)
PLAIN_KEY=$(ctl key create client | cut -f2)
like "$ADMIN_KEY" '^tq_' "thumbqctl key create --admin makes a key"
like "$(ctl key list | awk -F '\t' '$1 == "operator" { print $5 }')" '^admin$' "key list shows it is an admin key"

# One directory per web server: console-apache.sh may run beside this.
artifacts=$top_builddir/tests/browser/artifacts/$tq_webserver
rm -rf "$artifacts"
mkdir -p "$artifacts"
# The page's own checks, one line each: PASS or FAIL, with why.
MODULES=$browser_modules API=$API ORIGIN=$ORIGIN ADMIN_KEY=$ADMIN_KEY PLAIN_KEY=$PLAIN_KEY \
	ARTIFACTS=$artifacts \
	STOP_WORKERS="THUMBQ_BUILDDIR='$top_builddir' '$top_srcdir/tools/services' stop '$RUNDIR' thumbqd" \
	STOP_REDIS="THUMBQ_BUILDDIR='$top_builddir' '$top_srcdir/tools/services' stop '$RUNDIR' redis" \
	timeout 300 node "$browser/console.mjs" >"$tq_tmp/browser.out" 2>"$tq_tmp/browser.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "${line#PASS }" ;;
	"FAIL "*) fail "${line#FAIL }" ;;
	*) diag "$line" ;;
	esac
done <"$tq_tmp/browser.out"
[ ! -s "$tq_tmp/browser.err" ] || diag "$(head -c 2000 "$tq_tmp/browser.err")"
is "$rc" 0 "the browser test ran to its end"
ok "it saved screenshots in $artifacts" [ -s "$artifacts/05-now.png" ]
done_testing
