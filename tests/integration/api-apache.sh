#!/bin/sh
# api.sh behind Apache instead of lighttpd: the same assertions through
# curl -> apache2 (mod_fcgid, apache/thumbq.conf) -> thumbq.fcgi -> Redis.
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/api.sh"
