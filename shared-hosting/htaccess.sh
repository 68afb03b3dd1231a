#!/bin/sh
# shared-hosting/htaccess.sh: puts thumbq's block of Apache directives (the
# lines from "# BEGIN thumbq" to "# END thumbq") into an .htaccess file, or
# takes it out, leaving every other line of the file as it was.  make
# install and make uninstall call it (--with-htaccess); by hand:
#
#   sh htaccess.sh install BLOCK FILE   replace the block in FILE, or put it
#                                       first (FILE is made, mode 0644, if missing)
#   sh htaccess.sh remove FILE          take the block out; FILE goes if
#                                       nothing else is left in it
#
# First, because Apache applies rewrite rules in order and a site's own
# catch-all rule (a CMS's "everything else to index.php") would take /v1/.
set -eu

begin='# BEGIN thumbq'
end='# END thumbq'

die() {
	echo "htaccess.sh: $*" >&2
	exit 1
}

# has_block FILE: FILE holds one whole block (and fails with a message on a
# block that is not closed, rather than eating the rest of the file).
has_block() {
	[ -f "$1" ] || return 1
	grep -qx "$begin" "$1" || return 1
	awk -v b="$begin" -v e="$end" '$0 == b { o++ } $0 == e && o { c++ } END { exit !(o == 1 && c == 1) }' "$1" ||
		die "$1: \"$begin\" without one \"$end\" after it; fix it by hand"
}

# The new text goes into a copy beside FILE (same mode, same file system),
# which then replaces it: a web server never reads half a file.
replace() {
	file=$1 new=$2
	tmp=$file.thumbq.$$
	if [ -f "$file" ]; then
		cp -p "$file" "$tmp"
	else
		: >"$tmp"
		chmod 644 "$tmp"
	fi
	cat "$new" >"$tmp" && mv -f "$tmp" "$file" || { rm -f "$tmp"; exit 1; }
}

[ $# -ge 2 ] || die "usage: htaccess.sh install BLOCK FILE | remove FILE"
work=$(mktemp) || die "mktemp failed"
trap 'rm -f "$work"' EXIT
case $1 in
install)
	[ $# -eq 3 ] || die "usage: htaccess.sh install BLOCK FILE"
	block=$2 file=$3
	head -n 1 "$block" | grep -qx "$begin" && tail -n 1 "$block" | grep -qx "$end" ||
		die "$block is not a block from \"$begin\" to \"$end\""
	if has_block "$file"; then
		awk -v b="$begin" -v e="$end" -v blk="$block" '
			$0 == b { while ((getline l < blk) > 0) print l; skip = 1; next }
			skip && $0 == e { skip = 0; next }
			!skip' "$file" >"$work"
	else
		{ cat "$block"; [ ! -s "$file" ] || { echo; cat "$file"; }; } >"$work"
	fi
	replace "$file" "$work"
	;;
remove)
	[ $# -eq 2 ] || die "usage: htaccess.sh remove FILE"
	file=$2
	has_block "$file" || exit 0
	# The block, and the blank line install put after it.
	awk -v b="$begin" -v e="$end" '
		$0 == b { skip = 1; next }
		skip && $0 == e { skip = 0; after = 1; next }
		after && $0 == "" { after = 0; next }
		{ after = 0 }
		!skip' "$file" >"$work"
	if grep -q '[^[:space:]]' "$work"; then
		replace "$file" "$work"
	else
		rm -f "$file"
	fi
	;;
*) die "usage: htaccess.sh install BLOCK FILE | remove FILE" ;;
esac
