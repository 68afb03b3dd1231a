#!/bin/sh
# sentinel.sh: Redis failover through Sentinel, on loopback only.
#
# A Redis primary and a replica on 127.0.0.1 ports, three sentinels
# watching them (redis-server --sentinel), thumbq.fcgi behind lighttpd and a
# thumbqd that find the primary through the sentinels (redis_sentinels).
# - thumbqd -t and thumbqctl check name the primary and the sentinel;
# - jobs are accepted, then the primary is SIGKILLed: while the sentinels
#   promote the replica the API answers 503 JSON with Retry-After, never
#   later than redis_timeout_ms and a margin, then 201 again by itself;
# - every accepted job completes with one attempt, those whose download
#   ended while there was no primary too (their finish waits for the new
#   one instead of losing the lease), and thumbqd reports to the new
#   primary;
# - with redis_min_replicas = 1 and no replica left, a POST answers 503
#   JSON (not_replicated); once the old primary is back as a replica, the
#   same POST answers 201 with the job of the 503, not a second one;
# - heartbeat.lua takes no host for dead right after every host was
#   silent (a failover longer than that time), and still does otherwise.
# The failover time and the 503 count are printed as TAP comments.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd -P)}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/faults-lib.sh"
tq_setup
fl_setup
tq_need redis-server redis-cli

# ---------------------------------------------------------------- Redis

# Ports below the ephemeral range: the old primary's port is bound again
# half a minute later, after the sentinels and clients have opened many
# connections, whose local ports come from that range.
eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
low_port() {
	lp_i=0
	while [ $lp_i -lt 500 ]; do
		free_port "$1"
		eval "[ \$$1 -lt $eph ]" && return 0
		lp_i=$((lp_i + 1))
	done
	bail "no free TCP port below $eph"
}
for v in P1 P2 S1 S2 S3 API_PORT API2_PORT; do
	low_port $v
done
RD=$tq_tmp/redis
mkdir -p "$RD/p1" "$RD/p2" "$RD/s1" "$RD/s2" "$RD/s3"

# Our redis-servers are stopped before lib.sh's cleanup removes their
# directories.
sen_stop() {
	for n in p1 p2 s1 s2 s3; do
		tq_stop_pidfile "$RD/$n/pid"
	done
}
trap 'sen_rc=$?; sen_stop; (exit $sen_rc); fl_cleanup' EXIT

# redis_start NAME PORT [ARG...]: a redis-server on 127.0.0.1:PORT in
# $RD/NAME, in the background; its pid in $RD/NAME/pid.
redis_start() {
	n=$1 p=$2
	shift 2
	redis-server --port "$p" --bind 127.0.0.1 --dir "$RD/$n" --save '' \
		--appendonly no --logfile "$RD/$n/log" "$@" </dev/null >/dev/null 2>&1 &
	echo $! >"$RD/$n/pid"
}

sentinel_start() {
	n=$1 p=$2
	cat >"$RD/$n/sentinel.conf" <<-EOF
		port $p
		bind 127.0.0.1
		dir $RD/$n
		logfile $RD/$n/log
		sentinel monitor mymaster 127.0.0.1 $P1 2
		sentinel down-after-milliseconds mymaster 3000
		sentinel failover-timeout mymaster 10000
		sentinel parallel-syncs mymaster 1
	EOF
	redis-server "$RD/$n/sentinel.conf" --sentinel </dev/null >/dev/null 2>&1 &
	echo $! >"$RD/$n/pid"
}

# until_true SECONDS CMD...: runs CMD every 0.1 s until it succeeds; 1 if
# SECONDS pass first.
until_true() {
	ut_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$ut_end" ] || return 1
		sleep 0.1
	done
}

