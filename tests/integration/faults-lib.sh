# tests/integration/faults-lib.sh: what faults.sh adds to lib.sh (POSIX sh).
# shellcheck shell=sh
# shellcheck disable=SC2034 # variables set here are read by faults.sh
# shellcheck disable=SC2154 # top_srcdir, tq_tmp, tq_body...: from lib.sh
#
# Source lib.sh first, call tq_setup, then fl_setup.  This file adds:
#   - a flaky origin (flaky-origin.py) that can answer 503 on demand and hold
#     answers back (?delay=SECONDS), so a job stays in flight as long as a
#     test needs;
#   - process helpers: the thumbqd master of a run directory, its children,
#     whether a pid is gone (a zombie is gone: in a container nobody may reap
#     an orphan);
#   - a foreground thumbqd (thumbqd -D as a child of the test shell), whose
#     exit status the test can wait for;
#   - job helpers that read a job through the API into JS_* variables.
# Every wait has a deadline: nothing here can hang a test.

# now_ms: wall clock in milliseconds (GNU date).
now_ms() {
	date +%s%3N
}

# fl_wait SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (returns 0) or SECONDS have passed (returns 1).
fl_wait() {
	fl_w_end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -lt "$fl_w_end" ] || return 1
		sleep 0.1
	done
}

# fl_rand N: a random number in 0..N-1.
fl_rand() {
	echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1))
}

# ------------------------------------------------------------------ set-up

# fl_setup: replaces lib.sh's exit trap with one that first stops what this
# file started (background helpers, the flaky origin, a foreground thumbqd)
# and shows the flaky origin's logs on failure, then runs tq_cleanup.
fl_setup() {
	tq_need python3 cksum
	fl_bg=
	FO_PID=
	trap fl_cleanup EXIT
}

# fl_bg_add PID: a background helper to kill on exit.
fl_bg_add() {
	fl_bg="$fl_bg $1"
}

fl_cleanup() {
	fl_status=$?
	trap - EXIT
	for fl_p in $fl_bg; do
		kill "$fl_p" 2>/dev/null || true
	done
	if [ -n "$FO_PID" ]; then
		if [ "$fl_status" -ne 0 ] || [ "$tq_failed" -gt 0 ]; then
			[ -s "$FO/error.log" ] && { diag "--- flaky origin errors:"; tail -n 20 "$FO/error.log" | sed 's/^/# /'; }
		fi
		kill "$FO_PID" 2>/dev/null || true
	fi
	# FAULTS_KEEP=DIR keeps a copy of the run directories (logs, docroots,
	# the chaos records) for a post-mortem.
	if [ -n "${FAULTS_KEEP:-}" ]; then
		mkdir -p "$FAULTS_KEEP" &&
			tar -C "$tq_tmp" -cf - --exclude='*.sock*' . 2>/dev/null | tar -C "$FAULTS_KEEP" -xf - &&
			diag "kept a copy of $tq_tmp in $FAULTS_KEEP"
	fi
	(exit "$fl_status")
	tq_cleanup
}

# ------------------------------------------------------------------ origin

# fl_origin_start: starts flaky-origin.py on 127.0.0.1 (an ephemeral port)
# serving tests/fixtures; sets FORIGIN to its base URL and FO to its
# directory (control/, access.log: one "STATUS PATH" line per request).
fl_origin_start() {
	FO=$tq_tmp/flaky
	mkdir -p "$FO/control"
	python3 "$top_srcdir/tests/integration/flaky-origin.py" "$top_srcdir/tests/fixtures" \
		"$FO/control" "$FO/port" "$FO/access.log" </dev/null >/dev/null 2>"$FO/error.log" &
	FO_PID=$!
	fl_wait 15 test -s "$FO/port" || bail "flaky-origin.py did not start (see $FO/error.log: $(head -c 300 "$FO/error.log"))"
	FORIGIN=http://127.0.0.1:$(cat "$FO/port")
	fl_wait 10 fl_origin_answers ||
		bail "flaky origin does not serve $FORIGIN/photo.jpg"
}

fl_origin_answers() {
	[ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$FORIGIN/photo.jpg")" = 200 ]
}

# The origin answers 503 to everything from now on / serves again.
fl_origin_503() {
	: >"$FO/control/503"
}

fl_origin_ok() {
	rm -f "$FO/control/503"
}

# ------------------------------------------------------------------ processes

# fl_gone PID: the process has exited (or is a zombie nobody reaped).
fl_gone() {
	kill -0 "$1" 2>/dev/null || return 0
	fl_g_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	case $fl_g_st in
	Z* | X* | '') return 0 ;;
	esac
	return 1
}

# fl_all_gone PID...: every one of them has exited.
fl_all_gone() {
	for fl_a_p in "$@"; do
		fl_gone "$fl_a_p" || return 1
	done
}

# fl_alive_of PID...: prints those still running.
fl_alive_of() {
	for fl_a_p in "$@"; do
		fl_gone "$fl_a_p" || echo "$fl_a_p"
	done
}

