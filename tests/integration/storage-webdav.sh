#!/bin/sh
# storage = webdav: thumbqd writes its thumbnails into a WebDAV collection
# of another web server, configured by the shipped snippet, never into its
# own docroot: a second lighttpd with mod_webdav (lighttpd/thumbq-webdav.conf)
# or, with TQ_DAV_SERVER=apache (storage-webdav-apache.sh), Apache with
# mod_dav (apache/thumbq-webdav.conf).
# Jobs complete and each resized_url, served by the WebDAV server's static
# side, decodes at the job's size; no temporary file is left in the
# collection; writing is for the worker network with credentials only,
# reading is public; DELETE and expiry remove the file there; a wrong
# password fails the job with storage_denied and a message that names no
# host or path; a storage that is down makes jobs retry, not fail.  A job
# with variants puts every file there, and its DELETE removes them all.
dav_server=${TQ_DAV_SERVER:-lighttpd}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

tq_setup
tq_need htpasswd find
modules=${THUMBQ_APACHE_MODULES:-/usr/lib/apache2/modules}
if [ "$dav_server" = apache ]; then
	command -v apache2 >/dev/null 2>&1 ||
		tq_skip "apache2 is not installed (Debian: apache2; tools/check installs what the tests need)"
	[ -r "$modules/mod_dav_fs.so" ] ||
		tq_skip "mod_dav_fs is not in $modules (Debian: apache2)"
else
	[ -r /usr/lib/lighttpd/mod_webdav.so ] ||
		tq_skip "lighttpd's mod_webdav is not installed (Debian: lighttpd-mod-webdav; tools/check installs what the tests need)"
fi
tq_start_origin

# ---- the storage, on its own loopback port.  The worker network is
# 127.0.0.1/32: 127.0.0.2 stands for the public.
free_port DAV_PORT
DAV_URL=http://127.0.0.1:$DAV_PORT
dav=$tq_tmp/dav
collection=$dav/docroot/thumbnails
mkdir -p "$dav/docroot" "$dav/apache" "$dav/lock"
secret=$tq_tmp/storage.password
( umask 077 && echo "dav-secret-$$" >"$secret" )
htpasswd -ciB "$dav/users" thumbq <"$secret" 2>/dev/null || bail "htpasswd failed"
if [ "$dav_server" = apache ]; then
	# Apache will not serve as root: as root, the service user writes.
	as_user="#"
	if [ "$(id -u)" -eq 0 ]; then
		as_user=
		chown -R thumbq "$dav/docroot" "$dav/users" "$dav/lock" ||
			bail "chown failed"
	fi
	cat >"$dav/apache.conf" <<-EOF
		ServerRoot $dav/apache
		DefaultRuntimeDir $dav/apache
		ServerName localhost
		Listen 127.0.0.1:$DAV_PORT
		PidFile $dav/dav.pid
		ErrorLog $dav/error.log
		LogFormat "%h %u \"%r\" %>s %b" common
		CustomLog $dav/access.log common
		${as_user}User thumbq
		${as_user}Group thumbq
		LoadModule mpm_event_module $modules/mod_mpm_event.so
		LoadModule authz_core_module $modules/mod_authz_core.so
		LoadModule authz_host_module $modules/mod_authz_host.so
		LoadModule authz_user_module $modules/mod_authz_user.so
		LoadModule authn_core_module $modules/mod_authn_core.so
		LoadModule authn_file_module $modules/mod_authn_file.so
		LoadModule auth_basic_module $modules/mod_auth_basic.so
		LoadModule dav_module $modules/mod_dav.so
		LoadModule dav_fs_module $modules/mod_dav_fs.so
		LoadModule mime_module $modules/mod_mime.so
		TypesConfig /dev/null
		AddType image/jpeg .jpg
		AddType image/png .png
		AddType image/webp .webp
		DavLockDB $dav/lock/DavLock
		<Directory />
			Require all denied
		</Directory>
		DocumentRoot $dav/docroot
		<Directory $dav/docroot>
			Require all granted
		</Directory>
		Define THUMBQ_DOCROOT $dav/docroot
		Define THUMBQ_WEBDAV_USERS $dav/users
		Define THUMBQ_WEBDAV_WORKERS 127.0.0.1/32
		Include $top_srcdir/apache/thumbq-webdav.conf
	EOF
	dav_cmd() { apache2 -f "$dav/apache.conf" -k start; }
