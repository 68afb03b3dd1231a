#!/bin/sh
# Variants and placeholders (POST /v1/thumbnails with "variants" and
# "placeholder"): one job, one fetch at the origin, one file per variant
# at its own size and format, listed in the order asked; the top level
# shows the first variant; a BlurHash and the dominant colour when asked;
# dedupe answers the same request with the same files; a batch makes every
# URL's variants; DELETE and purge remove every file of the job; bad variants are
# refused with 422 and a message naming the variant.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_need gm
tq_start_origin
free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_MAX_VARIANTS=4

# post BODY: POST /v1/thumbnails; sets JOB_ID.
post() {
	http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary "$1"
	JOB_ID=
	[ "$HTTP_CODE" != 201 ] || JOB_ID=$(jbody '.id // empty')
}

# measure URL: "FORMAT WxH" of a served thumbnail, by gm identify.
measure() {
	http GET "$API/${1#*://*/}"
	[ "$HTTP_CODE" = 200 ] || { echo "HTTP $HTTP_CODE"; return; }
	gm identify -format '%m %wx%h' "$tq_body" 2>&1 | head -n 1
}

# fetches PATH: how many GETs of PATH the origin logged, a second after the
# first (lighttpd writes its access log in batches, at least once a second),
# so that a second fetch is counted too.
fetches() {
	tq_logged "$tq_tmp/origin/access.log" "GET /$1 " >/dev/null
	sleep 1.2
	tq_logged "$tq_tmp/origin/access.log" "GET /$1 "
}

# ---- a three-variant job: 400 fill webp, 200 fit, 100 fit png
body=$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, quality: 80, placeholder: true,
	variants: [{width: 400, height: 300, mode: "fill", format: "webp"},
	           {width: 200, height: 200},
	           {width: 100, height: 100, format: "png"}]}')
post "$body"
is "$HTTP_CODE" 201 "POST with three variants: 201" || diag "$(last_response)"
v3=$JOB_ID
is "$(jbody '[.variants[].options | "\(.width)x\(.height) \(.mode) \(.format)"] | join(",")')" \
	"400x300 fill webp,200x200 fit auto,100x100 fit png" \
	"the queued job lists the variants' options in the order asked"
is "$(jbody '.variants[1].options.quality')" 80 "a variant inherits the top-level quality"
ok "wait for it" wait_jobs 60 "$v3"
is "$(job "$v3" .status)" completed "the three-variant job completes" ||
	diag "$(cat "$tq_tmp/job.$v3")"
is "$(fetches big.jpg)" 1 "one fetch of the source at the origin for three variants" ||
	diag "attempts $(job "$v3" .attempts); origin log: $(grep "big.jpg" "$tq_tmp/origin/access.log")"
is "$(job "$v3" '[.variants[] | "\(.width)x\(.height) \(.format)"] | join(",")')" \
	"400x300 webp,200x150 jpeg,100x75 png" "each variant's size and format, in the order asked"
i=0
for want in "WEBP 400x300" "JPEG 200x150" "PNG 100x75"; do
	url=$(job "$v3" ".variants[$i].resized_url")
	is "$(measure "$url")" "$want" "variant $i's file is served: $want"
	i=$((i + 1))
done
is "$(job "$v3" '[.variants[].resized_url] | unique | length')" 3 "three different files"
is "$(job "$v3" '.resized_url == .variants[0].resized_url and .width == .variants[0].width and .height == .variants[0].height')" \
	true "the top-level resized_url, width and height are the first variant's"
# 28 characters of base 83, the first (L) saying 4 x 3 components.
is "$(job "$v3" '.placeholder.blurhash | length == 28 and startswith("L") and
	test("^[0-9A-Za-z#$%*+,.:;=?@\\[\\]^_{|}~-]+$")')" true \
	"placeholder.blurhash: a 4x3-component BlurHash"
like "$(job "$v3" .placeholder.color)" '^#[0-9a-f]{6}$' "placeholder.color: #rrggbb"

# ---- the same request again: dedupe answers with the same files
post "$body"
is "$(jbody .status)" completed "the same variants again: answered at once (dedupe)"
is "$(jbody '[.variants[].resized_url] | join(" ")')" "$(job "$v3" '[.variants[].resized_url] | join(" ")')" \
	"with the same files"
