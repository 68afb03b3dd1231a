#!/bin/sh
# console.sh behind Apache instead of lighttpd: the console's pages served
# by apache/thumbq-console.conf (with its Content-Security-Policy), the API
# through mod_fcgid, and the same browser test.
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/console.sh"
