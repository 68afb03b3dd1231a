#!/bin/sh
# docs.sh: the documentation says what the programs do, checked against the
# programs and tables themselves:
# - every config key `thumbqd -C` prints is in thumbq.conf(5) and README's
#   configuration table with the default thumbqd prints, and neither
#   documents a key thumbqd does not know;
# - every route of cgi-bin/routes.c's table is in thumbq.fcgi(8),
#   doc/openapi.yaml and README's API table, and none of them documents a
#   route the table lacks;
# - every thumbqctl command in its own usage is in thumbqctl(1) and README's
#   "Operating it", and thumbqctl(1) documents no command it lacks;
# - every package tools/quickstart and tools/check install is named in
#   README's package list;
# - the man pages render without warnings.
# Each failure names what is missing and where.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd -P)}"
: "${top_builddir:=$top_srcdir}"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
# member WORD LIST: WORD is a line of LIST.
member() { printf '%s\n' "$2" | grep -qxF -- "$1"; }
readme=$top_srcdir/README.md
man=$top_builddir/man

# roff MODE FILE SECTION [TAG]: the .TP/.TQ entries of a man page section,
# as plain text.  MODE tags prints each entry's tags (italic words as "*",
# so that ".BI "GET /v1/thumbnails/" id" reads GET /v1/thumbnails/*);
# MODE body prints the text of the entry tagged TAG, on one line.
roff() {
	perl -e '
	use strict;
	use warnings;
	my ($mode, $file, $section, $want) = @ARGV;
	sub args {
		my ($s) = @_;
		my @a;
		while ($s =~ /\G\s*(?:"((?:[^"]|"")*)"|(\S+))/g) {
			push @a, defined $1 ? $1 : $2;
		}
		return @a;
	}
	sub plain {
		my ($s) = @_;
		$s =~ s/\\f[BIRP]//g;
		$s =~ s/\\\((?:en|em)/-/g;
		$s =~ s/\\\(mu/x/g;
		$s =~ s/\\\(dq/"/g;
		$s =~ s/\\[-e]/$& eq "\\-" ? "-" : "\\"/ge;
		$s =~ s/\\&//g;
		return $s;
	}
	# One line of roff as text; $tag: italic arguments become "*".
	sub line {
		my ($l, $tag) = @_;
		return plain($l) unless $l =~ /^\.([BI]|[BIR][BIR])(?:\s+(.*))?$/;
		my ($m, @a) = ($1, args(defined $2 ? $2 : ""));
		return join " ", map { $m eq "I" && $tag ? "*" : plain($_) } @a
		    if length $m == 1;
		my $s = "";
		for my $i (0 .. $#a) {
			my $font = substr($m, $i % 2, 1);
			my $t = plain($a[$i]);
			$t = ($t =~ /^\s/ ? " " : "") . "*" if $font eq "I" && $tag;
			$s .= $t;
		}
		return $s;
	}
	open my $fh, "<", $file or die "$file: $!\n";
	my ($in, @entries, $cur, $expect_tag) = (0);
	while (my $l = <$fh>) {
		chomp $l;
		if ($l =~ /^\.SH\s+"?([^"]*)"?/) { $in = $1 eq $section; $cur = undef; next; }
		next unless $in;
		if ($l =~ /^\.(TP|TQ)\b/) {
			if ($1 eq "TP") { $cur = { tags => [], body => [] }; push @entries, $cur; }
			$expect_tag = 1;
			next;
		}
		if ($l =~ /^\.(SS|PP|LP|P)\b/) { $cur = undef; next; }
		next unless $cur;
		next if $l =~ /^\.(EX|EE|br|sp|RS|RE)\b/ || $l =~ /^\.\\"/;
		if ($expect_tag) {
			push @{$cur->{tags}}, line($l, 1);
			$expect_tag = 0;
		} else {
			push @{$cur->{body}}, line($l, 0);
		}
	}
	for my $e (@entries) {
		if ($mode eq "tags") {
			print "$_\n" for @{$e->{tags}};
		} elsif (grep { $_ eq $want } @{$e->{tags}}) {
			print join(" ", @{$e->{body}}), "\n";
		}
	}' "$@"
}

# The lists below are one item a line; items may hold blanks and "*".
set -f
nl='
'
IFS=$nl

# ------------------------------------------------------------ config keys

dump=$(env -i "$top_builddir/worker/thumbqd" -C -c /dev/null) ||
    { echo "1..1"; echo "not ok 1 - thumbqd -C runs"; exit 1; }
# key<TAB>default, from the "# help (default: "...")" line above each key.
defaults=$(printf '%s\n' "$dump" | sed -n '
	/^# .*(default: ".*")$/ { s/.*(default: "\(.*\)")$/\1/; h; }
	/^[a-z][a-z0-9_]* = / { s/ = .*//; G; s/\n/	/; p; }')
keys=$(printf '%s\n' "$defaults" | cut -f1)
[ "$(printf '%s\n' "$keys" | wc -l)" -gt 30 ]
ok $? "thumbqd -C lists the config keys, each with its default"

# has_default TEXT DEFAULT: TEXT states DEFAULT as the default: "Default
# VALUE", "VALUE (the default)", or for an empty one "empty (the default)"
# or "empty by default".
has_default() {
	printf '%s\n' "$1" | DEF=$2 perl -ne '
		BEGIN { $d = quotemeta $ENV{DEF}; $f = 1 }
		if ($ENV{DEF} eq "") {
			$f = 0 if /\bempty,? (\(the default\)|by default)/i;
		} else {
			$f = 0 if /\bDefault:? $d(?![\w\/])/ ||
			    /(?<![\w\/])$d \(the default\)/;
		}
		END { exit $f }'
}

conf5=$man/thumbq.conf.5
for kd in $defaults; do
	key=${kd%%	*} def=${kd#*	}
	body=$(roff body "$conf5" KEYS "$key")
	if [ -z "$body" ]; then
		ok 1 "thumbq.conf(5) documents $key"
	else
		has_default "$body" "$def"
		ok $? "thumbq.conf(5) documents $key, default \"$def\""
	fi
done
for key in $(roff tags "$conf5" KEYS); do
	member "$key" "$keys"
	ok $? "thumbq.conf(5)'s $key is a key thumbqd knows"
done

# README's configuration table: | `key` | default | help |, the default in
# backquotes or "(empty)"; $localstatedir and VERSION stand for the
# configured directory and the version.
readme_conf=$(awk '/^## Configuration/ { on = 1; next } /^## / { on = 0 } on' \
    "$readme" | sed -n 's/^| `\([a-z][a-z0-9_]*\)` | \([^|]*\) |.*/\1	\2/p')
for kd in $defaults; do
	key=${kd%%	*} def=${kd#*	}
	row=$(printf '%s\n' "$readme_conf" | grep "^$key	") ||
	    { ok 1 "README's configuration table has $key"; continue; }
	doc=$(printf '%s\n' "${row#*	}" | sed 's/ *$//')
	DOC=$doc DEF=$def perl -e '
		my ($doc, $def) = @ENV{qw(DOC DEF)};
		exit($doc eq "(empty)" ? $def ne "" : 0) if $doc !~ /^`(.*)`$/;
		my $re = quotemeta $1;
		$re =~ s/\\\$localstatedir/\/.*/;
		$re =~ s/VERSION/[0-9][0-9.]*/;
		exit($def =~ /^$re$/ ? 0 : 1);'
	ok $? "README's configuration table has $key, default \"$def\" (it says $doc)"
done
for row in $readme_conf; do
	member "${row%%	*}" "$keys"
	ok $? "README's configuration key ${row%%	*} is a key thumbqd knows"
done

# ---------------------------------------------------------------- routes

# "METHOD /path", a path argument as "*", from the table's rows
# { "METHOD", "/path", handler, open }.
routes=$(sed -n 's/^[[:space:]]*{ "\([A-Z]*\)", "\(\/[^"]*\)", route_.*/\1 \2/p' \
    "$top_srcdir/cgi-bin/routes.c")
[ "$(printf '%s\n' "$routes" | wc -l)" -gt 5 ]
ok $? "cgi-bin/routes.c has a routing table"
# thumbq.fcgi(8)'s API section: ".B POST /v1/thumbnails", ".BI "GET
# /v1/thumbnails/" id"; a query string is the route without it.
fcgi_routes=$(roff tags "$man/thumbq.fcgi.8" API | sed -n 's/?.*//; /^[A-Z]* \//p')
# doc/openapi.yaml: "  /path:" then "    method:", {param} as "*".
api_routes=$(awk '
	/^  \// { path = $1; sub(/:$/, "", path); gsub(/\{[^}]*\}/, "*", path); next }
	/^  [^ ]/ || /^[^ ]/ { path = "" }
	path != "" && /^    (get|post|put|delete|patch|head):/ {
		m = $1; sub(/:$/, "", m); print toupper(m) " " path
	}' "$top_srcdir/doc/openapi.yaml")
# README's API table: | `METHOD /path` | ..., {id} as "*", no query.
readme_routes=$(awk '/^## API/ { on = 1; next } /^#/ { on = 0 } on' "$readme" |
	sed -n 's/^| `\([A-Z]* \/[^`]*\)` |.*/\1/p' | sed 's/?.*//; s/{[^}]*}/*/g')
for doc in "thumbq.fcgi(8):$fcgi_routes" "doc/openapi.yaml:$api_routes" \
    "README's API table:$readme_routes"; do
	name=${doc%%:*} list=${doc#*:}
	for r in $routes; do
		member "$r" "$list"; ok $? "$name documents $r"
	done
	for r in $(printf '%s\n' "$list" | sort -u); do
		member "$r" "$routes"; ok $? "$name's $r is in the routing table"
	done
done

# -------------------------------------------------------- thumbqctl verbs

# The commands in thumbqctl's usage: "  key create NAME   ..." is
# "key create".
usage=$("$top_builddir/tools/thumbqctl" 2>&1 >/dev/null)
verbs=$(printf '%s\n' "$usage" | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)*\).*/\1/p')
[ "$(printf '%s\n' "$verbs" | wc -l)" -gt 5 ]
ok $? "thumbqctl's usage lists its commands"
manverbs=$(roff tags "$man/thumbqctl.1" COMMANDS |
	sed -n 's/^\([a-z][a-z]*\( [a-z][a-z]*\)*\).*/\1/p' | sort -u)
operating=$(awk '/^## Operating it/ { on = 1; next } /^## / { on = 0 } on' "$readme")
for v in $verbs; do
	member "$v" "$manverbs"; ok $? "thumbqctl(1) documents thumbqctl $v"
	printf '%s\n' "$operating" | grep -q "thumbqctl $v\\b"
	ok $? "README's \"Operating it\" shows thumbqctl $v"
done
for v in $manverbs; do
	member "$v" "$verbs"; ok $? "thumbqctl(1)'s $v is in thumbqctl's usage"
done

# -------------------------------------------------------------- packages

# The bash arrays NAME_pkgs=(...) of tools/quickstart and tools/check, and
# README's "Packages it installs:" paragraph.
pkgs=$(cat "$top_srcdir/tools/quickstart" "$top_srcdir/tools/check" | awk '
	/^[a-z_]*pkgs=\(/ { on = 1; sub(/^[a-z_]*pkgs=\(/, "") }
	on { line = $0; sub(/#.*/, "", line); end = sub(/\).*/, "", line)
	     n = split(line, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
	     if (end) on = 0 }' | sort -u)
[ "$(printf '%s\n' "$pkgs" | wc -l)" -gt 10 ]
ok $? "tools/quickstart and tools/check list the packages they install"
pkglist=$(awk '/^Packages it installs:/ { on = 1 } on && /^$/ { on = 0 } on' "$readme" |
	tr -s ' `,.\n' '\n')
for p in $pkgs; do
	member "$p" "$pkglist"; ok $? "README's package list names $p"
done

# ---------------------------------------------------------- man rendering

for page in thumbq.conf.5 thumbqd.8 thumbq.fcgi.8 thumbqctl.1; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man/$page" 2>&1 >/dev/null)
	[ -z "$out" ]; ok $? "man $page renders without warnings${out:+: $out}"
done
echo "1..$n"
[ "$failed" -eq 0 ]