rinfo() { redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }
in_sync() { [ "$(rinfo "$2" master_link_status)" = up ] && [ "$(rinfo "$1" connected_slaves)" = 1 ]; }
# acked PORT OFFSET: the primary's one replica has acknowledged OFFSET.
acked() {
	ak_s=$(redis-cli -h 127.0.0.1 -p "$1" info replication | tr -d '\r' |
		sed -n 's/^slave0:.*,offset=\([0-9]*\),.*/\1/p')
	[ -n "$ak_s" ] && [ "$ak_s" -ge "$2" ]
}
# The sentinels know each other and the replica.
sentinels_ready() {
	for s in $S1 $S2 $S3; do
		m=$(redis-cli -h 127.0.0.1 -p "$s" sentinel master mymaster 2>/dev/null | tr -d '\r')
		[ "$(printf '%s\n' "$m" | sed -n '/^num-other-sentinels$/{n;p;}')" = 2 ] || return 1
		[ "$(printf '%s\n' "$m" | sed -n '/^num-slaves$/{n;p;}')" = 1 ] || return 1
	done
}
primary_port() { redis-cli -h 127.0.0.1 -p "$S1" sentinel get-master-addr-by-name mymaster 2>/dev/null | tr -d '\r' | sed -n 2p; }

redis_start p1 "$P1"
redis_start p2 "$P2" --replicaof 127.0.0.1 "$P1"
until_true 10 in_sync "$P1" "$P2" || bail "the replica did not sync with the primary"
sentinel_start s1 "$S1"
sentinel_start s2 "$S2"
sentinel_start s3 "$S3"
until_true 20 sentinels_ready || bail "the sentinels did not find each other and the replica"
pass "a primary, a replica and three sentinels on 127.0.0.1"

# ---------------------------------------------------------------- thumbq

SENTINELS="127.0.0.1:$S1, 127.0.0.1:$S2 127.0.0.1:$S3"
TIMEOUT_MS=1000
tq_start_origin
fl_origin_start
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	"THUMBQ_REDIS_SENTINELS=$SENTINELS" THUMBQ_REDIS_TIMEOUT_MS=$TIMEOUT_MS \
	THUMBQ_WORKERS=2 THUMBQ_COURIERS=0 THUMBQ_FETCH_TIMEOUT=8 THUMBQ_LEASE_SECONDS=20 \
	THUMBQ_DEDUPE_TTL=0
ctl() { "$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" "$@"; }

out=$("$top_builddir/worker/thumbqd" -t -c "$RUNDIR/thumbq.conf" 2>&1)
like "$out" "redis primary 127.0.0.1:$P1, named by sentinel 127.0.0.1:$S1 for mymaster" \
	"thumbqd -t names the primary and the sentinel"
like "$(ctl check 2>&1 | grep '	redis	')" "^ok	redis	Redis primary 127.0.0.1:$P1, named by sentinel" \
	"thumbqctl check names the primary"

accepted=
i=0
while [ $i -lt 12 ]; do
	submit "$ORIGIN/photo.jpg?n=$i"
	[ -n "$JOB_ID" ] && accepted="$accepted $JOB_ID"
	i=$((i + 1))
done
is "$(echo $accepted | wc -w)" 12 "12 jobs accepted through the primary"
# Jobs whose download (held back 4 s by the origin) ends while there is no
# primary: their finish falls in the failover.
inflight=
i=0
while [ $i -lt 4 ]; do
	submit "$FORIGIN/photo.jpg?delay=4&n=$i"
	[ -n "$JOB_ID" ] && inflight="$inflight $JOB_ID"
	i=$((i + 1))
done
accepted="$accepted $inflight"
# On a loaded machine the four may not all be claimed at once; one held in
# its download at the kill is what the test needs.
claimed() {
	nheld=0
	for id in $inflight; do
		http GET "$API/v1/thumbnails/$id"
		[ "$(jbody .status)" = processing ] && nheld=$((nheld + 1))
	done
	[ $nheld -gt 0 ]
}
ok "4 more jobs, held in their download by the origin" until_true 10 claimed
diag "$nheld of them in their download when the primary is killed"
# What the clients were told is on the replica before the primary dies.
synced() { [ "$(rinfo "$P1" master_repl_offset)" = "$(rinfo "$P2" slave_repl_offset)" ]; }
until_true 5 synced || diag "the replica lagged behind at the kill"

# ---------------------------------------------------------------- failover