is "$(jbody .placeholder.blurhash)" "$(job "$v3" .placeholder.blurhash)" "and the same placeholder"
dup=$JOB_ID
# One variant different: not the same request.
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, quality: 80, placeholder: true,
	variants: [{width: 400, height: 300, mode: "fill", format: "webp"},
	           {width: 200, height: 200}, {width: 100, height: 90, format: "png"}]}')"
is "$(jbody .status)" queued "a job whose last variant differs is not answered from it"
other=$JOB_ID
ok "it completes" wait_jobs 60 "$other"
is "$(job "$other" '.variants[2].width')x$(job "$other" '.variants[2].height')" 100x75 \
	"its own last variant"

# ---- a single-thumbnail job shows no variants and no placeholder
submit "$ORIGIN/photo.jpg"
single=$JOB_ID
ok "wait for a plain job" wait_jobs 60 "$single"
is "$(job "$single" 'has("variants") or has("placeholder")')" false \
	"a job without variants or placeholder shows neither"

# ---- DELETE removes every file of a job (once no other job uses them)
urls=$(job "$v3" '[.variants[].resized_url] | join(" ")')
http DELETE "$API/v1/thumbnails/$dup"
is "$HTTP_CODE" 204 "DELETE the dedupe copy: 204"
for u in $urls; do
	is "$(served "$u")" 200 "its files stay while the first job uses them: ${u##*/}"
done
http DELETE "$API/v1/thumbnails/$v3"
is "$HTTP_CODE" 204 "DELETE the three-variant job: 204"
for u in $urls; do
	is "$(unserved "$u")" 404 "its file is gone: ${u##*/}"
	not [ -f "$RUNDIR/docroot/${u#*://*/}" ]
done

# ---- a batch with variants: each URL's job has them all
http POST "$API/v1/batches" -H 'Content-Type: application/json' --data-binary \
	"$(jq -cn --arg a "$ORIGIN/photo.png" --arg b "$ORIGIN/alpha.png" '{urls: [$a, $b],
		variants: [{width: 60, height: 60}, {width: 30, height: 30, format: "webp"}]}')"
is "$HTTP_CODE" 201 "POST /v1/batches with variants: 201" || diag "$(last_response)"
b1=$(jbody '.jobs[0].id') b2=$(jbody '.jobs[1].id')
ok "the batch's jobs end" wait_jobs 60 "$b1" "$b2"
is "$(job "$b1" '[.variants[] | "\(.width)x\(.height) \(.format)"] | join(",")')" \
	"60x40 jpeg,30x20 webp" "batch job 1: both variants"
is "$(job "$b2" '[.variants[] | "\(.width)x\(.height) \(.format)"] | join(",")')" \
	"60x60 png,30x30 webp" "batch job 2: both variants (auto: PNG for transparency)"
is "$(measure "$(job "$b2" '.variants[1].resized_url')")" "WEBP 30x30" "batch job 2's second file is served"

# ---- expiry: thumbqctl purge (the sweep's own call, store_purge) removes
# every file of a variants job
bfiles=$(job "$b1" '[.variants[].resized_url] | join(" ")')
sleep 1.2
like "$("$top_builddir/tools/thumbqctl" -c "$RUNDIR/thumbq.conf" purge --older-than 1s)" \
	'^purged	[0-9]+ jobs	[0-9]+ files' "thumbqctl purge runs"
for u in $bfiles; do
	is "$(unserved "$u")" 404 "a purged variants job's file is gone: ${u##*/}"
done

# ---- refusals
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, variants: [{width: 10}, {width: 0}]}')"
expect_error 422 "a variant with width 0"
like "$(jbody .message)" '^variants\[1\]: width must be' "the message names the variant"
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, variants: [{}, {}, {}, {}, {}]}')"
expect_error 422 "five variants where max_variants is 4"
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, variants: []}')"
expect_error 422 "an empty variants list"
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, variants: [100]}')"
expect_error 422 "a variant that is not an object"
post "$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, placeholder: "yes"}')"
expect_error 422 "placeholder that is not a boolean"

done_testing
