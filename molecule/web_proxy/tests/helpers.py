"""Shared helpers for the web_proxy behaviour tests: real requests sent from inside the proxy host."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field

import testinfra

PROXY = testinfra.get_host("docker://web-proxy-proxy")
APP = testinfra.get_host("docker://web-proxy-app")
PORTS = (3001, 3002, 3003)
INSTANCES = {f"web-proxy-app:{port}" for port in PORTS}
BASE = "https://localhost"


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    size: int = 0
    seconds: float = 0.0


def request(url: str, *args: str, body: bool = True, timeout: int = 10) -> Response:
    """One curl request from the proxy host; headers lower-cased, last response only."""
    out = "/tmp/web-proxy-test.body"
    cmd = (
        f"curl -sk -m {timeout} -D /tmp/web-proxy-test.head -o {out} "
        "-w '%{http_code} %{size_download} %{time_total}' "
        + " ".join(shlex.quote(a) for a in args)
        + f" {shlex.quote(url)}"
    )
    result = PROXY.run(cmd)
    status, size, seconds = result.stdout.split()
    headers: dict[str, str] = {}
    for line in PROXY.file("/tmp/web-proxy-test.head").content_string.splitlines():
        if line.lower().startswith("http/"):
            headers = {}
        elif ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    text = PROXY.run(f"cat {out}").stdout if body else ""
    return Response(int(status), headers, text, int(size), float(seconds))


def get(path: str, *args: str, **kwargs) -> Response:
    return request(BASE + path, *args, **kwargs)


def stop_instances(ports=PORTS) -> None:
    APP.run_test("systemctl stop " + " ".join(f"web-proxy-upstream@{p}.service" for p in ports))


def start_instances(ports=PORTS) -> None:
    APP.run_test("systemctl start " + " ".join(f"web-proxy-upstream@{p}.service" for p in ports))
    wait_for_all_instances()


_PROBE = (
    "import urllib.request\n"
    f"for port in {PORTS!r}:\n"
    "    urllib.request.urlopen(f'http://127.0.0.1:{port}/id', timeout=2).read()\n"
)


def wait_for_all_instances(deadline_seconds: float = 20) -> None:
    """Wait until every instance answers directly and the proxy answers 200 again."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        direct = APP.run(f"python3 -c {shlex.quote(_PROBE)}").rc == 0
        if direct and get("/id").status == 200:
            return
        time.sleep(0.5)
    raise AssertionError("the upstream instances did not come back")


def spread(path: str = "/id", count: int = 30) -> list[str]:
    """Instance ids answering `count` sequential requests (one shell round trip)."""
    script = f"for i in $(seq {count}); do curl -sk -m 5 {BASE}{path}; echo; done"
    return [line for line in PROXY.run(script).stdout.splitlines() if line]
