#!/bin/sh
# logs.sh: what the programs write to their logs, as an operator reads them.
#   1. thumbqd at the default log_level (info) logs a job's completion but
#      no debug line; thumbqd -v logs its claim at debug too; log_level =
#      err leaves out the info lines.
#   2. thumbq.fcgi follows log_level: the debug line of a job it creates
#      appears with log_level = debug only.
#   3. Redis stops under a running thumbqd for several seconds: each of the
#      master's periodic duties (heartbeat, reap, promote, sweep) logs its
#      failure once, not once a second, and "recovered" once Redis is back.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/faults-lib.sh
. "$top_srcdir/tests/integration/faults-lib.sh"

tq_setup
fl_setup
tq_start_origin
free_port PORT
API=http://127.0.0.1:$PORT
RD=$tq_tmp/run
# The sweep runs every second when thumbnail_ttl is under two minutes, so
# that all four duties fail within the outage below.  No couriers: the
# only children are image workers.
fl_start_services "$RD" "$PORT" "redis lighttpd" \
	"THUMBQ_FETCH_ALLOW_NETWORKS=127.0.0.0/8" THUMBQ_WORKERS=1 \
	THUMBQ_COURIERS=0 THUMBQ_THUMBNAIL_TTL=60 THUMBQ_DEDUPE_TTL=60

# thumbqd_run LOG FLAGS [VAR=VALUE...]: a foreground thumbqd with FLAGS
# ("" or -v) and the environment VAR=VALUE on the run directory's
# thumbq.conf, logging to LOG; sets TD_PID once its pid file names it.
thumbqd_run() {
	td_log=$1 td_flags=$2
	shift 2
	# shellcheck disable=SC2086 # no flag, or one
	env "$@" "$top_builddir/worker/thumbqd" -D $td_flags -c "$RD/thumbq.conf" \
		</dev/null >/dev/null 2>"$td_log" &
	TD_PID=$!
	fl_bg_add "$TD_PID"
	fl_wait 10 fl_pidfile_is "$RD" "$TD_PID" || bail "thumbqd $td_flags $* did not write its pid file"
}

# one_job TAG: posts a job and waits until it is completed.
one_job() {
	fl_post "$ORIGIN/photo.jpg?log=$1"
	[ -n "$JOB_ID" ] && fl_wait 20 fl_job_is "$JOB_ID" completed
}

# count LOG PATTERN: lines of LOG matching the extended regex PATTERN.
count() {
	grep -Ec -- "$2" "$1" || true
}

# ---- 1. thumbqd: the default, -v, log_level = err
thumbqd_run "$tq_tmp/default.log" ""
ok "default: a job completes" one_job default
ok "default: thumbqd stops" fl_stop "$TD_PID" 20
ok "default: the completion is logged at info" \
	grep -q "level=info job=$JOB_ID event=completed" "$tq_tmp/default.log"
is "$(count "$tq_tmp/default.log" 'level=debug')" 0 "default: no debug line"

thumbqd_run "$tq_tmp/verbose.log" -v
ok "-v: a job completes" one_job verbose
ok "-v: thumbqd stops" fl_stop "$TD_PID" 20
ok "-v: the claim is logged at debug" \
	grep -q "level=debug job=$JOB_ID event=claimed" "$tq_tmp/verbose.log"
ok "-v: the completion is still logged" \
	grep -q "level=info job=$JOB_ID event=completed" "$tq_tmp/verbose.log"

thumbqd_run "$tq_tmp/err.log" "" THUMBQ_LOG_LEVEL=err
ok "log_level = err: a job completes" one_job err
ok "log_level = err: thumbqd stops" fl_stop "$TD_PID" 20
is "$(count "$tq_tmp/err.log" 'level=(info|debug|warn)')" 0 \
	"log_level = err: no info, debug or warn line"

# ---- 2. thumbq.fcgi as a CGI program, with each level
printf '{"url": "%s/photo.jpg?log=cgi"}' "$ORIGIN" >"$tq_tmp/cgi-body"
# cgi_post LEVEL: one POST /v1/thumbnails through thumbq.fcgi; its log goes
# to $tq_tmp/cgi-LEVEL.log.
cgi_post() {
	env THUMBQ_CONF="$RD/thumbq.conf" THUMBQ_LOG_LEVEL="$1" REQUEST_METHOD=POST \
		REQUEST_URI=/v1/thumbnails CONTENT_TYPE=application/json \
		CONTENT_LENGTH="$(wc -c <"$tq_tmp/cgi-body")" \
		"$top_builddir/cgi-bin/thumbq.fcgi" <"$tq_tmp/cgi-body" \
		>"$tq_tmp/cgi-$1.out" 2>"$tq_tmp/cgi-$1.log"
}
ok "thumbq.fcgi, log_level = info: answers" cgi_post info
like "$(head -n 1 "$tq_tmp/cgi-info.out")" '^Status: 201' "thumbq.fcgi, log_level = info: 201"
is "$(count "$tq_tmp/cgi-info.log" 'event=created')" 0 "thumbq.fcgi, log_level = info: no debug line"
ok "thumbq.fcgi, log_level = debug: answers" cgi_post debug
is "$(count "$tq_tmp/cgi-debug.log" 'level=debug event=created job=')" 1 \
	"thumbq.fcgi, log_level = debug: the created job at debug"

# ---- 3. Redis stops under a running thumbqd
thumbqd_run "$RD/thumbqd.log" ""
ok "outage: a job completes before it" one_job before-outage
duties='heartbeat reap promote sweep'
tq_services stop "$RD" redis >&2
# Every duty runs once a second: four or more seconds of outage would have
# logged each failure four times or more.
for duty in $duties; do
	ok "outage: $duty failure logged" fl_wait 10 grep -q "level=warn event=${duty}_failed" "$RD/thumbqd.log"
done
sleep 4
for duty in $duties; do
	is "$(count "$RD/thumbqd.log" "event=${duty}_failed")" 1 \
		"outage: $duty failure logged once in 4 s and more"
done
tq_services start "$RD" redis >&2 || bail "redis-server does not restart in $RD"
for duty in $duties; do
	ok "Redis back: $duty recovery logged" fl_wait 10 grep -q "event=${duty}_recovered failures=" "$RD/thumbqd.log"
done
ok "Redis back: a job completes" one_job after-outage
for duty in $duties; do
	is "$(count "$RD/thumbqd.log" "event=${duty}_failed")" 1 "Redis back: $duty failure still logged once"
	is "$(count "$RD/thumbqd.log" "event=${duty}_recovered")" 1 "Redis back: $duty recovery logged once"
done
like "$(grep -m1 'event=heartbeat_recovered' "$RD/thumbqd.log")" 'failures=([4-9]|[1-9][0-9]+) down_s=([4-9]|[1-9][0-9]+)' \
	"Redis back: the recovery line counts the failures and the seconds"
ok "outage: thumbqd stops" fl_stop "$TD_PID" 20

done_testing