# fl_children PID: the live (non-zombie) children of PID, one per line.
# /proc/PID/stat is "pid (comm) state ppid ...", and comm may hold spaces
# and parentheses, so the fields are counted after the last ") ".
fl_children() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{
		pid = $1; s = $0; sub(/.*\) /, "", s); split(s, f, " ")
		if (f[2] == p && f[1] != "Z" && f[1] != "X") print pid }'
}

# fl_nchildren PID: how many.
fl_nchildren() {
	fl_children "$1" | wc -l | tr -d ' '
}

# fl_master RUNDIR: prints the pid of the thumbqd master of RUNDIR (from its
# pid file) if it runs; fails otherwise.
fl_master() {
	[ -r "$1/thumbqd.pid" ] || return 1
	read -r fl_m_pid <"$1/thumbqd.pid" 2>/dev/null || return 1
	case $fl_m_pid in '' | *[!0-9]*) return 1 ;; esac
	fl_gone "$fl_m_pid" && return 1
	echo "$fl_m_pid"
}

# fl_has_children PID N: PID has exactly N live children.
fl_has_children() {
	[ "$(fl_nchildren "$1")" = "$2" ]
}

# fl_start_services RUNDIR PORT "COMPONENT..." [VAR=VALUE...]: like
# tq_start_thumbq, but only the components named (e.g. "redis lighttpd", for
# a test that runs thumbqd itself).
fl_start_services() {
	fl_s_rd=$1 fl_s_port=$2 fl_s_comp=$3
	shift 3
	tq_rundirs="$tq_rundirs $fl_s_rd"
	# shellcheck disable=SC2086 # one argument per component
	env THUMBQ_PORT="$fl_s_port" "$@" THUMBQ_BUILDDIR="$top_builddir" \
		"$top_srcdir/tools/services" start "$fl_s_rd" $fl_s_comp >&2 ||
		bail "tools/services start $fl_s_rd $fl_s_comp failed"
}

# fl_thumbqd_fg RUNDIR: starts thumbqd -D on RUNDIR's thumbq.conf as a child
# of this shell (so that `wait` gives its exit status), logging to
# RUNDIR/thumbqd.log; sets FG_PID once its pid file names it and it has its
# children.
fl_thumbqd_fg() {
	"$top_builddir/worker/thumbqd" -D -c "$1/thumbq.conf" </dev/null >/dev/null 2>>"$1/thumbqd.log" &
	FG_PID=$!
	fl_bg_add "$FG_PID"
	fl_wait 10 fl_pidfile_is "$1" "$FG_PID" || bail "thumbqd -D did not write its pid file"
}

fl_pidfile_is() {
	[ "$(cat "$1/thumbqd.pid" 2>/dev/null)" = "$2" ]
}

# fl_thumbqd_limited RUNDIR BLOCKS ignore|default: a foreground thumbqd that
# may not write files past BLOCKS (ulimit -f: 512 bytes each in dash, 1 KB
# in bash).  With "ignore" SIGXFSZ is ignored (thumbqd inherits that through
# exec), so a write past the limit fails with EFBIG part-way, as on a full
# disk; with "default" the writer dies of SIGXFSZ in the middle of its
# write.  Its log goes through a pipe (the limit does not apply to pipes,
# and the log file is already past it).  Sets LIM_PID from its pid file.
fl_thumbqd_limited() {
	rm -f "$1/thumbqd.pid"
	(
		cd "$1" || exit 1
		[ "$3" = ignore ] && trap '' XFSZ
		# shellcheck disable=SC3045 # dash and bash have -c
		ulimit -c 0 2>/dev/null || true	# no core files from SIGXFSZ
		ulimit -f "$2"
		exec "$top_builddir/worker/thumbqd" -D -c "$1/thumbq.conf" </dev/null 2>&1 >/dev/null
	) | cat >>"$1/thumbqd.log" &
	fl_wait 10 test -s "$1/thumbqd.pid" || bail "limited thumbqd did not write its pid file"
	LIM_PID=$(cat "$1/thumbqd.pid")
	fl_bg_add "$LIM_PID"
}

# fl_stop PID SECONDS: SIGTERM, and wait until it is gone; fails if it is not.
fl_stop() {
	kill -TERM "$1" 2>/dev/null || true
	fl_wait "$2" fl_gone "$1"
}

# fl_wait_exit PID SECONDS: waits for a child of this shell to exit, at most
# SECONDS; sets EXIT_STATUS (empty if it did not exit in time) and EXIT_AT
# (now_ms when it was seen gone, or at the deadline).
fl_wait_exit() {
	EXIT_STATUS=
	if fl_wait "$2" fl_gone "$1"; then
		EXIT_AT=$(now_ms)
		wait "$1"
		EXIT_STATUS=$?
	else
		EXIT_AT=$(now_ms)
	fi
}

