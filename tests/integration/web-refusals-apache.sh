#!/bin/sh
# web-refusals.sh behind Apache instead of lighttpd: the web server's own
# refusals under /v1/ as JSON (apache/thumbq.conf), WebP as image/webp.
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/web-refusals.sh"
