#!/bin/sh
# embed.sh: turns the Lua scripts into one C header of string constants, each
# script prefixed with lib.lua, so the scripts are reviewed as Lua and
# shipped inside the binaries.  Usage: embed.sh LIB.lua SCRIPT.lua... > out.h
set -eu
lib=$1
shift
echo "/* Generated from the files in src/lua/ by src/lua/embed.sh: do not edit. */"
for f in "$@"; do
	name=$(basename "$f" .lua | tr '-' '_')
	echo "static const char lua_$name[] ="
	cat "$lib" "$f" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/	"/' -e 's/$/\\n"/'
	echo "	;"
done