kill -9 "$(cat "$RD/p1/pid")"
t0=$(date +%s%N)
n503=0 n201=0 nother=0 slow=0 retry_after=ok json=ok recovered= max_ms=0
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$end" ]; do
	s=$(date +%s%N)
	submit "$ORIGIN/photo.jpg?after=$n201.$n503"
	ms=$((($(date +%s%N) - s) / 1000000))
	[ $ms -le $max_ms ] || max_ms=$ms
	[ $ms -le $((TIMEOUT_MS + 1500)) ] || slow=$((slow + 1))
	case $HTTP_CODE in
	503)
		n503=$((n503 + 1))
		[ "$(header Retry-After)" = 1 ] || retry_after="no Retry-After: 1 on 503 number $n503"
		jq -e '.status == 503 and .code == "unavailable"' <"$tq_body" >/dev/null 2>&1 ||
			json="503 number $n503: $(last_response)"
		;;
	201)
		n201=$((n201 + 1))
		accepted="$accepted $JOB_ID"
		if [ -z "$recovered" ] && [ "$(primary_port)" = "$P2" ]; then
			recovered=$((($(date +%s%N) - t0) / 1000000))
			break
		fi
		;;
	*) nother=$((nother + 1)) diag "during the failover: $(last_response)" ;;
	esac
	sleep 0.1
done
diag "failover: the API answered 201 again ${recovered:-never} ms after the primary was killed"
diag "failover: $n503 answers 503, $n201 answers 201, $nother others; slowest request $max_ms ms"
ok "the API recovers by itself after the failover, within 30 s" [ -n "$recovered" ]
ok "the API answered 503 while there was no primary ($n503 times)" [ "$n503" -gt 0 ]
is "$retry_after" ok "every 503 has Retry-After: 1"
is "$json" ok "every 503 is JSON with code unavailable"
is "$nother" 0 "no answer other than 503 or 201 during the failover"
is "$slow" 0 "no request took longer than redis_timeout_ms ($TIMEOUT_MS ms) and 1.5 s (slowest $max_ms ms)"
is "$(primary_port)" "$P2" "the sentinels promoted the replica"

# A few more on the new primary, then every accepted job completes.
i=0
while [ $i -lt 4 ]; do
	submit "$ORIGIN/photo.jpg?new=$i"
	[ -n "$JOB_ID" ] && accepted="$accepted $JOB_ID"
	i=$((i + 1))
done
total=$(echo $accepted | wc -w)
ok "all $total accepted jobs finished" wait_jobs 45 $accepted
bad=
for id in $accepted; do
	[ "$(job "$id" .status)" = completed ] || bad="$bad $id:$(job "$id" .status)/$(job "$id" .error.code)"
done
is "$bad" "" "all $total accepted jobs completed"
again=
for id in $accepted; do
	[ "$(job "$id" .attempts)" = 1 ] || again="$again $id:$(job "$id" .attempts)"
done
is "$again" "" "each with one attempt: no lease lost to the failover"
diag "thumbqd: $(grep -c 'event=finish_failed' "$RUNDIR/thumbqd.log") finishes failed, $(grep -c 'event=finish_again' "$RUNDIR/thumbqd.log") sent again"
hb() { [ "$(ctl stats 2>/dev/null | sed -n 's/^worker_hosts	//p')" = 1 ]; }
ok "thumbqd reports to the new primary" until_true 10 hb
like "$(ctl check 2>&1 | grep '	redis	')" "^ok	redis	Redis primary 127.0.0.1:$P2," \
	"thumbqctl check names the new primary"

# ---------------------------------------------------------------- WAIT

# A second web server on the same store, whose POSTs wait for one replica;
# dedupe on, so that a retry finds its job.
RUN2=$tq_tmp/run2
tq_rundirs="$tq_rundirs $RUN2"
env THUMBQ_PORT="$API2_PORT" THUMBQ_WEBSERVER=lighttpd "THUMBQ_REDIS_SENTINELS=$SENTINELS" \
	THUMBQ_REDIS_TIMEOUT_MS=$TIMEOUT_MS THUMBQ_REDIS_MIN_REPLICAS=1 \
	THUMBQ_REDIS_MIN_REPLICAS_TIMEOUT_MS=300 THUMBQ_DEDUPE_TTL=3600 \
	THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' THUMBQ_BUILDDIR="$top_builddir" \
	"$top_srcdir/tools/services" start "$RUN2" lighttpd >&2 ||
	bail "tools/services start $RUN2 lighttpd failed"
