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
  /sleep1/S/NAME     the same for the first POST to this path, then 200 at once
  GET /ready         200, not recorded (to see that it runs)

With TARPITS (1 to 16), it also listens on that many more ports, each a
receiver that never answers: it reads each request and then holds the
connection, without a byte in reply, until the client hangs up.  Each
request read there is recorded like a POST, with "tarpit": its port and
what the tarpits held at that instant, this request included:
"held" connections in all, "held_port" on this port, and "held_first" and
"held_retry" of them first attempts and retries (by the callback.attempts
of the job JSON in their bodies: 0 for a first attempt).  Connections
whose client hung up are counted out before each request is counted in,
so the figures are exact: the courier's socket is closed before it opens
the next one.  Single-threaded (selectors), so no count races.

Usage: webhook-receiver.py SECRET PORT-FILE LOG-FILE [TARPITS]

Binds ephemeral ports and writes their numbers to PORT-FILE once it listens
(to a temporary name, then renamed): the receiver's on the first line, the
tarpits' on the lines after it.  SIGTERM stops it.  Standard library only
(Debian: python3).
"""

import hashlib
import hmac
import http.server
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time

MAX_BODY = 1024 * 1024
MAX_SLEEP = 60.0
MAX_TARPITS = 16
MAX_HELD = 500          # connections the tarpits hold at most; more are closed


class Tarpits:
    """Ports that read requests and never answer (see the top)."""

    def __init__(self, n, record):
        self.sel = selectors.DefaultSelector()
        self.record = record
        self.conns = {}     # socket -> {"port", "buf", "kind": None until read}
        self.ports = []
        for _ in range(n):
            ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.1", 0))
            ls.listen(128)
            ls.setblocking(False)
            self.ports.append(ls.getsockname()[1])
            self.sel.register(ls, selectors.EVENT_READ, None)

    def drop(self, s):
        self.sel.unregister(s)
        del self.conns[s]
        s.close()

    def sweep(self):
        """Counts out every held connection whose client hung up."""
        for s in list(self.conns):
            if self.conns[s]["kind"] is None:
                continue
            try:
                if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    self.drop(s)
            except BlockingIOError:
                pass
            except OSError:
                self.drop(s)

    def read(self, s):
        c = self.conns[s]
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.drop(s)
            return
        if c["kind"] is not None:
            return          # more bytes after the request: ignored
        c["buf"] += data
        head, sep, body = c["buf"].partition(b"\r\n\r\n")
        if not sep:
            if len(c["buf"]) > MAX_BODY:
                self.drop(s)
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = min(int(value.strip()), MAX_BODY)
                except ValueError:
                    pass
        if len(body) < length:
            return
        body = body[:length]
        try:
            attempts = json.loads(body)["callback"]["attempts"]
        except (ValueError, KeyError, TypeError):
            attempts = 0
        self.sweep()
        c["kind"] = "retry" if attempts else "first"
        c["buf"] = b""
        held = [v for v in self.conns.values() if v["kind"] is not None]
        path = head.split(b"\r\n")[0].split(b" ")[1:2]
        self.record(path[0].decode("utf-8", "replace") if path else "", body, {
            "tarpit": c["port"],
            "held": len(held),
            "held_port": sum(1 for v in held if v["port"] == c["port"]),
            "held_first": sum(1 for v in held if v["kind"] == "first"),
            "held_retry": sum(1 for v in held if v["kind"] == "retry"),
        })

    def run(self):
        while True:
            for key, _ in self.sel.select():
                s = key.fileobj
                if key.data is None:        # a listening socket
                    try:
                        conn, _ = s.accept()
                    except OSError:
                        continue
                    if len(self.conns) >= MAX_HELD:
                        conn.close()
                        continue
                    conn.setblocking(False)
                    self.conns[conn] = {"port": s.getsockname()[1], "buf": b"",
                                        "kind": None}
                    self.sel.register(conn, selectors.EVENT_READ, "conn")
                else:
                    self.read(s)


def main():
    if len(sys.argv) not in (4, 5):
        sys.stderr.write(__doc__.split("\n\n")[-2] + "\n")
        return 2
    secret, port_file, log_file = sys.argv[1:4]
    ntarpits = int(sys.argv[4]) if len(sys.argv) == 5 else 0
    if not 0 <= ntarpits <= MAX_TARPITS:
        sys.stderr.write("TARPITS must be 0 to %d\n" % MAX_TARPITS)
        return 2
    key = secret.encode()
    log = open(log_file, "a", buffering=1)
    lock = threading.Lock()
    counts = {}
    seq = [0]

    def record(path, body, extra):
        """One line for a request to a tarpit, numbered like a POST."""
        with lock:
            seq[0] += 1
            n = counts[path] = counts.get(path, 0) + 1
            line = {"seq": seq[0], "n": n, "path": path, "answer": 0,
                    "received": time.time(), "body": body.decode("utf-8", "replace")}
            line.update(extra)
            log.write(json.dumps(line) + "\n")

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
                elif parts[1:2] in (["sleep"], ["sleep1"]) and len(parts) > 3:
                    try:
                        sleep = min(float(parts[2]), MAX_SLEEP)
                    except ValueError:
                        status = 400
                    if parts[1] == "sleep1" and n > 1:
                        sleep = 0.0
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
    tarpits = Tarpits(ntarpits, record)
    threading.Thread(target=tarpits.run, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        for port in [srv.server_address[1]] + tarpits.ports:
            f.write("%d\n" % port)
    os.rename(tmp, port_file)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
