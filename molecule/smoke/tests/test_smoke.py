"""Behaviour of the test harness itself: real systemd hosts that reach each other."""

import time

PEERS = {"smoke-a": "smoke-b", "smoke-b": "smoke-a"}


def _hostname(host) -> str:
    return host.check_output("hostname")


def test_systemd_is_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"


def test_system_is_running(host):
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state == "running", host.run("systemctl --failed --no-legend").stdout


def _http_status(host, url: str) -> str:
    """HTTP status of a GET sent from inside the host, or '' when nothing answers."""
    code = f"import urllib.request; print(urllib.request.urlopen('{url}', timeout=3).status)"
    return host.run(f'python3 -c "{code}"').stdout.strip()


def test_hosts_reach_each_other_by_name(host):
    peer = PEERS[_hostname(host)]
    assert host.run(f"getent hosts {peer}").rc == 0
    assert _http_status(host, f"http://{peer}:8080/") == "200"


def _main_pid(host) -> int:
    return int(host.check_output("systemctl show -p MainPID --value smoke-http.service"))


def test_service_survives_restart(host):
    before = _main_pid(host)
    assert before > 0
    host.run_test("systemctl restart smoke-http.service")
    deadline = time.monotonic() + 10
    status = ""
    while time.monotonic() < deadline:
        status = _http_status(host, "http://127.0.0.1:8080/")
        if status == "200":
            break
        time.sleep(0.5)
    after = _main_pid(host)
    assert after > 0
    assert after != before
    assert host.service("smoke-http.service").is_running
    assert status == "200"
