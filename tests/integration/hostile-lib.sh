# tests/integration/hostile-lib.sh: helpers for hostile.sh, on top of lib.sh
# (POSIX sh; source lib.sh first, then this file, then call hl_setup).
# shellcheck shell=sh
# shellcheck disable=SC2154 # tq_tmp, tq_failed, top_srcdir: set by lib.sh
#
#   hl_setup                 tq_setup, plus a cleanup that also stops what
#                            this file starts
#   hl_start_secret          the "secret" lighttpd: must never see a request
#   hl_secret_log            the requests it logged (stops it first)
#   hl_start_origin ADDRESS  hostile-origin.pl on ADDRESS; sets HORIGIN
#   hl_snapshot RUNDIR       the pids of everything running in RUNDIR
#   hl_case [N]              counts hostile inputs
#   hl_expect_failed ID CODE DESC   the job ended failed with error.code CODE
#   hl_job_ms RUNDIR ID      how long the worker spent on the job (its log)
#   hl_printable, hl_utf8, hl_between   small predicates for `ok`
#
# Everything stays on loopback: the servers here refuse other addresses.

hl_cases=0
hl_pids=

# hl_case [N]: counts N (default 1) hostile inputs tried (N < 0 uncounts).
hl_case() {
	hl_cases=$((hl_cases + ${1:-1}))
}

hl_setup() {
	tq_setup
	tq_need perl gzip iconv
	hl_dir=$tq_tmp/hostile
	mkdir -p "$hl_dir"
	trap hl_cleanup EXIT
}

# Stops the servers this file started, then lets lib.sh's cleanup stop
# thumbq and remove the directory with the exit status of the test.
hl_cleanup() {
	hl_status=$?
	trap - EXIT
	for hl_p in $hl_pids; do
		kill -TERM "$hl_p" 2>/dev/null || true
	done
	tq_stop_pidfile "$hl_dir/secret/lighttpd.pid"
	if [ "$hl_status" -ne 0 ] || [ "$tq_failed" -gt 0 ]; then
		for hl_f in "$hl_dir"/secret/*.log "$hl_dir"/origin*/*.log; do
			[ -s "$hl_f" ] || continue
			diag "--- last lines of $hl_f:"
			tail -n 30 "$hl_f" | sed 's/^/# /'
		done
	fi
	(exit "$hl_status")
	tq_cleanup
}

# Is there an IPv6 loopback (::1 on lo) to bind?  A machine without one
# still gets the IPv6 cases: they must be refused before any connect anyway.
hl_have_ipv6() {
	grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null
}

# hl_start_secret: a lighttpd that serves secret.png on SECRET_PORT at
# several loopback addresses (and ::1), logging every request it gets; read
# the log with hl_secret_log.
hl_start_secret() {
	free_port SECRET_PORT
	hl_s=$hl_dir/secret
	mkdir -p "$hl_s/www"
	cp "$top_srcdir/tests/fixtures/photo.png" "$hl_s/www/secret.png"
	: >"$hl_s/access.log"
	{
		cat <<-EOF
			server.modules        = ( "mod_accesslog" )
			server.document-root  = "$hl_s/www"
			server.bind           = "127.0.0.1"
			server.port           = $SECRET_PORT
			server.pid-file       = "$hl_s/lighttpd.pid"
			server.errorlog       = "$hl_s/error.log"
			accesslog.filename    = "$hl_s/access.log"
			accesslog.format      = "%h %V %r %s"
		EOF
		for hl_a in 127.0.0.2 127.0.0.3 127.1.2.3 127.255.255.254; do
			echo "\$SERVER[\"socket\"] == \"$hl_a:$SECRET_PORT\" { }"
		done
		if hl_have_ipv6; then
			echo "\$SERVER[\"socket\"] == \"[::1]:$SECRET_PORT\" { }"
		fi
	} >"$hl_s/lighttpd.conf"
	lighttpd -f "$hl_s/lighttpd.conf" >&2 || bail "secret lighttpd failed to start"
	# The probes ask for /hl-probe: the only requests the log may hold.
	tq_i=0
	until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 \
		"http://127.0.0.1:$SECRET_PORT/hl-probe")" = 404 ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 50 ] || bail "secret lighttpd does not answer on 127.0.0.1:$SECRET_PORT"
		sleep 0.1
	done
}