API=http://127.0.0.1:$API2_PORT
u="$ORIGIN/portrait.jpg?wait=1"
submit "$u"
expect_error 503 "POST with redis_min_replicas = 1 and no replica"
is "$(jbody .code)" not_replicated "its code is not_replicated"
is "$(header Retry-After)" 1 "with Retry-After: 1"
first=$(sed -n 's/.*event=create_unreplicated id=\([^ ]*\) .*/\1/p' "$RUN2/thumbq.fcgi.log" | tail -n 1)
like "$first" '^[0-9a-f-]{36}$' "thumbq.fcgi logs the job it could not confirm ($first)"

# The old primary comes back; the sentinels make it a replica of the new.
redis_start p1 "$P1"
until_true 20 in_sync "$P2" "$P1" || diag "the old primary did not become a replica"
# After a full sync the primary streams to the replica, and WAIT counts it,
# only from the replica's first acknowledgement, which it sends once a
# second: until then a POST would rightly answer not_replicated.  A write
# made for it: right after the sync the replica's offset is already the
# primary's, and equal offsets would say nothing of the streaming.
redis-cli -h 127.0.0.1 -p "$P2" SET sentinel-test:probe 1 PX 60000 >/dev/null
until_true 10 acked "$P2" "$(rinfo "$P2" master_repl_offset)" ||
	diag "the replica does not acknowledge the primary's writes"
submit "$u"
is "$HTTP_CODE" 201 "the same POST once a replica is back: 201"
is "$JOB_ID" "$first" "and the job of the 503, not a second one"
submit "$u"
is "$HTTP_CODE" 201 "an identical POST after that: 201" || {
	diag "$(last_response)"
	diag "$(tail -n 5 "$RUN2/thumbq.fcgi.log")"
	diag "p2: $(redis-cli -h 127.0.0.1 -p "$P2" info replication | tr -d '\r' | grep -E '^(role|connected_slaves|slave0|master_repl_offset)')"
	diag "$(tail -n 25 "$RD/p1/log")"
	diag "$(tail -n 15 "$RD/p2/log")"
	diag "$(tail -n 15 "$RD/s1/log")"
}
ok "and a job of its own, following the first (dedupe as usual)" [ "$JOB_ID" != "$first" ]

# ---------------------------------------------------------------- heartbeats

# After a failover longer than the time a silent host is taken for dead,
# the new primary holds every host's heartbeat from before it: the first
# host back must not take the others' jobs.  heartbeat.lua as thumbqd runs
# it (lib.lua in front), with stale_ms = 1000 instead of 15 s.
HB=$(cat "$top_srcdir/src/lua/lib.lua" "$top_srcdir/src/lua/heartbeat.lua")
# ARGV as store_heartbeat() sends it: prefix host stale_ms max_attempts
# storage_failing_ms, no children.  Its answer is a count, or the test
# stops: a script that fails proves nothing.
hb() {
	hb_out=$(redis-cli -h 127.0.0.1 -p "$P2" eval "$HB" 0 "$1" "$2" 1000 3 0 2>&1)
	case $hb_out in
	'' | *[!0-9]*) bail "heartbeat.lua as thumbqd runs it failed: $hb_out" ;;
	esac
}
alive() { [ -n "$(redis-cli -h 127.0.0.1 -p "$P2" zscore "$1masters" "$2")" ]; }
hb hb1: a
hb hb1: b
i=0
while [ $i -lt 6 ]; do
	sleep 0.25
	hb hb1: b
	i=$((i + 1))
done
ok "a host silent for stale_ms while another beats is taken for dead" not alive hb1: a
hb hb2: a
hb hb2: b
hb hb2: c
sleep 1.5
hb hb2: b
ok "after a silence of every host, the first back takes none for dead" alive hb2: a
i=0
while [ $i -lt 6 ]; do
	sleep 0.25
	hb hb2: a
	hb hb2: b
	i=$((i + 1))
done
ok "those that come back live on" alive hb2: a
ok "one that does not is taken for dead once that time is over" not alive hb2: c

done_testing
