"""web_proxy behaviour: real requests through nginx to a three-instance upstream on another host."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from helpers import APP, BASE, INSTANCES, PORTS, PROXY, get, request, spread, start_instances, stop_instances


@pytest.fixture
def app_stopped():
    stop_instances()
    yield
    start_instances()


def unique(path: str) -> str:
    return f"{path}?t={uuid.uuid4().hex}"


# --- Compression and static files -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big.html", "/big.json"])
def test_gzip_body_is_under_30_percent(path):
    identity = get(path, "-H", "Accept-Encoding: identity", body=False)
    gzipped = get(path, "-H", "Accept-Encoding: gzip", body=False)
    assert identity.status == gzipped.status == 200
    assert "content-encoding" not in identity.headers
    assert gzipped.headers.get("content-encoding") == "gzip"
    assert "Accept-Encoding" in gzipped.headers.get("vary", "")
    ratio = gzipped.size / identity.size
    print(f"gzip ratio {path}: {gzipped.size}/{identity.size} = {ratio:.3f}")
    assert identity.size > 50_000
    assert ratio < 0.30


def test_brotli_when_available():
    if not PROXY.file("/etc/nginx/modules-enabled/50-mod-http-brotli-filter.conf").exists:
        pytest.skip("no Brotli module on this host")
    response = get("/big.json", "-H", "Accept-Encoding: br", body=False)
    assert response.headers.get("content-encoding") == "br"


def test_static_file_is_served_while_the_app_is_stopped(app_stopped):
    assert get("/id").status in (502, 504)  # the app really is down
    response = get("/static/app.css")
    assert response.status == 200
    assert "served by nginx from disk" in response.body
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"


# --- Cache ---------------------------------------------------------------------------------------


def test_cacheable_response_is_miss_then_hit():
    path = unique("/cacheable")
    first, second = get(path), get(path)
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert second.body == first.body


def test_uncacheable_response_is_not_stored():
    path = unique("/nocache")
    assert get(path).headers["x-cache-status"] == "MISS"
    assert get(path).headers["x-cache-status"] == "MISS"


def test_session_cookie_and_authorization_bypass_the_cache():
    path = unique("/cacheable")
    for _ in range(2):
        assert get(path, "-H", "Cookie: theme=dark; session=abc123").headers["x-cache-status"] == "BYPASS"
    assert get(path, "-H", "Authorization: Bearer x").headers["x-cache-status"] == "BYPASS"
    # Nothing was stored for the anonymous visitor, and an unrelated cookie does not bypass.
    assert get(path).headers["x-cache-status"] == "MISS"
    assert get(path, "-H", "Cookie: theme=dark").headers["x-cache-status"] == "HIT"


def test_micro_cache_keeps_anonymous_responses_without_cache_control():
    path = unique("/micro/page")
    assert get(path).headers["x-cache-status"] == "MISS"
    assert get(path).headers["x-cache-status"] == "HIT"
    assert get(path, "-H", "Cookie: connect.sid=s%3Aabc").headers["x-cache-status"] == "BYPASS"
    # The same kind of response on a location without micro-cache is not stored.
    other = unique("/plain/page")
    assert get(other).headers["x-cache-status"] == "MISS"
    assert get(other).headers["x-cache-status"] == "MISS"


def test_cached_page_is_served_stale_and_uncacheable_fails_fast_when_all_instances_are_down():
    path = unique("/cacheable")
    warm = get(path)
    assert warm.status == 200
    assert get(path).headers["x-cache-status"] == "HIT"
    stop_instances()
    try:
        time.sleep(2.5)  # the upstream said max-age=2: the entry is now stale
        stale = get(path)
        assert stale.status == 200
        assert stale.body == warm.body
        assert stale.headers["x-cache-status"] in ("STALE", "UPDATING")
        down = get(unique("/nocache"))
        assert down.status in (502, 504)
        assert down.seconds < 3
    finally:
        start_instances()


# --- Load balancing ------------------------------------------------------------------------------


def test_requests_spread_over_all_instances():
    ids = spread(count=30)
    assert len(ids) == 30
    assert set(ids) == INSTANCES, ids


def test_killing_one_instance_loses_no_get():
    victim = PORTS[1]
    unit = f"web-proxy-upstream@{victim}.service"
    pid_before = APP.check_output(f"systemctl show -p MainPID --value {unit}")
    loop = f"for i in $(seq 300); do curl -sk -m 5 -o /dev/null -w '%{{http_code}}\\n' {BASE}/id; done"

    def kill_later() -> None:
        time.sleep(0.7)
        APP.run(f"systemctl kill -s KILL {unit}")

    killer = threading.Thread(target=kill_later)
    started = time.monotonic()
    killer.start()
    try:
        codes = PROXY.run(f"timeout 120 bash -c {shlex.quote(loop)}").stdout.split()
        elapsed = time.monotonic() - started
    finally:
        killer.join()
        start_instances()
    pid_after = APP.check_output(f"systemctl show -p MainPID --value {unit}")
    assert elapsed > 1.5  # the kill landed while the loop was running
    assert pid_after != pid_before  # the instance really died
    assert len(codes) == 300
    assert [c for c in codes if c != "200"] == []


# --- Proxy headers and logs ----------------------------------------------------------------------


def test_forwarded_headers_and_generated_request_id_reach_the_app():
    response = get("/headers")
    seen = json.loads(response.body)["headers"]
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])
    assert response.headers["x-request-id"] == seen["x-request-id"]
    assert seen["x-forwarded-proto"] == "https"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["host"] == "localhost"
    assert seen.get("connection", "") in ("", "keep-alive")  # cleared for upstream keepalive


def test_client_request_id_is_kept_and_logged_as_json():
    rid = f"test-{uuid.uuid4().hex}"
    response = get("/headers", "-H", f"X-Request-ID: {rid}")
    assert json.loads(response.body)["headers"]["x-request-id"] == rid
    assert response.headers["x-request-id"] == rid
    entry = None
    for _ in range(10):
        for line in PROXY.run("tail -n 50 /var/log/nginx/access.log").stdout.splitlines():
            record = json.loads(line)  # every line is JSON
            if record["request_id"] == rid:
                entry = record
        if entry:
            break
        time.sleep(0.2)
    assert entry is not None
    assert entry["status"] == 200
    assert re.fullmatch(r"[0-9.]+:300[123]", entry["upstream_addr"])
    assert float(entry["upstream_response_time"]) >= 0
    assert "cache_status" in entry


def test_logrotate_configuration_is_valid():
    result = PROXY.run("logrotate --debug /etc/logrotate.d/nginx")
    assert result.rc == 0, result.stderr
    assert "/var/log/nginx/*.log" in result.stdout + result.stderr


# --- Hardening and TLS ---------------------------------------------------------------------------


def test_server_header_has_no_version():
    for response in (get("/id"), get("/static/missing.css"), request("http://localhost/")):
        assert response.headers["server"] == "nginx"


@pytest.mark.parametrize("path", ["/id", "/static/app.css", "/static/missing.css"])
def test_security_headers(path):
    headers = get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'self'"
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "x-powered-by" not in headers


def test_per_location_header_override():
    headers = get(unique("/micro/csp")).headers
    assert headers["content-security-policy"] == "default-src 'none'"
    assert headers["x-frame-options"] == "SAMEORIGIN"  # the other headers are kept


def test_http_redirects_to_https():
    response = request("http://localhost/some/page?x=1")
    assert response.status == 301
    assert response.headers["location"] == "https://localhost/some/page?x=1"


def test_http2_is_offered():
    assert PROXY.run("curl -sk --http2 -o /dev/null -w '%{http_version}' https://localhost/id").stdout == "2"


def _handshake(port: int, version: str) -> bool:
    # SECLEVEL=0 lets the client offer TLS 1.0/1.1 at all (OpenSSL 3 refuses them otherwise).
    result = PROXY.run(
        f"timeout 10 openssl s_client -connect 127.0.0.1:{port} -servername localhost -{version} "
        "-cipher DEFAULT@SECLEVEL=0 </dev/null"
    )
    return result.rc == 0 and re.search(r"New, TLSv1(\.[0-3])?, Cipher is", result.stdout) is not None


def test_client_can_speak_old_tls_at_all():
    """Control: the same client check does succeed against a server that allows TLS 1.0."""
    pid = PROXY.check_output(
        "nohup timeout 20 openssl s_server -accept 127.0.0.1:8443 -cert /etc/nginx/tls/web_proxy.crt "
        "-key /etc/nginx/tls/web_proxy.key -cipher DEFAULT@SECLEVEL=0 -www >/dev/null 2>&1 & echo $!"
    )
    try:
        time.sleep(1)
        assert _handshake(8443, "tls1")
    finally:
        PROXY.run(f"kill {int(pid)}")


@pytest.mark.parametrize(
    ("version", "accepted"), [("tls1", False), ("tls1_1", False), ("tls1_2", True), ("tls1_3", True)]
)
def test_only_tls_1_2_and_1_3_are_accepted(version, accepted):
    assert _handshake(443, version) is accepted


# --- Workers -------------------------------------------------------------------------------------


def test_workers_match_cpus_and_limits():
    cpus = int(PROXY.check_output("nproc"))
    workers = [
        line.split()[0]
        for line in PROXY.check_output("ps -C nginx -o pid=,args=").splitlines()
        if "worker process" in line
    ]
    assert len(workers) == cpus
    worker_pid = workers[0]
    limits = PROXY.file(f"/proc/{worker_pid}/limits").content_string
    assert re.search(r"Max open files\s+2048\s+2048", limits), limits


# --- Peer tool -----------------------------------------------------------------------------------


def test_gixy_finds_no_medium_or_high_issue():
    gixy = shutil.which("gixy") or str(Path(sys.executable).with_name("gixy"))
    if not Path(gixy).exists():
        pytest.fail("gixy-ng is not installed in the test venv (pip install gixy-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["docker", "cp", "web-proxy-proxy:/etc/nginx", tmp], check=True)
        conf = Path(tmp) / "nginx" / "nginx.conf"
        assert "include web_proxy/site.conf;" in conf.read_text()  # gixy follows it relative to the file
        result = subprocess.run([gixy, "-f", "json", str(conf)], capture_output=True, text=True, check=False)
    issues = json.loads(result.stdout or "[]")
    serious = [i for i in issues if i.get("severity") in ("MEDIUM", "HIGH")]
    print(json.dumps(issues, indent=1))
    assert serious == []
