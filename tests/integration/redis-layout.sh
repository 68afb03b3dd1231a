#!/bin/sh
# redis-layout.sh: doc/redis-layout.md lists what the code keeps in Redis.
# - every key the scripts of src/lua/ build (P .. 'name', and the lanes'
#   base .. 'name') and every key src/store*.c builds (store_arg_key,
#   store_block_on) is a key of the document, and the document lists no key
#   family the code does not build;
# - every field of a job's hash that the scripts name (HSET, HGET, HMGET,
#   HDEL, HEXISTS, HINCRBY, HSETNX on a job's key, and create_job()'s first
#   fields) or that src/store-parse.c reads or writes is in the document's
#   table of fields, and the table names no field the code does not.
# The checker is first shown a document with a key and a field left out,
# which it must refuse, so that a checker that cannot fail fails here.
# Each failure names what is missing.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd -P)}"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
doc=$top_srcdir/doc/redis-layout.md

# check DOC: prints one line per key or field that DOC and the code do not
# agree on, and fails if there is any.
check() {
	perl -e '
	use strict;
	use warnings;
	my ($doc, $top) = @ARGV;
	sub slurp { local $/; open my $f, "<", $_[0] or die "$_[0]: $!\n"; <$f> }
	my @lua = glob "$top/src/lua/*.lua";
	my @c = glob "$top/src/store*.c";
	my (%keys, %fields);

	for my $f (@lua) {
		my $t = slurp($f);
		(my $name = $f) =~ s{.*/}{};
		$t =~ s/--[^\n]*//g;		# comments
		while ($t =~ /\bP \.\. \x27([a-z_:{]+)\x27/g) {
			# A lane of either family: P wh:F:...
			(my $k = $1) =~ s/^wh:(?:new|retry):/wh:F:/;
			$keys{$k} //= $name;
		}
		# The lanes: base is P wh:FAMILY:.
		$keys{"wh:F:$1"} //= $name while $t =~ /\bbase \.\. \x27([a-z_:]+)\x27/g;
		# redis.call(H..., <a job key>, args): its field names.
		while ($t =~ /redis\.call\(\x27(HSET|HSETNX|HGET|HMGET|HDEL|HEXISTS|HINCRBY)\x27,\s*(job|fj|hj|pj|jobkey\([^()]*\))\s*,/g) {
			my ($cmd, $i, $depth, $cur) = ($1, pos $t, 1, "");
			my @args;

			for (; $i < length $t && $depth > 0; $i++) {
				my $ch = substr $t, $i, 1;
				$depth++ if $ch eq "(" || $ch eq "{";
				$depth-- if $ch eq ")" || $ch eq "}";
				if (($ch eq "," && $depth == 1) || $depth == 0) {
					push @args, $cur;
					$cur = "";
				} else {
					$cur .= $ch;
				}
			}
			s/^\s+|\s+$//g for @args;
			my @at = $cmd eq "HSET" ? grep { $_ % 2 == 0 } 0 .. $#args :
			    $cmd =~ /^(HMGET|HDEL)$/ ? 0 .. $#args : (0);
			for my $k (@at) {
				$fields{$1} //= $name if $args[$k] =~ /^\x27([a-z_]+)\x27$/;
			}
		}
		# create_job(): the fields a job starts with, in a table.
		if ($t =~ /local f = \{([^}]*)\}/) {
			my @f = map { s/^\s+|\s+$//gr } split /,/, $1;
			for (my $k = 0; $k < @f; $k += 2) {
				$fields{$1} //= $name if $f[$k] =~ /^\x27([a-z_]+)\x27$/;
			}
		}
		$fields{$1} //= $name while $t =~ /f\[#f \+ 1\] = \x27([a-z_]+)\x27/g;
	}
	for my $f (@c) {
		my $t = slurp($f);
		(my $name = $f) =~ s{.*/}{};
		while ($t =~ /store_(?:arg_key|block_on)\(st, "([a-z_]+)", (NULL|"[a-z_]+"|\w+)/g) {
			my ($fam, $arg) = ($1, $2);
			my $k = $fam eq "job" ? "job:{" : $arg eq "NULL" ? $fam :
			    $arg =~ /^"(.*)"$/ ? "$fam:$1" : "$fam:";
			$keys{$k} //= $name;
		}
		next unless $name eq "store-parse.c";
		# Field names: the tables, store_parse_field, store_arg_result.
		$fields{$1} //= $name while $t =~ /\{ "([a-z_]+)", offsetof/g;
		$fields{$1} //= $name while $t =~ /strcmp\(name, "([a-z_]+)"\)/g;
		$fields{$1} //= $name while $t =~ /redis_arg_str\(st->r, "([a-z_]+)"\)/g;
	}

	my $d = slurp($doc);
	my ($hash) = $d =~ /^## A job\x27s hash\n(.*?)^## /ms;
	$hash //= "";
	my $bad = 0;
	# The document: the keys of its tables ("| `P name"), and the fields of
	# its table of a job hash ("| `field`", "| `a`, `b`").
	my @dockeys = $d =~ /^\| `P ([^`]+)`/mg;
	my %docfields;
	for my $row ($hash =~ /^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|/mg) {
		$docfields{$_} = 1 for $row =~ /`([a-z_]+)`/g;
	}
	for my $k (sort keys %keys) {
		# A literal ending in ":" or "{" is the start of a family name;
		# any other is the whole name, or one of a family the document
		# lists (P pending:high is one of P pending:PRIO).
		my $found = grep {
			$k =~ /[:{]$/ ? index($_, $k) == 0 && substr($_, length $k) =~ /^[A-Z]/ :
			    $_ eq $k || (/^([a-z_:]+[:{])[A-Z]+$/ && index($k, $1) == 0 &&
			    substr($k, length $1) =~ /^[a-z0-9_]+$/)
		} @dockeys;
		next if $found;
		print "key P $k ($keys{$k}) is not in $doc\n";
		$bad = 1;
	}
	for my $dk (@dockeys) {
		(my $lit = $dk) =~ s/[A-Z].*//;
		next if exists $keys{$lit};
		print "$doc lists P $dk, which no script or store*.c builds\n";
		$bad = 1;
	}
	for my $f (sort keys %fields) {
		next if $docfields{$f};
		print "field $f ($fields{$f}) is not in the job hash table of $doc\n";
		$bad = 1;
	}
	for my $f (sort keys %docfields) {
		next if exists $fields{$f};
		print "$doc lists the field $f, which the code does not name\n";
		$bad = 1;
	}
	printf STDERR "# %d keys, %d fields\n", scalar keys %keys, scalar keys %fields;
	exit $bad;
	' "$1" "$top_srcdir"
}

# ---- the checker refuses a document that lacks a key and a field
broken=${TMPDIR:-/tmp}/redis-layout.$$.md
trap 'rm -f "$broken"' EXIT
grep -v -e '^| `P leases`' -e '^| `claimed`' "$doc" >"$broken"
out=$(check "$broken" 2>/dev/null)
rc=$?
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q '^key P leases ' &&
	printf '%s\n' "$out" | grep -q '^field claimed '
ok $? "a document without P leases and claimed is refused, naming both"
sed 's/^| `P stats`/| `P statistics`/' "$doc" >"$broken"
out=$(check "$broken" 2>/dev/null)
printf '%s\n' "$out" | grep -q 'lists P statistics, which no script'
ok $? "a document naming a key no code builds is refused"

# ---- doc/redis-layout.md and the code agree
out=$(check "$doc" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
ok "$rc" "doc/redis-layout.md lists every key and job field the code uses, and no other"

# ---- P refs:PATH exists only while two or more jobs share the file
# Through the real scripts (lib.lua in front of each, as src/store.c loads
# them) on a private redis-server: a file of one job has no set, and goes
# with its job; a shared one goes with the last of its jobs; records of
# before (a set of one, a share from before the sets) are still dropped as
# they were.  cancel.lua (DELETE) answers the path the caller removes.
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
	rdir=$(mktemp -d "${TMPDIR:-/tmp}/redis-layout.XXXXXX")
	trap 'rm -f "$broken"; [ -f "$rdir/pid" ] && kill "$(cat "$rdir/pid")"; rm -rf "$rdir"' EXIT
	redis-server --port 0 --unixsocket "$rdir/sock" --save '' --appendonly no \
		--dir "$rdir" --daemonize yes --pidfile "$rdir/pid" >/dev/null
	i=0
	while [ ! -S "$rdir/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	rc() { redis-cli -s "$rdir/sock" "$@"; }
	for s in create claim finish cancel; do
		cat "$top_srcdir/src/lua/lib.lua" "$top_srcdir/src/lua/$s.lua" >"$rdir/$s.lua"
		eval "sha_$s=\$(rc -x SCRIPT LOAD <\"\$rdir/\$s.lua\")"
	done
	opts='w=100;h=100;m=fit;f=auto;q=0;bg=-'
	# make ID URL: POSTs a job (thumbnail_ttl 60 s, dedupe on).
	make() { rc EVALSHA "$sha_create" 0 thumbq: "$1" "$2" "$opts" 60 60 normal '' '' '' '' '' >/dev/null; }
	# work ID PATH: a child claims the oldest job (ID) and completes it.
	work() {
		rc EVALSHA "$sha_claim" 0 thumbq: "w:$1" 60000 "f$1" >/dev/null
		rc EVALSHA "$sha_finish" 0 thumbq: "$1" "w:$1" completed 10 '' path "$2" width 1 height 1
	}
	gone() { rc EVALSHA "$sha_cancel" 0 thumbq: "$1" ''; }

	make a1 http://o/1.jpg
	work a1 t/a1.jpg >/dev/null
	is_() { [ "$1" = "$2" ] || echo "# got '$1', expected '$2'"; [ "$1" = "$2" ]; }
	is_ "$(rc EXISTS thumbq:refs:t/a1.jpg)" 0
	ok $? "a completed job alone has no refs set"
	make b1 http://o/1.jpg
	is_ "$(rc HGET 'thumbq:job:{b1}' status) $(rc SMEMBERS thumbq:refs:t/a1.jpg | sort | tr '\n' ' ')" \
		"completed a1 b1 "
	ok $? "an identical request answered from it makes the set, of both"
	ttl=$(rc TTL thumbq:refs:t/a1.jpg)
	[ "$ttl" -gt 0 ] && [ "$ttl" -le 60 ]
	ok $? "the set expires with its jobs (TTL $ttl)"
	is_ "$(gone a1)/$(gone b1)/$(rc EXISTS thumbq:refs:t/a1.jpg)" "/t/a1.jpg/0"
	ok $? "the first job to go leaves the file, the last removes it and the set"

	make c1 http://o/2.jpg
	make d1 http://o/2.jpg
	work c1 t/c1.jpg >/dev/null
	is_ "$(rc HGET 'thumbq:job:{d1}' path) $(rc SMEMBERS thumbq:refs:t/c1.jpg | sort | tr '\n' ' ')" \
		"t/c1.jpg c1 d1 "
	ok $? "a job that followed one in flight shares its file in a set of both"
	is_ "$(gone d1)/$(gone c1)" "/t/c1.jpg"
	ok $? "and the last of them removes the file"

	make e1 http://o/3.jpg
	work e1 t/e1.jpg >/dev/null
	is_ "$(gone e1)" t/e1.jpg
	ok $? "a job alone removes its file when it goes"

	# As a thumbq of before left them: a set of one, and a share from
	# before the sets (source_job, no set).
	make f1 http://o/4.jpg
	work f1 t/f1.jpg >/dev/null
	rc SADD thumbq:refs:t/f1.jpg f1 >/dev/null
	is_ "$(gone f1)/$(rc EXISTS thumbq:refs:t/f1.jpg)" "t/f1.jpg/0"
	ok $? "a job of before, alone in its set, removes its file and the set"
	rc HSET 'thumbq:job:{g1}' id g1 status completed path t/old.jpg source_job x >/dev/null
	is_ "$(gone g1)" ""
	ok $? "a job of before that shared its file without a set leaves the file"
else
	echo "# redis-server or redis-cli missing: the refs checks cannot run"
	ok 1 "redis-server and redis-cli are installed"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