else
	cat >"$dav/lighttpd.conf" <<-EOF
		server.modules = ( "mod_accesslog" )
		var.thumbq_docroot = "$dav/docroot"
		var.thumbq_webdav_users = "$dav/users"
		var.thumbq_webdav_workers = "127.0.0.1/32"
		include "$top_srcdir/lighttpd/thumbq-webdav.conf"
		server.bind = "127.0.0.1"
		server.port = $DAV_PORT
		server.pid-file = "$dav/dav.pid"
		server.errorlog = "$dav/error.log"
		accesslog.filename = "$dav/access.log"
		mimetype.assign = ( ".jpg" => "image/jpeg", ".png" => "image/png", ".webp" => "image/webp" )
	EOF
	dav_cmd() { lighttpd -f "$dav/lighttpd.conf"; }
fi
dav_start() {
	dav_cmd >&2 || bail "the WebDAV $dav_server failed to start: $(tail -n 5 "$dav/error.log" 2>/dev/null)"
	i=0
	until [ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "$DAV_URL/")" != 000 ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || bail "the WebDAV $dav_server does not answer at $DAV_URL"
		sleep 0.1
	done
}
dav_start
# tq_cleanup stops what lib.sh started; this server is ours.
trap 'tq_st=$?; tq_stop_pidfile "$dav/dav.pid"; (exit $tq_st); tq_cleanup' EXIT

# Started as root, thumbqd's children and thumbq.fcgi run as the service
# user, which reads the password file for each request.
if [ "$(id -u)" -eq 0 ]; then
	chown thumbq "$secret" || bail "chown thumbq $secret failed"
fi

free_port API_PORT
API=http://127.0.0.1:$API_PORT
RUNDIR=$tq_tmp/run
# tools/services runs thumbqd -t first, which probes the storage.
tq_start_thumbq "$RUNDIR" "$API_PORT" THUMBQ_FETCH_ALLOW_NETWORKS='127.0.0.0/8, ::1' \
	THUMBQ_STORAGE=webdav THUMBQ_STORAGE_URL="$DAV_URL/" THUMBQ_STORAGE_USER=thumbq \
	THUMBQ_STORAGE_PASSWORD_FILE="$secret" THUMBQ_BASE_URL="$DAV_URL" \
	THUMBQ_THUMBNAIL_TTL=25 THUMBQ_DEDUPE_TTL=0 THUMBQ_RETRY_DELAY_MS=300 \
	THUMBQ_MAX_ATTEMPTS=20
# thumbqd -t probes the storage: it passes against this one, leaving no
# probe object behind, and fails against a port where nothing listens.
free_port CLOSED_PORT
ok "thumbqd -t passes against the WebDAV storage" \
	"$top_builddir/worker/thumbqd" -t -c "$RUNDIR/thumbq.conf"
is "$(find "$collection" -maxdepth 1 -name 'thumbq-probe-*')" "" "and leaves no probe object behind"
out=$(THUMBQ_STORAGE_URL=http://127.0.0.1:$CLOSED_PORT "$top_builddir/worker/thumbqd" -t \
	-c "$RUNDIR/thumbq.conf" 2>&1) && fail "thumbqd -t fails when the storage does not answer" "$out" ||
	like "$out" "storage = webdav: [A-Z]+ http://127.0.0.1:$CLOSED_PORT/thumbnails/.*connect" \
		"thumbqd -t fails when the storage does not answer, and says where"