# hl_secret_log: stops the secret server (lighttpd writes its access log in
# batches, and all of it at exit) and prints the requests it logged other
# than the start-up probes.
hl_secret_log() {
	tq_stop_pidfile "$hl_dir/secret/lighttpd.pid"
	rm -f "$hl_dir/secret/lighttpd.pid"
	grep -v ' /hl-probe ' "$hl_dir/secret/access.log" || true
}

# hl_start_origin ADDRESS: hostile-origin.pl on ADDRESS (a loopback
# address), serving $hl_dir/files; sets HORIGIN to its base URL.
hl_start_origin() {
	free_port HORIGIN_PORT
	hl_o=$hl_dir/origin-$1
	mkdir -p "$hl_o"
	perl "$top_srcdir/tests/integration/hostile-origin.pl" "$1" "$HORIGIN_PORT" \
		"$hl_dir/files" "$hl_o/requests.log" "$hl_o/pid" \
		</dev/null >>"$hl_o/origin.log" 2>&1 &
	hl_pids="$hl_pids $!"
	HORIGIN=http://$1:$HORIGIN_PORT
	tq_i=0
	until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 \
		"$HORIGIN/files/probe")" = 404 ]; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 50 ] || bail "hostile origin does not answer at $HORIGIN"
		sleep 0.1
	done
}

# hl_children PID: the pids whose parent is PID, sorted (read from /proc,
# so that no procps is needed).
hl_children() {
	hl_want=$1
	for hl_st in /proc/[0-9]*/stat; do
		# "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		hl_line=$(cat "$hl_st" 2>/dev/null) || continue
		hl_rest=${hl_line##*) }
		hl_rest=${hl_rest#* }
		[ "${hl_rest%% *}" = "$hl_want" ] && echo "${hl_line%% *}"
	done | sort -n | tr '\n' ' '
}

# hl_snapshot RUNDIR: one line naming every process of the thumbq in RUNDIR:
# redis, thumbqd's master and children, lighttpd and its thumbq.fcgi.
hl_snapshot() {
	hl_r=$(cat "$1/redis.pid" 2>/dev/null)
	hl_m=$(cat "$1/thumbqd.pid" 2>/dev/null)
	hl_l=$(cat "$1/lighttpd.pid" 2>/dev/null)
	hl_mc=$(hl_children "$hl_m")
	hl_lc=$(hl_children "$hl_l")
	echo "redis=$hl_r thumbqd=$hl_m children=[${hl_mc% }] lighttpd=$hl_l fcgi=[${hl_lc% }]"
}

# hl_printable STRING: only printable ASCII?
hl_printable() {
	[ -z "$(printf '%s' "$1" | LC_ALL=C tr -d ' -~')" ]
}

# hl_utf8 FILE: is FILE valid UTF-8?  (jq is lenient about that; glibc's
# iconv refuses overlong forms and surrogates.)
hl_utf8() {
	iconv -f UTF-8 -t UTF-8 <"$1" >/dev/null 2>&1
}

# hl_between N LOW HIGH: N is a number from LOW to HIGH.
hl_between() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# hl_expect_failed ID CODE DESC: the job (polled by wait_jobs) ended failed
# with error.code CODE and a message.
hl_expect_failed() {
	if [ -z "$1" ]; then
		fail "$3: no job (POST failed)"
		return 1
	fi
	hl_got="$(job "$1" .status) $(job "$1" .error.code)"
	if [ "$hl_got" = "failed $2" ] && [ -n "$(job "$1" '.error.message // empty')" ]; then
		pass "$3: failed, $2"
	else
		fail "$3: failed, $2" "got:  '$hl_got'" "job: $(head -c 400 "$tq_tmp/job.$1")"
		return 1
	fi
}

# hl_job_ms RUNDIR ID: how long thumbqd's child worked on the job's last
# attempt, in ms, from its "event=failed" or "event=completed" log line.
hl_job_ms() {
	sed -n "s/.*job=$2 event=\(failed\|completed\) .*ms=\([0-9]*\).*/\2/p" "$1/thumbqd.log" | tail -n 1
}
