#!/usr/bin/env python3
"""A light customer instance for the fleet benchmark: an HTTP server in a few MB that starts in
about 50 ms. PORT (required), VERSION; /ready answers 200; any other path says hello, or 500 when
the feature flag named by BROKEN_WITH is on in this instance's environment (a bug only some
customers' configuration reaches)."""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("VERSION", "v0")
FLAG = os.environ.get("BROKEN_WITH", "")
BROKEN = bool(FLAG) and os.environ.get(FLAG, "").lower() in ("on", "true", "1")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 500 if BROKEN and self.path not in ("/ready", "/health") else 200
        body = ("hello from " + VERSION + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Version", VERSION)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
