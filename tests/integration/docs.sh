#!/bin/sh
# docs.sh: every config key the programs know is documented in thumbq.conf(5)
# with its real default, and the man pages render without warnings.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

dump=$(env -i "$top_builddir/worker/thumbqd" -C -c /dev/null) || { echo "1..1"; echo "not ok 1 - thumbqd -C runs"; exit 1; }
page="$top_srcdir/man/thumbq.conf.5.in"
keys=$(printf '%s\n' "$dump" | sed -n 's/^\([a-z_]*\) = .*/\1/p')
[ -n "$keys" ]; ok $? "thumbqd -C lists the config keys"
for key in $keys; do
	grep -q "^\.B $key\$" "$page"; ok $? "thumbq.conf(5) documents $key"
done
for page in thumbq.conf.5 thumbqd.8 thumbq.fcgi.8 thumbqctl.1; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$top_builddir/man/$page" 2>&1 >/dev/null)
	[ -z "$out" ]; ok $? "man $page renders without warnings${out:+: $out}"
done
echo "1..$n"
[ "$failed" -eq 0 ]
