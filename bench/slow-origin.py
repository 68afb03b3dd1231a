#!/usr/bin/python3
"""bench/slow-origin.py DIR PORT DELAY_MS: an image origin on 127.0.0.1 that
waits DELAY_MS before answering each request, then serves the file from DIR
(symlinks followed), HTTP/1.1 with keep-alive.

bench/run uses it for "throughput when the origin adds 500 ms to every
response": the delay is a sleep in the handler thread, so a thousand slow
downloads cost the origin no CPU.  (lighttpd 1.4 could do it with mod_magnet,
which Debian ships separately; this needs nothing but python3.)
"""
import functools
import http.server
import sys
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.5
    # The delay is the only thing this origin may add: no Nagle wait
    # between the headers and the body, and the body sent by the kernel
    # (sendfile) rather than copied through Python, so that with delay 0 it
    # serves the corpus as fast as the lighttpd origin does.
    disable_nagle_algorithm = True

    def copyfile(self, source, outputfile):
        self.connection.sendfile(source)

    def do_GET(self):
        time.sleep(self.delay)
        super().do_GET()

    def do_HEAD(self):
        time.sleep(self.delay)
        super().do_HEAD()

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: slow-origin.py DIR PORT DELAY_MS")
    directory, port, delay_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    Handler.delay = delay_ms / 1000.0
    Handler.extensions_map.update({".webp": "image/webp"})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Handler, directory=directory))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
