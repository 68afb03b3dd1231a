#!/usr/bin/env python3
"""webhook-receiver.py: a webhook receiver for tests/integration/webhooks.sh.

Listens on 127.0.0.1 and records every POST as one JSON line in LOG-FILE:

  {"seq": 3, "n": 1, "path": "/hook/x", "answer": 200, "received": 1700000000.25,
   "content_type": "application/json", "user_agent": "...",
   "timestamp": "1700000000", "signature": "sha256=...",
   "valid": true, "body": "<the body as text>"}

"n" counts the POSTs to that path so far (1 for the first), "seq" all POSTs.
"valid" is the receiver's own check of X-Thumbq-Signature: it must equal
"sha256=" + hex HMAC-SHA256(SECRET, timestamp + "." + body), compared in
constant time, as a client of thumbq would check it.  A line is written when
the request has been read, before the answer, so a test sees a delivery that
is still being held (/sleep/).

What it answers depends on the path:
  /hook/NAME         200
  /fail/N/NAME       500 to the first N POSTs to this path, then 200
  /redirect/NAME     302 to /hook/NAME-target (which must never be asked)
  /sleep/S/NAME      200 after S seconds (at most 60)
  GET /ready         200, not recorded (to see that it runs)

Usage: webhook-receiver.py SECRET PORT-FILE LOG-FILE

Binds an ephemeral port and writes its number to PORT-FILE once it listens
(to a temporary name, then renamed).  SIGTERM stops it.  Standard library
only (Debian: python3).
"""

import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import threading
import time

MAX_BODY = 1024 * 1024
MAX_SLEEP = 60.0


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__.split("\n\n")[-2] + "\n")
        return 2
    secret, port_file, log_file = sys.argv[1:]
    key = secret.encode()
    log = open(log_file, "a", buffering=1)
    lock = threading.Lock()
    counts = {}
    seq = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "webhook-receiver"

        def log_message(self, *args):
            pass

        def answer(self, status, location=None):
            body = b"ok\n" if status == 200 else b"no\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.answer(200 if self.path == "/ready" else 404)

        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self.answer(413)
                return
            body = self.rfile.read(length)
            ts = self.headers.get("X-Thumbq-Timestamp", "")
            sig = self.headers.get("X-Thumbq-Signature", "")
            want = "sha256=" + hmac.new(key, ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
            parts = self.path.split("/")
            status, location, sleep = 200, None, 0.0
            with lock:
                seq[0] += 1
                n = counts[self.path] = counts.get(self.path, 0) + 1
                if parts[1:2] == ["fail"] and len(parts) > 3:
                    try:
                        status = 500 if n <= int(parts[2]) else 200
                    except ValueError:
                        status = 400
                elif parts[1:2] == ["redirect"] and len(parts) > 2:
                    status, location = 302, "/hook/" + parts[2] + "-target"
                elif parts[1:2] == ["sleep"] and len(parts) > 3:
                    try:
                        sleep = min(float(parts[2]), MAX_SLEEP)
                    except ValueError:
                        status = 400
                elif parts[1:2] != ["hook"]:
                    status = 404
                log.write(json.dumps({
                    "seq": seq[0], "n": n, "path": self.path, "answer": status,
                    "received": time.time(),
                    "content_type": self.headers.get("Content-Type", ""),
                    "user_agent": self.headers.get("User-Agent", ""),
                    "timestamp": ts, "signature": sig,
                    "valid": hmac.compare_digest(want, sig),
                    "body": body.decode("utf-8", "replace"),
                }) + "\n")
            if sleep > 0:
                time.sleep(sleep)
            self.answer(status, location)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            # A courier that gave up on a slow answer hangs up on us: that
            # is the test working.
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
