#!/bin/sh
# formats.sh behind Apache instead of lighttpd: AVIF and JPEG XL thumbnails
# served as image/avif and image/jxl by apache/thumbq.conf, and negotiate.
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/formats.sh"
