#!/usr/bin/env python3
"""Test-only static server for the Keystep UI harness (loopback only).

Serves the repository root with the same Content-Security-Policy the Tauri
window uses, plus connect-src 'self' so the harness may fetch ui/index.html.
Inline scripts, inline style attributes and on*= handlers are blocked exactly
as in the app, and harness.js reports any violation.

    python3 tests/ui/serve.py [PORT]   ->  http://127.0.0.1:PORT/tests/ui/harness.html
"""
import functools
import http.server
import os
import sys

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".mjs": "text/javascript"}

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    handler = functools.partial(Handler, directory=ROOT)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {ROOT} on http://127.0.0.1:{port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
