#!/bin/sh
# shared-hosting.sh: thumbq run the way a customer of a shared host runs it,
# without root, following README's "Shared hosting".
#
# A user of its own (made here, removed at the end) builds thumbq from the
# distribution's files and installs it into its home: ./configure
# --prefix=$HOME/thumbq --with-docroot=$HOME/public_html --with-cgidir=...
# --with-htaccess=cgi && make install, which must write nothing outside the
# home.  It runs its own redis-server on a unix socket in its home, reached
# with an ACL user and a password file, and thumbqd by the lines of the
# shipped crontab.  Apache, started here as a host runs it (a config of its
# own, AllowOverride so that the .htaccess counts, CGI programs running as
# the customer, as suEXEC runs them), serves public_html: through mod_cgi,
# real images go through the whole flow and every error row is JSON; then
# through mod_fcgid.  Then lighttpd's mod_cgi, run by the customer.
# thumbqctl check tells what is missing along the way.
#
# Needs root (to make the user) and Apache with mod_cgi, mod_fcgid and
# mod_rewrite: without them the test is skipped, saying why.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" -eq 0 ] || skip_all "not root: this test makes a user of its own"
command -v apache2 >/dev/null 2>&1 || skip_all "apache2 is not installed (Debian: apache2)"
mods=${THUMBQ_APACHE_MODULES:-/usr/lib/apache2/modules}
for m in mpm_prefork authz_core mime rewrite env cgi fcgid; do
	[ -r "$mods/mod_$m.so" ] ||
		skip_all "Apache has no mod_$m in $mods (Debian: apache2, libapache2-mod-fcgid)"
done
for t in useradd userdel runuser setpriv pgrep; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed"
done

tq_setup
tq_start_origin
fixtures=$top_srcdir/tests/fixtures

# A name of this run's own: tests of several checkouts may run at once.
u=tqcust$$
home=$tq_tmp/home/$u
share=$home/thumbq/share/thumbq/shared-hosting
sock=$home/thumbq/var/run/redis.sock
web=$tq_tmp/web
mkdir -p "$tq_tmp/home" "$web" || bail "mkdir failed"
chmod 711 "$tq_tmp" "$tq_tmp/home" || bail "chmod failed"

# as_user COMMAND: sh -c COMMAND as the customer in a fresh login: in the
# home directory, a clean environment, and umask 077, the strictest a host
# sets (what the web server must read is made readable on purpose).
as_user() {
	runuser -u "$u" -- env -i HOME="$home" USER="$u" LOGNAME="$u" SHELL=/bin/sh \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 sh -c "umask 077 && cd && $1"
}

# stop_pid FILE: stops the process FILE names (by its id) and waits.
stop_pid() {
	[ -s "$1" ] && tq_stop_pidfile "$1"
	return 0
}

