"""Stdlib-only demo app: proves app_service runs any runtime, not only Node.js."""

import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))
INSTANCE = f"{socket.gethostname()}:{PORT}"
STARTED = time.monotonic()


def log(level: str, msg: str, **fields: object) -> None:
    line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level, "msg": msg}
    line.update(instance=INSTANCE, **fields)
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    server_version = "python-demo"
    sys_version = ""

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Instance", INSTANCE)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._json(200, {"status": "ok", "instance": INSTANCE, "uptime": time.monotonic() - STARTED})
        elif self.path == "/whoami":
            env = os.environ.get("APP_ENV", "")
            self._json(200, {"instance": INSTANCE, "port": PORT, "pid": os.getpid(), "app_env": env})
        else:
            self._json(404, {"error": "not found"})

    def log_message(self, format: str, *args: object) -> None:
        log("info", "request", request=format % args, request_id=self.headers.get("X-Request-ID", ""))


def main() -> None:
    server = ThreadingHTTPServer(("", PORT), Handler)
    log("info", "listening", port=PORT)
    server.serve_forever()


if __name__ == "__main__":
    main()
