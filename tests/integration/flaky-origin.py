#!/usr/bin/env python3
"""flaky-origin.py: an image origin for the fault-injection tests.

Serves the files of one directory (tests/fixtures) on 127.0.0.1, like the
plain lighttpd origin of lib.sh, and can be made to misbehave:

  * while the file CONTROL/503 exists, every request is answered
    503 Service Unavailable (with Retry-After: 1), as an overloaded origin
    does; removing the file makes it serve again at once;
  * a query parameter delay=SECONDS (at most 60) holds the answer back that
    long, so a test can keep a job in flight for as long as it needs.

Usage: flaky-origin.py ROOT CONTROL-DIR PORT-FILE LOG-FILE

It binds an ephemeral port on 127.0.0.1 and writes the port number to
PORT-FILE once it is listening (written to a temporary name and renamed, so
a reader never sees half of it).  Each request is one line in LOG-FILE:
"STATUS PATH?QUERY"; and one line in LOG-FILE.spans when it is answered:
"START END PATH?QUERY", the times (seconds, monotonic clock) the request
arrived and was answered, from which a test reads how many requests were
in flight at once.  SIGTERM stops it.  Standard library only (Debian:
python3).
"""

import http.server
import os
import signal
import sys
import threading
import time
import urllib.parse

MAX_DELAY = 60.0

TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".html": "text/html",
}


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__.split("\n\n")[2] + "\n")
        return 2
    root, control, port_file, log_file = sys.argv[1:]
    root = os.path.realpath(root)
    log = open(log_file, "a", buffering=1)
    spans = open(log_file + ".spans", "a", buffering=1)
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "flaky-origin"

        def log_message(self, *args):
            pass

        def answer(self, status, ctype, body):
            with log_lock:
                log.write("%d %s\n" % (status, self.path))
                spans.write("%.6f %.6f %s\n" % (self.arrived, time.monotonic(), self.path))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if status == 503:
                self.send_header("Retry-After", "1")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            self.arrived = time.monotonic()
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            try:
                delay = min(float(q.get("delay", ["0"])[0]), MAX_DELAY)
            except ValueError:
                delay = 0.0
            if delay > 0:
                time.sleep(delay)
            if os.path.exists(os.path.join(control, "503")):
                self.answer(503, "text/plain", b"origin overloaded, try later\n")
                return
            name = urllib.parse.unquote(u.path).lstrip("/")
            # Files of root only: no directories, no way out of it.
            if not name or "/" in name or name.startswith("."):
                self.answer(404, "text/plain", b"not found\n")
                return
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    body = f.read()
            except OSError:
                self.answer(404, "text/html", b"<html><body>404 not found</body></html>\n")
                return
            ext = os.path.splitext(name)[1].lower()
            self.answer(200, TYPES.get(ext, "application/octet-stream"), body)

        do_HEAD = do_GET

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

        def handle_error(self, request, client_address):
            # A worker killed mid-download hangs up on us: that is the test
            # working, not an error of the origin.
            if isinstance(sys.exc_info()[1], ConnectionError):
                return
            super().handle_error(request, client_address)

    srv = Server(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
