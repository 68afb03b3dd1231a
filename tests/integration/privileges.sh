#!/bin/sh
# Root where none is needed: started as root (as tools/quickstart and CI
# start it), nothing of thumbq runs as root but what must.
#   1. With lighttpd: redis-server, the thumbqd master (once started: it
#      gives up root right after its pid file) and its children, lighttpd
#      and its thumbq.fcgi processes all run as the service user, every uid
#      of them (real, effective, saved, file system), with no root group;
#      so does every process whose command line names the run directory,
#      but the supervising tools/services; a thumbnail is written by that
#      user.
#   2. The master SIGKILLed while its one worker child thumbnails a large
#      image: the children are gone within seconds, and a job queued after
#      the master died is left for the next master, not taken by an
#      orphan (a child asks for SIGTERM at its master's death after giving
#      up root: a change of credentials clears that request).
#   3. With Apache: the parent keeps root (to bind, as Apache does), its
#      children and thumbq.fcgi run as the service user.
# Not root, there is nothing to check: the test is skipped.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root: this test checks what a root start runs as root"
	exit 0
fi
tq_setup
fl_setup
tq_need setpriv

# ids PID: the real, effective, saved and file system uids of PID, then the
# same gids, then its supplementary groups.
ids() {
	awk '$1 == "Uid:" || $1 == "Gid:" { printf "%s %s %s %s ", $2, $3, $4, $5 }
		$1 == "Groups:" { $1 = ""; printf "groups%s", $0 }' "/proc/$1/status" 2>/dev/null
}

# runs_as_user DESC PID: every id of PID is the service user's.
runs_as_user() {
	ra_got=$(ids "$2")
	if [ -n "$2" ] && [ "$ra_got" = "$want_ids" ]; then
		pass "$1 runs as $svc_user (pid $2)"
	else
		fail "$1 runs as $svc_user (pid ${2:-none})" "got:  '$ra_got'" "want: '$want_ids'"
	fi
}

# rundir_procs RUNDIR: "PID COMM UID" of every live process whose command
# line names RUNDIR, but this script's supervisor.
rundir_procs() {
	for rp_d in /proc/[0-9]*; do
		rp_cmd=$(tr '\0' ' ' 2>/dev/null <"$rp_d/cmdline") || continue
		case $rp_cmd in
		*"tools/services supervise $1 "*) continue ;;
		*"$1/"*) ;;
		*) continue ;;
		esac
		fl_gone "${rp_d#/proc/}" && continue
		echo "${rp_d#/proc/} $(cat "$rp_d/comm" 2>/dev/null) $(awk '$1 == "Uid:" { print $2 "/" $3 "/" $4 "/" $5 }' "$rp_d/status" 2>/dev/null)"
	done
}

# A large image that takes a worker a second or two to thumbnail (a PNG has
# no shrink-on-load): 6000x6000 grey, 49 KB.
www=$tq_tmp/www
mkdir -p "$www"
gm convert -size 6000x6000 gradient:black-white -depth 8 "$www/large.png" ||
	bail "gm could not make $www/large.png"
cp "$top_srcdir/tests/fixtures/photo.jpg" "$top_srcdir/tests/fixtures/not-an-image.html" "$www/"
tq_start_origin "$www"

# ================================================================ 1
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8' \
	THUMBQ_WORKERS=1 THUMBQ_DOWNLOADS=2 THUMBQ_COURIERS=1
svc_user=thumbq
u=$(id -u "$svc_user") g=$(id -g "$svc_user") || bail "tools/services did not create the user $svc_user"
want_ids="$u $u $u $u $g $g $g $g groups $(id -G "$svc_user")"
ok "the service user is not root (uid $u)" [ "$u" -ne 0 ]
like "$(getent passwd "$svc_user" | cut -d: -f7)" 'nologin$|/false$' "the service user has no login shell"

runs_as_user "redis-server" "$(cat "$RUNDIR/redis.pid")"
master=$(fl_master "$RUNDIR") || bail "no thumbqd master in $RUNDIR"
runs_as_user "the thumbqd master, after start-up," "$master"
fl_wait 10 fl_has_children "$master" 2 || diag "thumbqd has not 2 children"
for kid in $(fl_children "$master"); do
	runs_as_user "a thumbqd child" "$kid"
done
web=$(cat "$RUNDIR/lighttpd.pid")
runs_as_user "lighttpd" "$web"
n=0
for kid in $(fl_children "$web"); do
	runs_as_user "lighttpd's child $(cat "/proc/$kid/comm")" "$kid"
	n=$((n + 1))
