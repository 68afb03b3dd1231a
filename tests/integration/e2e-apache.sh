#!/bin/sh
# e2e.sh behind Apache instead of lighttpd: the same images and assertions,
# the thumbnails served by apache2 from the docroot (apache/thumbq.conf).
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/e2e.sh"