sh_cleanup() {
	sh_status=$?
	if [ "$sh_status" -ne 0 ] || [ "$tq_failed" -gt 0 ]; then
		for f in "$web"/*.log "$home"/src/configure.log "$home"/src/make.log \
			"$home"/src/install.log "$home"/thumbq/var/*.log "$home"/*.log; do
			[ -s "$f" ] || continue
			diag "--- last lines of $f:"
			tail -n 25 "$f" | sed 's/^/# /'
		done
	fi
	stop_pid "$web/apache.pid"
	stop_pid "$home/lighttpd.pid"
	stop_pid "$home/thumbq/var/run/thumbqd.pid"
	stop_pid "$home/thumbq/var/run/redis.pid"
	# Whatever else still runs as the user (a FastCGI process Apache left
	# behind), by its id, so that the user can go.
	for p in $(pgrep -u "$u" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	if id "$u" >/dev/null 2>&1; then
		sleep 0.2
		userdel "$u" >/dev/null 2>&1 || diag "userdel $u failed"
	fi
	(exit "$sh_status")
	tq_cleanup
}
trap sh_cleanup EXIT

# ------------------------------------------------------------------ install

useradd --home-dir "$home" --create-home --shell /bin/sh --user-group "$u" >&2 ||
	bail "useradd $u failed"
# The strictest usual home: thumbqctl check will say what the web server needs.
chmod 700 "$home"

# The files of a release tarball (make distdir), as the customer unpacks it.
(
	unset MAKEFLAGS MFLAGS MAKELEVEL
	make -s -C "$top_builddir" distdir distdir="$home/src" >"$web/distdir.log" 2>&1
) || bail "make distdir failed (see $web/distdir.log)"
chown -R "$u:" "$home/src" || bail "chown failed"

# -O1: the code under test is the same, and the build takes less time.
ok "as the user: ./configure --prefix=\$HOME/thumbq --with-docroot=\$HOME/public_html --with-cgidir=... --with-htaccess=cgi" \
	as_user 'cd src && ./configure --prefix="$HOME/thumbq" --with-docroot="$HOME/public_html" --with-cgidir="$HOME/public_html/cgi-bin" --with-htaccess=cgi CFLAGS=-O1 >configure.log 2>&1' ||
	bail "configure failed"
ok "as the user: make" as_user 'cd src && make -j2 >make.log 2>&1' || bail "make failed"
touch "$web/stamp"
ok "as the user: make install" as_user 'cd src && make install >install.log 2>&1' ||
	bail "make install failed"

# What make install wrote: in the prefix, and the directories given to
# configure; nothing else anywhere the user may write.
stray=$(
	# -newer: a file another user of the same uid left long ago is not ours.
	find /tmp /var/tmp /dev/shm -xdev -path "$home" -prune -o -user "$u" \
		-newer "$web/stamp" -print 2>/dev/null
	find "$home" -mindepth 1 \( -path "$home/thumbq" -o -path "$home/public_html" -o -path "$home/src" \) \
		-prune -o -newer "$web/stamp" -print
)
is "$stray" "" "make install wrote nothing outside the prefix and the given directories"
for f in thumbq/sbin/thumbqd thumbq/bin/thumbqctl thumbq/libexec/thumbq.fcgi thumbq/etc/thumbq.conf \
	public_html/cgi-bin/thumbq.fcgi public_html/.htaccess \
	thumbq/share/thumbq/shared-hosting/thumbqd.service thumbq/share/thumbq/shared-hosting/crontab \
	thumbq/share/thumbq/shared-hosting/htaccess-fcgid thumbq/share/thumbq/shared-hosting/htaccess.sh \
	thumbq/share/man/man1/thumbqctl.1; do
	ok "installed: $f" [ -f "$home/$f" ]
done
is "$(stat -c %a "$home/public_html/thumbnails") $(stat -c %a "$home/public_html/.htaccess")" "755 644" \
	"thumbnails/ and .htaccess are for the web server to read, whatever the umask"
is "$(sed -n 's/^docroot = "\(.*\)"$/\1/p' "$home/thumbq/etc/thumbq.conf")" "$home/public_html" \
	"the installed thumbq.conf has the docroot in public_html"
like "$(cat "$home/public_html/.htaccess")" 'RewriteRule \^v1/ /cgi-bin/thumbq\.fcgi \[END\]' \
	"the .htaccess routes /v1/ to the copy in cgi-bin"

# ------------------------------------------------------------------ Redis and thumbqd

# A private Redis on a unix socket in the home, with an ACL user limited to
# thumbq's prefix, and its password in a file only the user may read.  The
# default user keeps a password of its own rather than being turned off:
# Redis 7.0 replays the AOF as the default user and, with that user off,
# drops every MULTI/EXEC (script effects) in it (redis/redis#14541), which
# is every job.  The job that survives Redis's restart below checks that.
as_user 'mkdir -p thumbq/var/run &&
	od -An -N24 -tx1 /dev/urandom | tr -d " \n" >thumbq/etc/redis.pass &&
	od -An -N24 -tx1 /dev/urandom | tr -d " \n" >thumbq/etc/redis-admin.pass &&
	cat >thumbq/etc/redis.conf <<EOF
port 0
unixsocket $HOME/thumbq/var/run/redis.sock
unixsocketperm 700
daemonize yes
pidfile $HOME/thumbq/var/run/redis.pid
logfile $HOME/thumbq/var/redis.log
dir $HOME/thumbq/var
appendonly yes
save ""
requirepass $(cat thumbq/etc/redis-admin.pass)
user thumbq on >$(cat thumbq/etc/redis.pass) ~thumbq:* &* +@all
EOF' || bail "cannot write the user's redis.conf"
redis_up() {
	[ "$(runuser -u "$u" -- redis-cli -s "$sock" --user thumbq --pass "$(cat "$home/thumbq/etc/redis.pass")" \
		--no-auth-warning ping 2>/dev/null)" = PONG ]
}
wait_for() {
	tq_i=0
	until "$@"; do
		tq_i=$((tq_i + 1))
		[ $tq_i -lt 100 ] || return 1
		sleep 0.1
	done
}
start_redis() {
	as_user 'redis-server thumbq/etc/redis.conf' >&2 && wait_for redis_up
}
ok "the user's redis-server starts and answers its ACL user" start_redis || bail "redis did not start"
is "$(runuser -u "$u" -- redis-cli -s "$sock" ping 2>&1)" "NOAUTH Authentication required." \
	"that Redis refuses a client without the password"

as_user 'cat >>thumbq/etc/thumbq.conf <<EOF

# Shared hosting (README): the private Redis, the worker started from cron.
redis = "unix:$HOME/thumbq/var/run/redis.sock"
redis_user = thumbq
redis_password_file = $HOME/thumbq/etc/redis.pass
pidfile = $HOME/thumbq/var/run/thumbqd.pid
workers = 1
downloads = 4
# The test origin is on loopback, which the default policy refuses.
fetch_allow_networks = 127.0.0.0/8
EOF'

# The password file: refused, with the fix, while others may read it.
as_user 'chmod 644 thumbq/etc/redis.pass'
out=$(as_user 'thumbq/sbin/thumbqd -t 2>&1')
like "$out" "redis_password_file: $home/thumbq/etc/redis.pass is readable by others \(mode 0644\): chmod 600" \
	"thumbqd -t refuses a password file others may read, and says how to fix it"
as_user 'chmod 600 thumbq/etc/redis.pass'
ok "thumbqd -t accepts the configuration" as_user 'thumbq/sbin/thumbqd -t >&2'
out=$(as_user 'THUMBQ_USER=root thumbq/sbin/thumbqd -t 2>&1')
like "$out" "user = \"root\": only root can switch to another user, and thumbqd runs as $u" \
	"a user's thumbqd refuses a user key naming someone else"

# thumbqd by the crontab's @reboot line, as cron would run it.
reboot=$(sed -n 's/^@reboot //p' "$share/crontab")
watchdog=$(sed -n 's/^\*\/5 \* \* \* \* //p' "$share/crontab")
ok "the crontab has an @reboot line and a watchdog line" [ -n "$reboot" ] && [ -n "$watchdog" ]
ok "thumbqd starts by the @reboot line" as_user "$reboot"
thumbqd_pid() {
	p=$(cat "$home/thumbq/var/run/thumbqd.pid" 2>/dev/null) && [ -n "$p" ] &&
		[ "$(stat -c %U "/proc/$p" 2>/dev/null)" = "$u" ] && echo "$p"
}
ok "thumbqd runs as the user, with its pid file" wait_for thumbqd_pid

# ------------------------------------------------------------------ Apache

free_port APORT
API=http://127.0.0.1:$APORT
cat >"$web/apache.conf" <<EOF
# A host's Apache: the customer's public_html as the site, .htaccess
# honoured, CGI programs run as the customer (suEXEC's effect).
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule authz_core_module  $mods/mod_authz_core.so
LoadModule mime_module        $mods/mod_mime.so
LoadModule rewrite_module     $mods/mod_rewrite.so
LoadModule env_module         $mods/mod_env.so
LoadModule cgi_module         $mods/mod_cgi.so
LoadModule fcgid_module       $mods/mod_fcgid.so
ServerRoot        $web
DefaultRuntimeDir $web
ServerName        127.0.0.1
Listen            127.0.0.1:$APORT
PidFile           $web/apache.pid
ErrorLog          $web/apache.log
LogLevel          warn
TypesConfig       /etc/mime.types
User              $u
Group             $u
StartServers      2
MinSpareServers   1
MaxSpareServers   4
MaxRequestWorkers 8
FcgidIPCDir           $web/fcgid
FcgidProcessTableFile $web/fcgid.shm
<Directory />
	Options None
	AllowOverride None
	Require all denied
</Directory>
DocumentRoot $home/public_html
<Directory $home/public_html>
	Options SymLinksIfOwnerMatch
	AllowOverride FileInfo AuthConfig Options=ExecCGI
	Require all granted
</Directory>
EOF
api_answers() {
	[ "$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 3 \
		"$1/v1/thumbnails/00000000-0000-4000-8000-000000000000")" = 404 ]
}
ok "Apache starts" apache2 -f "$web/apache.conf" -k start || bail "apache2 failed to start"
ok "the API answers through Apache and the .htaccess (mod_cgi)" wait_for api_answers "$API" ||
	bail "no answer from $API"

# ------------------------------------------------------------------ check

health_ok() {
	http GET "$API/v1/health"
	[ "$HTTP_CODE" = 200 ]
}
ok "GET /v1/health: 200 once the worker reports" wait_for health_ok || diag "$(last_response)"
out=$(as_user 'thumbq/bin/thumbqctl check 2>&1')
rc=$?
is "$rc" 1 "thumbqctl check: something is missing (exit 1)"
like "$out" "^ok	redis	" "thumbqctl check: redis ok (with the password)"
like "$out" "^ok	worker	thumbqd reports: 1 host" "thumbqctl check: the worker reports"
like "$out" "^ok	docroot	thumbqd \(running as $u\) can write" "thumbqctl check: the docroot is writable"
like "$out" "^missing	web	.*$home stops it" "thumbqctl check: the web server cannot get through the home (mode 700)"
as_user 'chmod 711 "$HOME"'
out=$(as_user 'thumbq/bin/thumbqctl check 2>&1')
rc=$?
is "$rc" 0 "thumbqctl check after chmod 711 ~: nothing missing" || diag "$out"

# ------------------------------------------------------------------ images

# images_flow LABEL API SPEC...: each SPEC is fixture:format:width:height:ext
# of the thumbnail, as in e2e.sh.  Submits each fixture from the origin
# through API (which stays $API), waits for every job, and downloads each
# thumbnail through the web server.
images_flow() {
	tq_label=$1 API=$2
	shift 2
	tq_ids= i=0
	for spec; do
		i=$((i + 1))
		submit "$ORIGIN/${spec%%:*}"
		ok "$tq_label: POST ${spec%%:*}: 201" [ -n "$JOB_ID" ] || diag "$(last_response)"
		eval "tq_id_$i=\$JOB_ID"
		tq_ids="$tq_ids $JOB_ID"
	done
	# shellcheck disable=SC2086 # one argument per id
	ok "$tq_label: every job ends within 60 s" wait_jobs 60 $tq_ids
	i=0
	for spec; do
		i=$((i + 1))
		eval "id=\$tq_id_$i"
		IFS=: read -r name fmt w h ext <<-EOF
			$spec
		EOF
		is "$(job "$id" .status)" completed "$tq_label: $name completed" ||
			diag "job: $(cat "$tq_tmp/job.$id" 2>/dev/null)"
		url=$(job "$id" .resized_url)
		like "$url" "^$API/thumbnails/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f-]{36}\\.$ext\$" \
			"$tq_label: $name resized_url"
		rel=${url#"$API"/}
		http GET "$API/$rel"
		cp "$tq_body" "$tq_tmp/thumb"
		is "$HTTP_CODE" 200 "$tq_label: $name thumbnail served"
		is "$(gm identify -format '%m %wx%h\n' "$tq_tmp/thumb" 2>&1)" "$fmt ${w}x$h" \
			"$tq_label: $name thumbnail is $fmt ${w}x$h"
		ok "$tq_label: $name download is the file in public_html" cmp "$tq_tmp/thumb" "$home/public_html/$rel"
		last_thumb=$home/public_html/$rel
	done
}

images_flow "mod_cgi" "$API" photo.jpg:JPEG:100:67:jpg alpha.png:PNG:100:100:png \
	anim.gif:JPEG:100:75:jpg photo.webp:JPEG:100:75:jpg
is "$(pgrep -u "$u" -x thumbq.fcgi)" "" "mod_cgi: no thumbq.fcgi stays between requests"

# What thumbqctl check said holds for a real other user.
as_other() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
ok "another user can read a thumbnail (home 711)" as_other test -r "$last_thumb"
as_user 'chmod 700 "$HOME"'
ok "another user cannot, with the home at 700" not as_other test -r "$last_thumb"
out=$(as_user 'thumbq/bin/thumbqctl check --web-user nobody 2>&1')
like "$out" "^missing	web	the web server \(as nobody\) cannot read" "thumbqctl check --web-user nobody says so too"
as_user 'chmod 711 "$HOME"'

# ------------------------------------------------------------------ errors (mod_cgi)

# error_rows LABEL API: each error of the API, as JSON.
error_rows() {
	tq_label=$1 tq_api=$2
	http GET "$tq_api/v1/thumbnails/00000000-0000-4000-8000-000000000000"
	expect_error 404 "$tq_label: unknown job"
	is "$(jbody .code)" not_found "$tq_label: unknown job: code not_found"
	http GET "$tq_api/v1/nothing-here"
	expect_error 404 "$tq_label: unknown path"
	http PUT "$tq_api/v1/thumbnails" -H 'Content-Type: application/json' --data-binary '{}'
	expect_error 405 "$tq_label: PUT"
	is "$(header Allow)" "POST, GET" "$tq_label: 405 with Allow"
	head -c 20000 /dev/zero | tr '\0' ' ' >"$tq_tmp/big"
	http POST "$tq_api/v1/thumbnails" -H 'Content-Type: application/json' --data-binary @"$tq_tmp/big"
	expect_error 413 "$tq_label: body over max_body_bytes"
	http POST "$tq_api/v1/thumbnails" -H 'Content-Type: text/plain' --data-binary '{"url": "http://x/"}'
	expect_error 415 "$tq_label: not application/json"
	http POST "$tq_api/v1/thumbnails" -H 'Content-Type: application/json' --data-binary '{"uri": "x"}'
	expect_error 422 "$tq_label: no url"
	http POST "$tq_api/v1/thumbnails" -H 'Content-Type: application/json' --data-binary '{"url": '
	expect_error 400 "$tq_label: malformed JSON"
	# The Authorization header reaches the program (Apache passes it only
	# with CGIPassAuth): a key it does not know is named as such.
	http GET "$tq_api/v1/admin/now" -H 'Authorization: Bearer tq_not_a_key'
	expect_error 401 "$tq_label: an unknown API key"
	is "$(jbody .message)" "unknown or revoked API key" \
	    "$tq_label: the key reached thumbq.fcgi"
}
error_rows "mod_cgi" "$API"

# A chunked body: mod_cgi passes it without CONTENT_LENGTH.
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary "{\"url\": \"$ORIGIN/photo.jpg\"}"
expect_status 201 "mod_cgi: a chunked body"
job_id=$(jbody .id)
http GET "$API/thumbnails/"
is "$HTTP_CODE" 404 "mod_cgi: no listing of thumbnails/"

# Redis down: 503 with Retry-After, as JSON; back once it is.
stop_pid "$home/thumbq/var/run/redis.pid"
http GET "$API/v1/thumbnails/$job_id"
expect_error 503 "mod_cgi: Redis down"
is "$(header Retry-After)" 1 "mod_cgi: 503 with Retry-After"
out=$(as_user 'thumbq/bin/thumbqctl check 2>&1')
like "$out" "^missing	redis	" "thumbqctl check: Redis down is missing"
ok "the user's redis-server starts again" start_redis
http GET "$API/v1/thumbnails/$job_id"
expect_status 200 "mod_cgi: the job again once Redis is back"


# The configuration from SetEnv THUMBQ_CONF in .htaccess; and one that does
# not load: a JSON 500, the cause in Apache's error log.
as_user 'sed "/^base_url = /s|.*|base_url = \"http://setenv.example\"|" thumbq/etc/thumbq.conf >thumbq/etc/other.conf &&
	cp -p public_html/.htaccess public_html/.htaccess.orig &&
	echo "SetEnv THUMBQ_CONF $HOME/thumbq/etc/other.conf" >>public_html/.htaccess'
http GET "$API/v1/thumbnails/$job_id"
like "$(jbody .resized_url)" '^http://setenv\.example/thumbnails/' "mod_cgi: SetEnv THUMBQ_CONF in .htaccess chooses the config"
as_user 'echo "SetEnv THUMBQ_CONF $HOME/thumbq/etc/missing.conf" >>public_html/.htaccess'
http GET "$API/v1/thumbnails/$job_id"
expect_error 500 "mod_cgi: a config that does not load"
is "$(jbody .code)" internal_error "mod_cgi: 500 with code internal_error"
like "$(cat "$web/apache.log")" "config_failed error=.*cannot open config $home/thumbq/etc/missing.conf" \
	"mod_cgi: the cause is in the error log"
as_user 'mv public_html/.htaccess.orig public_html/.htaccess'

# ------------------------------------------------------------------ mod_fcgid

ok "the mod_fcgid block replaces the mod_cgi one (htaccess.sh)" \
	as_user "sh $share/htaccess.sh install $share/htaccess-fcgid public_html/.htaccess"
is "$(grep -c 'BEGIN thumbq' "$home/public_html/.htaccess") $(grep -c fcgid-script "$home/public_html/.htaccess")" \
	"1 1" "one block, for mod_fcgid"
# mod_fcgid passes SetEnv to no process: a thumbq.conf beside the program,
# here with a smaller max_body_bytes, which the 413's message shows.
as_user 'cp thumbq/etc/thumbq.conf public_html/cgi-bin/thumbq.conf &&
	echo "max_body_bytes = 1000" >>public_html/cgi-bin/thumbq.conf'
head -c 2000 /dev/zero | tr '\0' ' ' >"$tq_tmp/mid"
http POST "$API/v1/thumbnails" -H 'Content-Type: application/json' --data-binary @"$tq_tmp/mid"
expect_error 413 "mod_fcgid: 2000 bytes"
like "$(jbody .message)" 'larger than 1000 bytes' "mod_fcgid: the thumbq.conf beside the program is read"
http GET "$API/cgi-bin/thumbq.conf"
is "$HTTP_CODE" 403 "mod_fcgid: that thumbq.conf is not served"
images_flow "mod_fcgid" "$API" photo.png:JPEG:100:67:jpg alpha.webp:PNG:100:80:png
ok "mod_fcgid: thumbq.fcgi stays running between requests" pgrep -u "$u" -x thumbq.fcgi
http GET "$API/v1/thumbnails/00000000-0000-4000-8000-000000000000"
expect_error 404 "mod_fcgid: unknown job"
stop_pid "$web/apache.pid"
as_user 'rm public_html/cgi-bin/thumbq.conf'

# ------------------------------------------------------------------ cron's watchdog

pid1=$(thumbqd_pid)
kill "$pid1"
gone() { ! kill -0 "$pid1" 2>/dev/null; }
ok "thumbqd stops on SIGTERM" wait_for gone
ok "the crontab's watchdog line starts thumbqd again" as_user "$watchdog"
ok "thumbqd runs again" wait_for thumbqd_pid
pid2=$(thumbqd_pid)
ok "the watchdog line leaves a running thumbqd alone" as_user "$watchdog"
sleep 0.5
is "$(thumbqd_pid)" "$pid2" "the same thumbqd runs"

# ------------------------------------------------------------------ lighttpd mod_cgi

free_port LPORT
LAPI=http://127.0.0.1:$LPORT
cat >"$home/lighttpd.conf" <<EOF
# lighttpd with plain CGI: /v1/ to the program in cgi-bin, the rest static.
server.modules        = ( "mod_rewrite", "mod_cgi" )
server.document-root  = "$home/public_html"
server.bind           = "127.0.0.1"
server.port           = $LPORT
server.pid-file       = "$home/lighttpd.pid"
server.errorlog       = "$home/lighttpd.log"
server.max-request-size = 1024
mimetype.assign       = ( ".jpg" => "image/jpeg", ".png" => "image/png" )
url.rewrite-once      = ( "^/v1/" => "/cgi-bin/thumbq.fcgi" )
\$HTTP["url"] =~ "^/cgi-bin/" { cgi.assign = ( ".fcgi" => "" ) }
EOF
chown "$u:" "$home/lighttpd.conf"
ok "lighttpd (mod_cgi) starts as the user" as_user '/usr/sbin/lighttpd -f lighttpd.conf' || bail "lighttpd failed"
ok "the API answers through lighttpd's mod_cgi" wait_for api_answers "$LAPI"
# A fixture not sent before, so that this one is thumbnailed here.
images_flow "lighttpd mod_cgi" "$LAPI" progressive.jpg:JPEG:100:67:jpg
error_rows "lighttpd mod_cgi" "$LAPI"

done_testing