# ---- jobs complete; each thumbnail is served by the WebDAV server
images='photo.jpg:JPEG:100:67:jpg big.jpg:JPEG:100:75:jpg alpha.png:PNG:100:100:png
	photo.webp:JPEG:100:75:jpg lossless.webp:PNG:64:48:png'
ids=
for spec in $images; do
	name=${spec%%:*}
	submit "$ORIGIN/$name"
	ok "POST $name: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
	eval "id_$(echo "$name" | tr . _)=\$JOB_ID"
	ids="$ids $JOB_ID"
done
# shellcheck disable=SC2086 # one argument per id
ok "every job ends within 60 s" wait_jobs 60 $ids
for spec in $images; do
	IFS=: read -r name fmt w h ext <<-EOF
		$spec
	EOF
	eval "id=\$id_$(echo "$name" | tr . _)"
	is "$(job "$id" .status)/$(job "$id" .width)x$(job "$id" .height)" "completed/${w}x$h" \
		"$name: completed at ${w}x$h" || diag "$(cat "$tq_tmp/job.$id")"
	url=$(job "$id" .resized_url)
	like "$url" "^$DAV_URL/thumbnails/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f-]{36}\\.$ext\$" \
		"$name: resized_url is on the WebDAV server"
	# The public's side: fetched from another loopback address.
	got=$tq_tmp/thumb.$id
	http GET "$url" --interface 127.0.0.2
	cp "$tq_body" "$got"
	is "$HTTP_CODE" 200 "$name: the public GETs resized_url"
	is "$(gm identify -format '%m %wx%h\n' "$got" 2>&1)" "$fmt ${w}x$h" "$name: it decodes at ${w}x$h"
	ok "$name: the file is in the collection" [ -f "$dav/docroot/${url#"$DAV_URL"/}" ]
done
is "$(find "$RUNDIR/docroot" -mindepth 1 ! -path "$RUNDIR/docroot/thumbnails" | head -n 5)" "" \
	"thumbqd wrote nothing into its own docroot"
is "$(find "$dav/docroot" -name '*.tmp*' | head -n 5)" "" "no temporary file is left in the collection"
like "$(tq_logged "$dav/access.log" '"MOVE /thumbnails/' 5)" '^[5-9]' "each thumbnail was MOVEd into place"

# ---- writing: the worker network with credentials only; reading: public
# shellcheck disable=SC2154 # set through eval above
url=$(job "$id_photo_jpg" .resized_url)
http PUT "$DAV_URL/thumbnails/x.jpg" --data-binary x
is "$HTTP_CODE" 401 "PUT without credentials: 401"
http PUT "$DAV_URL/thumbnails/x.jpg" --data-binary x --interface 127.0.0.2 -u "thumbq:$(cat "$secret")"
is "$HTTP_CODE" 403 "PUT from outside the worker network, even with credentials: 403"
http PROPFIND "$DAV_URL/thumbnails/" --interface 127.0.0.2 -H 'Depth: 1'
is "$HTTP_CODE" 403 "the public cannot list the collection (PROPFIND): 403"
http DELETE "$url" --interface 127.0.0.2
is "$HTTP_CODE" 403 "nor DELETE a thumbnail: 403"

# ---- DELETE through the API removes the file from the collection
http DELETE "$API/v1/thumbnails/$id_photo_jpg"
is "$HTTP_CODE" 204 "DELETE /v1/thumbnails/{id}: 204"
ok "the thumbnail is gone from the collection" [ ! -e "$dav/docroot/${url#"$DAV_URL"/}" ]
http GET "$url"
is "$HTTP_CODE" 404 "and the WebDAV server answers 404 for it"

# ---- a job with variants: every file in the collection, every one gone
# with a DELETE
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary \
	"$(jq -cn --arg u "$ORIGIN/big.jpg" '{url: $u, variants: [{width: 200, height: 200},
		{width: 50, height: 50, format: "webp"}]}')"
