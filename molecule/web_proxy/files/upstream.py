#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tiny test upstream for the web_proxy scenario: one instance per port, answers with its id."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
INSTANCE = os.environ.get("INSTANCE_ID", f"{os.uname().nodename}:{PORT}")
BIG_HTML = (
    "<!doctype html><html><head><title>big</title></head><body><ul>"
    + "".join(f'<li class="row">Row {i}: the quick brown fox jumps over the lazy dog</li>' for i in range(2000))
    + "</ul></body></html>"
).encode()
BIG_JSON = json.dumps(
    [{"id": i, "name": f"item {i}", "tags": ["alpha", "beta", "gamma"], "active": i % 2 == 0} for i in range(2000)]
).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "upstream"
    sys_version = ""

    def _send(self, status, body, ctype="text/plain; charset=utf-8", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Instance", INSTANCE)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/id":
            self._send(200, INSTANCE.encode(), headers={"Cache-Control": "no-store"})
        elif path == "/cacheable":
            self._send(200, f"cacheable from {INSTANCE}\n".encode(), headers={"Cache-Control": "public, max-age=2"})
        elif path == "/nocache":
            self._send(200, f"fresh from {INSTANCE}\n".encode(), headers={"Cache-Control": "no-store"})
        elif path == "/login":
            self._send(200, b"logged in\n", headers={"Set-Cookie": "session=abc123; HttpOnly; Path=/"})
        elif path == "/big.html":
            self._send(200, BIG_HTML, "text/html; charset=utf-8", {"Cache-Control": "no-store"})
        elif path == "/big.json":
            self._send(200, BIG_JSON, "application/json", {"Cache-Control": "no-store"})
        elif path == "/headers":
            seen = {k.lower(): v for k, v in self.headers.items()}
            body = json.dumps({"instance": INSTANCE, "headers": seen}).encode()
            self._send(200, body, "application/json", {"Cache-Control": "no-store"})
        elif path.startswith(("/micro/", "/plain/")):
            # No Cache-Control: only the proxy's micro-cache may keep this.
            self._send(200, f"micro from {INSTANCE}\n".encode())
        elif path == "/static/app.css":
            self._send(200, b"/* from the app: the proxy should have served this file itself */\n", "text/css")
        else:
            self._send(200, f"hello from {INSTANCE}\n".encode(), headers={"Cache-Control": "no-store"})

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()  # noqa: S104 - test container only
