"""The whole stack, end to end: requests enter nginx on 127.0.0.1, reach Express instances on
two app hosts, and keep their session in Redis.

The tests send real HTTP requests from the controller to the published load balancer port and
read the state of the hosts with testinfra. Every loop is bounded in requests and seconds.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

testinfra_hosts = ["stack-lb"]

LB = f"http://127.0.0.1:{os.environ.get('STACK_HTTP_PORT', '8080')}"
SCENARIO_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", SCENARIO_DIR.parent.parent))
EPHEMERAL_DIR = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""))
STAGE = Path.home() / ".cache/prodready.webstack/stack/express-demo"
APP_HOSTS = ["stack-app1", "stack-app2"]


def get(path: str, headers: dict[str, str] | None = None, opener=None, timeout: float = 5.0):
    """GET through the load balancer; returns (status, headers, body)."""
    request = urllib.request.Request(LB + path, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def docker_exec(container: str, *argv: str, env: dict[str, str] | None = None) -> str:
    env_args = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
    proc = subprocess.run(
        ["docker", "exec", *env_args, container, *argv], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def ansible_playbook(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the composition playbook again against this scenario's hosts."""
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE") or str(EPHEMERAL_DIR / "inventory")
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(PROJECT_DIR / ".ansible/collections"))
    cmd = ["ansible-playbook", "-i", inventory, str(SCENARIO_DIR / "converge.yml"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_requests_pass_nginx_and_come_back_compressed():
    status, headers, body = get("/", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "nginx" in headers.get("Server", "") and "/" not in headers.get("Server", "")
    assert headers.get("X-Request-ID"), "the proxy must hand every response a request id"
    _, _, identity = get("/")
    assert len(body) < 0.3 * len(identity)


def test_load_is_spread_over_every_instance_on_every_app_host():
    endpoints = [f"{name}:{port}" for name in APP_HOSTS for port in instance_ports(name)]
    seen = set()
    for _ in range(8 * len(endpoints)):
        status, _, body = get("/whoami")
        assert status == 200
        data = json.loads(body)
        seen.add(f"{data['hostname']}:{data['port']}")
        if len(seen) == len(endpoints):
            break
    assert seen == set(endpoints)


def test_a_session_follows_the_user_across_instances_and_hosts():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    counts, hosts = [], set()
    for _ in range(16):
        status, _, body = get("/session", opener=opener)
        assert status == 200
        data = json.loads(body)
        counts.append(data["count"])
        hosts.add(data["instance"].split(":")[0])
    assert counts == list(range(1, 17)), "every instance must see the same session"
    assert len(hosts) == 2, f"requests should have reached both app hosts, saw {hosts}"


def test_sessions_live_in_redis_under_the_app_users_prefix():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    get("/session", opener=opener)
    sid = next(c.value for c in jar if c.name == "sid")
    # express-session's cookie is "s:<id>.<signature>", URL-encoded.
    session_id = urllib.parse.unquote(sid)[2:].split(".")[0]
    password = (STAGE.parent / "secrets/redis-app").read_text().split()[0]
    value = docker_exec(
        "stack-redis",
        "redis-cli",
        "--no-auth-warning",
        "--user",
        "sessions",
        "GET",
        f"sess:{session_id}",
        env={"REDISCLI_AUTH": password},
    )
    assert json.loads(value)["count"] == 1


def instance_ports(name: str) -> list[int]:
    return [3000 + n for n in range(int(docker_exec(name, "nproc").strip()))]


def wait_every_instance_healthy(seconds: float = 60.0) -> None:
    probe = "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)"
    deadline = time.monotonic() + seconds
    for name in APP_HOSTS:
        for port in instance_ports(name):
            url = f"http://127.0.0.1:{port}/healthz"
            argv = ["docker", "exec", name, "python3", "-c", probe, url]
            while subprocess.run(argv, capture_output=True, check=False).returncode:
                assert time.monotonic() < deadline, f"{name}:{port} is not healthy"
                time.sleep(0.5)


def test_static_files_come_from_the_proxy_not_the_app():
    status, _, body = get("/css/app.css")
    assert status == 200 and body
    for name in APP_HOSTS:
        # systemctl waits for the instances it is asked to stop (stopping the target would not).
        docker_exec(name, "systemctl", "stop", "demo@*.service")
        state = docker_exec(name, "systemctl", "show", "-p", "ActiveState", "--value", "demo@1.service")
        assert state.strip() != "active"
    try:
        status, _, again = get("/css/app.css")
        assert status == 200 and again == body
        status, _, _ = get("/whoami", timeout=15)
        assert status in (502, 503, 504)
    finally:
        for name in APP_HOSTS:
            docker_exec(name, "systemctl", "start", "demo.target")
        wait_every_instance_healthy()


class Load(threading.Thread):
    """GET /whoami through the proxy until stopped; bounded in requests and seconds."""

    def __init__(self, max_requests: int = 5000, max_seconds: float = 240.0):
        super().__init__(daemon=True)
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.stop = threading.Event()
        self.statuses: list[int] = []

    def run(self):
        deadline = time.monotonic() + self.max_seconds
        while not self.stop.is_set() and len(self.statuses) < self.max_requests and time.monotonic() < deadline:
            try:
                status = get("/whoami", timeout=10)[0]
            except OSError:
                status = 0
            self.statuses.append(status)
            time.sleep(0.02)


def _current_release(name: str) -> str:
    return docker_exec(name, "readlink", "-f", "/srv/demo/current").strip()


@pytest.fixture
def release_marker():
    marker = STAGE / "RELEASE"
    yield marker
    marker.unlink(missing_ok=True)


def test_rolling_deploy_of_a_new_release_drops_no_request(release_marker):
    before = {name: _current_release(name) for name in APP_HOSTS}
    release_marker.write_text(f"rolling-{time.time()}\n")
    load = Load()
    load.start()
    try:
        proc = ansible_playbook()
    finally:
        load.stop.set()
        load.join(timeout=30)
    assert proc.returncode == 0, proc.stdout[-3000:]
    after = {name: _current_release(name) for name in APP_HOSTS}
    assert all(after[name] != before[name] for name in APP_HOSTS), "both hosts must run the new release"
    failures = [s for s in load.statuses if s != 200]
    print(f"rolling deploy: {len(load.statuses)} requests, {len(failures)} not 200")
    assert len(load.statuses) > 50
    assert failures == []


def test_a_failed_deploy_stops_at_the_first_host_and_the_old_release_serves(release_marker):
    before = {name: _current_release(name) for name in APP_HOSTS}
    # A release whose app exits at once: its health check fails on the first host.
    release_marker.write_text("broken\n")
    server = STAGE / "server.js"
    original = server.read_text()
    server.write_text("console.error('demo: refusing to start (broken release)'); process.exit(3);\n" + original)
    try:
        proc = ansible_playbook()
    finally:
        server.write_text(original)
    assert proc.returncode != 0
    assert "refusing to start" in proc.stdout + proc.stderr
    after = {name: _current_release(name) for name in APP_HOSTS}
    assert after == before, "no host may be left on the broken release"
    for _ in range(20):
        assert get("/whoami")[0] == 200
