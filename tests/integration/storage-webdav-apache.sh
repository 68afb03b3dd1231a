#!/bin/sh
# storage-webdav.sh with Apache's mod_dav as the storage instead of
# lighttpd's mod_webdav: the same assertions against apache/thumbq-webdav.conf.
TQ_DAV_SERVER=apache
export TQ_DAV_SERVER
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/storage-webdav.sh"
