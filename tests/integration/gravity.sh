#!/bin/sh
# gravity through the API: fill jobs with gravity north, south, east, west,
# focus and smart on pictures made here (a detailed patch over a red bar on
# flat grey, near one edge), served by a loopback origin.  Each thumbnail
# has the box's size, and the red bar is in it where the gravity keeps that
# edge, and not where it keeps the other one or the centre; the job JSON
# shows the gravity; the same picture with another gravity is another
# thumbnail, not a dedupe of the first; variants inherit the body's
# gravity or name their own; a gravity with fit, or focus without its
# point, is a 422 naming the field.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
gen=$tq_tmp/gen
mkdir -p "$gen"
# picture NAME W H X0 Y0: a grey 60x60 checkerboard (the detail) over a
# 60x40 red bar, at X0,Y0 of a W x H grey picture.
picture() {
	gm convert -size "$2x$3" xc:gray50 -fill 'rgb(230,20,20)' \
		-draw "rectangle $4,$(($5 + 60)) $(($4 + 59)),$(($5 + 99))" "$gen/bg.png" &&
		gm composite -geometry "+$4+$5" "$gen/checker.png" "$gen/bg.png" "$gen/$1"
}
gm convert -size 60x60 pattern:checkerboard "$gen/checker.png" ||
	bail "gm cannot make the checkerboard"
picture left.png 600 200 20 50 || bail "gm cannot make left.png"
picture right.png 600 200 520 50 || bail "gm cannot make right.png"
picture top.png 200 600 70 20 || bail "gm cannot make top.png"
# tq_start_origin waits until the origin serves this.
echo "<p>not an image</p>" >"$gen/not-an-image.html"
tq_start_origin "$gen"
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1'
post() { http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$1"; }

# reds FILE: how many pixels of FILE are the bar's red (a JPEG: near it).
reds() {
	gm convert "$1" -depth 8 txt:- 2>/dev/null | awk -F'[(),]' '
		NF > 4 && $3 + 0 > 170 && $4 + 0 < 90 && $5 + 0 < 90 { n++ }
		END { print n + 0 }'
}

# crop NAME PICTURE GRAVITY-FIELDS WANT: a 100x100 fill of PICTURE with the
# gravity fields; WANT is "red" when the bar must be in the thumbnail (it
# is 30x20 there: 60x40 at half the size), "none" when it must not.
crop() {
	post "{\"url\": \"$ORIGIN/$2\", \"mode\": \"fill\", \"width\": 100, \"height\": 100$3}"
	id=$(jbody '.id // empty')
	if [ "$HTTP_CODE" != 201 ] || [ -z "$id" ]; then
		fail "$1: POST 201" "$(last_response)"
		return
	fi
	if ! wait_jobs 60 "$id" || [ "$(job "$id" .status)" != completed ]; then
		fail "$1: completed" "$(cat "$tq_tmp/job.$id")"
		return
	fi
	url=$(job "$id" .resized_url)
	http GET "$API/${url#*://*/}"
	cp "$tq_body" "$gen/$id.jpg"
	is "$(gm identify -format '%wx%h' "$gen/$id.jpg" 2>&1)" 100x100 "$1: 100x100"
	n=$(reds "$gen/$id.jpg")
	if [ "$4" = red ]; then
		ok "$1: the red bar is in the thumbnail ($n red pixels)" [ "$n" -ge 150 ]
	else
		ok "$1: the red bar is not in the thumbnail ($n red pixels)" [ "$n" -le 10 ]
	fi
	LAST=$id
}

crop "left.png, center" left.png '' none
is "$(job "$LAST" '.options.gravity // "none"')" none \
	"a job with gravity center shows none (older jobs' JSON as it was)"
crop "left.png, west" left.png ', "gravity": "west"' red
crop "left.png, east" left.png ', "gravity": "east"' none
crop "left.png, smart" left.png ', "gravity": "smart"' red
is "$(job "$LAST" .options.gravity)" smart "the job JSON's options show gravity smart"
crop "left.png, focus 0.08, 0.5" left.png ', "gravity": "focus", "focus_x": 0.08, "focus_y": 0.5' red
is "$(job "$LAST" '.options | "\(.gravity) \(.focus_x) \(.focus_y)"')" "focus 0.08 0.5" \
	"the job JSON's options show focus and its point"
crop "right.png, center" right.png '' none
crop "right.png, east" right.png ', "gravity": "east"' red
crop "right.png, southeast" right.png ', "gravity": "southeast"' red
crop "right.png, smart" right.png ', "gravity": "smart"' red
crop "top.png, center" top.png '' none
crop "top.png, north" top.png ', "gravity": "north"' red
crop "top.png, south" top.png ', "gravity": "south"' none
crop "top.png, smart" top.png ', "gravity": "smart"' red
crop "top.png, focus 0.5, 0" top.png ', "gravity": "focus", "focus_x": 0.5, "focus_y": 0' red
# The center jobs ran before the others on the same pictures: had the
# others been answered from them (dedupe), their red counts would be 0.

# Variants: one job, the body's smart inherited by the first, west and
# east of their own, and a fit variant that drops the inherited gravity.
post "{\"url\": \"$ORIGIN/left.png?variants\", \"mode\": \"fill\", \"width\": 100, \"height\": 100, \"gravity\": \"smart\",
	\"variants\": [{}, {\"gravity\": \"west\"}, {\"gravity\": \"east\"}, {\"mode\": \"fit\", \"width\": 60}]}"
vid=$(jbody '.id // empty')
if [ "$HTTP_CODE" = 201 ] && [ -n "$vid" ] && wait_jobs 60 "$vid" &&
	[ "$(job "$vid" .status)" = completed ]; then
	is "$(job "$vid" '[.variants[] | .options.gravity // "center"] | join(" ")')" \
		"smart west east center" "variants: gravity inherited, replaced, dropped by fit"
	i=0
	for want in red red none; do
		url=$(job "$vid" ".variants[$i].resized_url")
		http GET "$API/${url#*://*/}"
		cp "$tq_body" "$gen/v$i.jpg"
		n=$(reds "$gen/v$i.jpg")
		if [ $want = red ]; then
			ok "variant $i: the red bar is in it ($n red pixels)" [ "$n" -ge 150 ]
		else
			ok "variant $i: the red bar is not in it ($n red pixels)" [ "$n" -le 10 ]
		fi
		i=$((i + 1))
	done
	is "$(job "$vid" '.variants[3] | "\(.width)x\(.height)"')" 60x20 "variant 3: a plain fit, 60x20"
else
	fail "a job with gravity in its variants completes" "$(last_response)"
fi

post "{\"url\": \"$ORIGIN/left.png\", \"gravity\": \"north\"}"
expect_error 422 "gravity north with mode fit"
like "$(jbody .message)" '^gravity' "the 422 names gravity"
post "{\"url\": \"$ORIGIN/left.png\", \"mode\": \"fill\", \"gravity\": \"focus\", \"focus_x\": 0.5}"
expect_error 422 "gravity focus without focus_y"
post "{\"url\": \"$ORIGIN/left.png\", \"mode\": \"fill\", \"gravity\": \"focus\", \"focus_x\": 2, \"focus_y\": 0}"
expect_error 422 "focus_x past 1"
like "$(jbody .message)" '^focus_x' "the 422 names focus_x"

done_testing
