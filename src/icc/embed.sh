#!/bin/sh
# embed.sh: turns an ICC profile into a C header holding it as a byte array,
# so the binaries carry the profile and no run-time path can be missing or
# wrong.  Usage: embed.sh NAME FILE.icc > out.h
# Defines `static const unsigned char NAME[]`; sizeof NAME is its length.
set -eu
name=$1
file=$2
echo "/* Generated from $(basename "$file") by src/icc/embed.sh: do not edit. */"
echo "static const unsigned char $name[] = {"
od -An -v -tx1 "$file" | sed -e 's/^ *//' -e '/^$/d' -e 's/ *$//' \
    -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/	/'
echo "};"