# fl_redis RUNDIR ARG...: redis-cli on RUNDIR's Redis.
fl_redis() {
	fl_r_rd=$1
	shift
	redis-cli -s "$fl_r_rd/redis.sock" "$@"
}

# ------------------------------------------------------------------ jobs

# fl_post URL [MEMBERS]: POST {"url": URL, MEMBERS} (URL must need no JSON
# escaping; MEMBERS is more JSON, e.g. '"width": 800'); sets HTTP_CODE and
# JOB_ID (empty unless 201).  Cheaper than lib.sh's submit.
fl_post() {
	http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' \
		--data-binary "{\"url\": \"$1\"${2:+, $2}}"
	JOB_ID=
	if [ "$HTTP_CODE" = 201 ]; then
		JOB_ID=$(sed -n 's/.*"id": *"\([0-9a-f-]\{36\}\)".*/\1/p' "$tq_body")
	fi
}

# fl_job ID: GET /v1/thumbnails/ID; sets JS_CODE (HTTP status), JS_STATUS,
# JS_ATTEMPTS, JS_ERR (error.code), JS_MSG (error.message), JS_PATH
# (resized_url without the API's base) and leaves the JSON in
# $tq_tmp/job.ID.
fl_job() {
	http GET "$API/v1/thumbnails/$1"
	cp "$tq_body" "$tq_tmp/job.$1"
	JS_CODE=$HTTP_CODE
	JS_STATUS='' JS_ATTEMPTS='' JS_ERR='' JS_MSG='' JS_PATH=
	[ "$HTTP_CODE" = 200 ] || return 0
	# One jq for all fields; tabs separate them, and the message comes last
	# because it may hold anything.
	fl_j=$(jq -r '[.status, (.attempts | tostring), (.error.code // ""),
		(.resized_url // ""), (.error.message // "" | gsub("[\t\n]"; " "))] | @tsv' \
		<"$tq_body" 2>/dev/null)
	JS_STATUS=$(printf '%s' "$fl_j" | cut -f1)
	JS_ATTEMPTS=$(printf '%s' "$fl_j" | cut -f2)
	JS_ERR=$(printf '%s' "$fl_j" | cut -f3)
	JS_PATH=$(printf '%s' "$fl_j" | cut -f4)
	JS_PATH=${JS_PATH#"$API"/}
	JS_MSG=$(printf '%s' "$fl_j" | cut -f5-)
}

# fl_job_is ID STATUS...: the job's status is one of STATUS.
fl_job_is() {
	fl_i_id=$1
	shift
	fl_job "$fl_i_id"
	for fl_i_s in "$@"; do
		[ "$JS_STATUS" = "$fl_i_s" ] && return 0
	done
	return 1
}

# fl_job_retrying ID CODE: queued for a retry with error.code CODE.
fl_job_retrying() {
	fl_job "$1"
	[ "$JS_STATUS" = queued ] && [ "$JS_ERR" = "$2" ] && [ "${JS_ATTEMPTS:-0}" -ge 1 ]
}

# fl_job_attempted ID N: the job has had at least N attempts.
fl_job_attempted() {
	fl_job "$1"
	[ "${JS_ATTEMPTS:-0}" -ge "$2" ]
}

# fl_jobs_done ID...: every job is completed or failed.
fl_jobs_done() {
	for fl_d_id in "$@"; do
		fl_job_is "$fl_d_id" completed failed || return 1
	done
}

# fl_job_json ID: the last JSON fl_job saw for ID, for diagnostics.
fl_job_json() {
	head -c 600 "$tq_tmp/job.$1" 2>/dev/null
}

# fl_tempfiles DOCROOT: temporary files of storage.c (NAME.tmp.XXXXXX) left
# anywhere under DOCROOT, one per line.
fl_tempfiles() {
	find "$1" -name '*.tmp.*' 2>/dev/null
}

# fl_thumb_name RUNDIR ID: the name of the job's thumbnail file (random,
# given at its first claim; empty before), from RUNDIR's Redis.
fl_thumb_name() {
	fl_redis "$1" HGET "thumbq:job:{$2}" file
}

# fl_thumb_files RUNDIR ID: the files of the job's thumbnail name in
# RUNDIR's docroot (temporary files excluded).
fl_thumb_files() {
	fl_t_n=$(fl_thumb_name "$1" "$2")
	[ -n "$fl_t_n" ] || return 0
	fl_t_ab=$(printf %s "$fl_t_n" | cut -c1-2)
	fl_t_cd=$(printf %s "$fl_t_n" | cut -c3-4)
	for fl_t_f in "$1/docroot/thumbnails/$fl_t_ab/$fl_t_cd/$fl_t_n".*; do
		case $fl_t_f in *.tmp.*) continue ;; esac
		[ -e "$fl_t_f" ] && echo "$fl_t_f"
	done
}

# fl_decodes FILE W H: gm decodes FILE and it is W x H.
fl_decodes() {
	[ "$(gm identify -format '%wx%h\n' "$1" 2>/dev/null | head -n 1)" = "$2x$3" ]
}
