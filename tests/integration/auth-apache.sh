#!/bin/sh
# auth.sh behind Apache instead of lighttpd: API keys reach thumbq.fcgi
# through mod_fcgid (CGIPassAuth in apache/thumbq.conf), with the same
# assertions.
THUMBQ_WEBSERVER=apache
export THUMBQ_WEBSERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/auth.sh"