vid=$(jbody '.id // empty')
ok "a job with two variants is accepted" [ -n "$vid" ] || diag "$(last_response)"
ok "it ends" wait_jobs 60 "$vid"
is "$(job "$vid" '[.variants[] | "\(.width)x\(.height) \(.format)"] | join(",")')" \
	"200x150 jpeg,50x38 webp" "both variants completed at their sizes"
vurls=$(job "$vid" '[.variants[].resized_url] | join(" ")')
for u in $vurls; do
	ok "variant file in the collection: ${u##*/}" [ -f "$dav/docroot/${u#"$DAV_URL"/}" ]
done
http DELETE "$API/v1/thumbnails/$vid"
is "$HTTP_CODE" 204 "DELETE the variants job: 204"
for u in $vurls; do
	ok "variant file gone from the collection: ${u##*/}" [ ! -e "$dav/docroot/${u#"$DAV_URL"/}" ]
done

# ---- a wrong password: the job fails for good, with a clear code.  The
# file is read for each request: no restart.
cp "$secret" "$tq_tmp/storage.password.good"
echo "not-the-password" >"$secret"
submit "$ORIGIN/gray.jpg"
denied=$JOB_ID
ok "a job with the wrong storage password ends" wait_jobs 30 "$denied"
is "$(job "$denied" .status)/$(job "$denied" .error.code)" failed/storage_denied \
	"it fails with error.code storage_denied" || diag "$(cat "$tq_tmp/job.$denied")"
msg=$(job "$denied" .error.message)
case $msg in
*127.0.0.1* | *http* | *"$tq_tmp"* | *thumbnails/* | *curl* | "") fail "the client's message names no host, URL or path" "$msg" ;;
*) pass "the client's message names no host, URL or path: $msg" ;;
esac
like "$(grep "job=$denied event=storage_failed" "$RUNDIR/thumbqd.log")" "HTTP 401" \
	"thumbqd's log has the details, with the job id"
is "$(job "$denied" .attempts)" 1 "a refused password is not retried"
cat "$tq_tmp/storage.password.good" >"$secret"

# ---- the storage is down: the job waits and retries, then completes
tq_stop_pidfile "$dav/dav.pid"
submit "$ORIGIN/exif-6.jpg"
down=$JOB_ID
i=0
while [ $i -lt 100 ]; do
	http GET "$API/v1/thumbnails/$down"
	[ "$(jbody .error.code)" = storage_failed ] && break
	sleep 0.1
	i=$((i + 1))
done
is "$(jbody .status)/$(jbody .error.code)" queued/storage_failed \
	"with the storage down, the job is queued again with error.code storage_failed" ||
	diag "$(last_response)"
dav_start
ok "once the storage is back, the job ends" wait_jobs 30 "$down"
is "$(job "$down" .status)" completed "and it completes"
http GET "$(job "$down" .resized_url)"
is "$HTTP_CODE" 200 "its thumbnail is served"

# ---- expiry: thumbnail_ttl later the sweep removes the file there (the
# storage was down for a moment above: the sweep waited for it, rather
# than forget jobs whose files it could not remove)
# shellcheck disable=SC2154 # set through eval above
url=$(job "$id_big_jpg" .resized_url)
i=0
while [ -e "$dav/docroot/${url#"$DAV_URL"/}" ] && [ $i -lt 400 ]; do
	sleep 0.1
	i=$((i + 1))
done
ok "the expiry sweep removed an expired thumbnail from the collection" \
	[ ! -e "$dav/docroot/${url#"$DAV_URL"/}" ]
http GET "$API/v1/thumbnails/$id_big_jpg"
is "$HTTP_CODE" 404 "and its job answers 404"
is "$(find "$dav/docroot" -name '*.tmp*' | head -n 5)" "" "still no temporary file in the collection"
is "$(find "$RUNDIR/docroot" -mindepth 1 ! -path "$RUNDIR/docroot/thumbnails" | head -n 5)" "" \
	"and still nothing in thumbqd's own docroot"
done_testing