done
ok "lighttpd runs thumbq.fcgi ($n processes)" [ "$n" -ge 1 ]
ok "thumbqd did not warn that it runs as root" not grep -q running_as_root "$RUNDIR/thumbqd.log"

procs=$(rundir_procs "$RUNDIR")
diag "processes of the run directory:" "$procs"
is "$(printf '%s\n' "$procs" | awk '{ split($3, id, "/"); for (i in id) if (id[i] == 0) print }')" "" \
	"no process of the run directory but the supervisor has a root uid"
ok "they are at least redis, thumbqd and its 2 children, lighttpd and thumbq.fcgi" \
	[ "$(printf '%s\n' "$procs" | wc -l)" -ge 6 ]

fl_post "$ORIGIN/photo.jpg"
photo=$JOB_ID
if fl_wait 30 fl_job_is "$photo" completed; then
	pass "a job completes"
	is "$(stat -c %U "$RUNDIR/docroot/$JS_PATH")" "$svc_user" "its thumbnail belongs to $svc_user"
else
	fail "a job completes" "$(fl_job_json "$photo")"
fi

# ================================================================ 2
fl_post "$ORIGIN/large.png"
large=$JOB_ID
ok "large image: POST accepted" [ -n "$large" ] || diag "$(last_response)"
fl_wait 10 fl_job_is "$large" processing || diag "not processing: $(fl_job_json "$large")"
# The download takes milliseconds; then the child's main thread
# thumbnails it while its two download threads wait for work.
sleep 0.3
kids=$(fl_children "$master")
kill -KILL "$master"
fl_wait 5 fl_gone "$master" || diag "the master $master did not die"
t_kill=$(now_ms)
fl_post "$ORIGIN/photo.jpg?after-the-master"
late=$JOB_ID
ok "late job: POST accepted" [ -n "$late" ] || diag "$(last_response)"
# shellcheck disable=SC2086 # one pid per word
if fl_wait 5 fl_all_gone $kids; then
	pass "master killed: its children are gone within 5 s ($(($(now_ms) - t_kill)) ms)"
else
	fail "master killed: its children are gone within 5 s" "still running: $(fl_alive_of $kids | tr '\n' ' ')"
fi
fl_job "$late"
is "$JS_STATUS/${JS_ATTEMPTS:-0}" queued/0 "a job queued after the master died was left queued, not taken by an orphan"
tq_services start "$RUNDIR" thumbqd >&2 || bail "thumbqd does not restart in $RUNDIR"
ok "restarted thumbqd: the late job completes" fl_wait 30 fl_job_is "$late" completed ||
	diag "$(fl_job_json "$late")"
ok "the large image completes" fl_wait 30 fl_job_is "$large" completed ||
	diag "$(fl_job_json "$large")"
tq_services stop "$RUNDIR" >&2

# ================================================================ 3
free_port APACHE_PORT
API=http://127.0.0.1:$APACHE_PORT
RUNDIR_A=$tq_tmp/apache
tq_webserver=apache
[ -r "${THUMBQ_APACHE_MODULES:-/usr/lib/apache2/modules}/mod_fcgid.so" ] ||
	bail "mod_fcgid is not installed (Debian: libapache2-mod-fcgid; tools/check installs what the tests need)"
tq_need apache2
tq_start_thumbq "$RUNDIR_A" "$APACHE_PORT" THUMBQ_WORKERS=1 THUMBQ_COURIERS=0
http GET "$API/v1/health"
is "$HTTP_CODE" 200 "Apache: the API answers"
apache=$(cat "$RUNDIR_A/apache.pid")
n=0
for kid in $(fl_children "$apache"); do
	runs_as_user "Apache's child $(cat "/proc/$kid/comm")" "$kid"
	for grandkid in $(fl_children "$kid"); do
		runs_as_user "Apache's grandchild $(cat "/proc/$grandkid/comm")" "$grandkid"
		n=$((n + 1))
	done
done
ok "Apache runs thumbq.fcgi ($n processes)" [ "$n" -ge 1 ]
procs=$(rundir_procs "$RUNDIR_A")
diag "processes of the run directory:" "$procs"
is "$(printf '%s\n' "$procs" | awk -v p="$apache" '$1 != p { split($3, id, "/"); for (i in id) if (id[i] == 0) print }')" "" \
	"Apache: no process of the run directory but the supervisor and Apache's parent has a root uid"

done_testing
