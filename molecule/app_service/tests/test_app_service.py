"""Behaviour of app_service: real requests, /proc, kill -9, docker restart, releases, bad input.

The later tests drive ansible-playbook themselves (new releases, a rollback, a crashing release,
bad input) against this scenario's container; they run in file order and each leaves the app serving.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

APP = "express-demo"
CONTAINER = "app-service-1"
BASE_PORT = 3000
SCENARIO_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", SCENARIO_DIR.parent.parent))
EPHEMERAL_DIR = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""))
STAGED_APP = EPHEMERAL_DIR / "express-demo"
# Test canaries, not credentials: the tests look for these values where they must not appear.
SECRET_IN_CONVERGE = "molecule-session-secret-3f1c9a"  # noqa: S105

HTTP_GET = """
import json, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=3)
    print(json.dumps({"status": r.status, "headers": dict(r.headers), "body": r.read().decode()}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "headers": dict(e.headers), "body": ""}))
except Exception as e:
    print(json.dumps({"status": -1, "headers": {}, "body": str(e)}))
"""


def http_get(host, port: int, path: str = "/healthz") -> dict:
    out = host.run("python3 -c %s %s", HTTP_GET, f"http://127.0.0.1:{port}{path}")
    return json.loads(out.stdout)


def wait_healthy(host, port: int, seconds: float) -> float:
    """Seconds until the instance answered 200; fails after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if http_get(host, port)["status"] == 200:
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(f"port {port} did not answer /healthz within {seconds}s")


def cpu_count(host) -> int:
    return int(host.check_output("nproc"))


def instances(host, app: str = APP) -> list[int]:
    out = host.check_output(f"systemctl list-units '{app}@*.service' --state=active --plain --no-legend")
    return sorted(int(re.match(rf"{app}@(\d+)\.service", line).group(1)) for line in out.splitlines() if line)


def main_pid(host, unit: str) -> int:
    return int(host.check_output(f"systemctl show -p MainPID --value {unit}"))


def environ(host, pid: int) -> dict[str, str]:
    raw = host.check_output(f"tr '\\0' '\\n' < /proc/{pid}/environ")
    return dict(line.split("=", 1) for line in raw.splitlines() if "=" in line)


def current_release(host, app: str = APP) -> str:
    return host.check_output(f"readlink /srv/{app}/current")


def releases(host, app: str = APP) -> list[str]:
    return sorted(host.check_output(f"ls -1 /srv/{app}/releases").split())


def ansible_playbook(playbook: Path, extra_vars: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a playbook against this scenario's inventory, output captured (stdout + stderr)."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    env.update(
        PATH=f"{bindir}:{env.get('PATH', '')}",
        ANSIBLE_COLLECTIONS_PATH=str(PROJECT_DIR / ".ansible" / "collections"),
        ANSIBLE_ROLES_PATH=str(PROJECT_DIR / "roles"),
        ANSIBLE_PIPELINING="true",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_CALLBACK_RESULT_FORMAT="yaml",
        ANSIBLE_HOST_KEY_CHECKING="false",
    )
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE") or str(EPHEMERAL_DIR / "inventory")
    cmd = [str(bindir / "ansible-playbook"), "-i", inventory, str(playbook), "--diff"]
    cmd += ["-e", json.dumps({"install_runtime": False, **(extra_vars or {})})]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def recap_changed(proc: subprocess.CompletedProcess) -> int:
    m = re.search(rf"{CONTAINER}\s*:\s*ok=\d+\s+changed=(\d+)", proc.stdout)
    return int(m.group(1)) if m else -1


# --- the running service -------------------------------------------------------------------------


def test_one_instance_per_cpu(host):
    assert instances(host) == list(range(1, cpu_count(host) + 1))


def test_every_instance_has_the_configured_environment(host):
    for n in instances(host):
        env = environ(host, main_pid(host, f"{APP}@{n}.service"))
        assert env["NODE_ENV"] == "production"
        assert env["APP_ENV"] == "molecule"
        assert env["PORT"] == str(BASE_PORT + n - 1)
        assert env["SESSION_SECRET"] == SECRET_IN_CONVERGE  # the secret reaches the app...


def test_secret_is_not_in_the_unit_or_systemctl_show(host):
    for n in instances(host):
        show = host.check_output(f"systemctl show {APP}@{n}.service")
        assert SECRET_IN_CONVERGE not in show  # ...but not systemd's view of it
    assert SECRET_IN_CONVERGE not in host.file(f"/etc/systemd/system/{APP}@.service").content_string
    secrets = host.file(f"/etc/{APP}/secrets.env")
    assert (secrets.user, secrets.group, secrets.mode) == ("root", APP, 0o640)


def test_every_instance_serves_its_own_identity(host):
    hostname = host.check_output("hostname")
    for n in instances(host):
        port = BASE_PORT + n - 1
        r = http_get(host, port, "/whoami")
        assert r["status"] == 200
        assert json.loads(r["body"])["instance"] == f"{hostname}:{port}"
        assert r["headers"]["X-Instance"] == f"{hostname}:{port}"


def test_account_has_no_login_shell_and_cannot_write_its_code(host):
    user = host.user(APP)
    assert user.shell == "/usr/sbin/nologin"
    assert host.run(f"runuser -u {APP} -- /bin/sh -c 'touch /srv/{APP}/current/x'").rc != 0
    shared = f"/srv/{APP}/shared/uploads/x"
    assert host.run(f"runuser -u {APP} -- /bin/sh -c 'touch {shared} && rm {shared}'").rc == 0


def test_unit_restarts_and_limits(host):
    props = host.check_output(
        f"systemctl show {APP}@1.service -p Restart -p LimitNOFILE -p StartLimitBurst -p UnitFileState -p PartOf"
    )
    assert "Restart=always" in props
    assert "LimitNOFILE=65536" in props
    assert "StartLimitBurst=5" in props
    assert "UnitFileState=enabled" in props
    assert f"PartOf={APP}.target" in props
    assert host.run(f"systemctl is-enabled {APP}.target").stdout.strip() == "enabled"


def test_logs_go_to_the_journal_as_json_with_the_request_id(host):
    host.check_output(
        "python3 -c \"import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:3000/whoami', "
        "headers={'X-Request-ID': 'rid-molecule-42'}), timeout=3)\""
    )
    time.sleep(0.5)
    logs = host.check_output(f"journalctl -t {APP} --since '-1min' --no-pager -o cat")
    assert any('"request_id":"rid-molecule-42"' in line and line.startswith("{") for line in logs.splitlines())
    assert host.file("/var/log/journal").is_directory  # persistent host journal


def test_systemd_analyze_security(host):
    out = host.check_output(f"systemd-analyze security {APP}@1.service --no-pager")
    print(out)
    exposure = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", out).group(1))
    print(f"exposure of {APP}@1.service: {exposure}")
    assert exposure <= 2.5


def test_python_demo_runs_under_the_same_role(host):
    r = http_get(host, 8000, "/whoami")
    assert r["status"] == 200
    assert json.loads(r["body"])["app_env"] == "production"
    env = environ(host, main_pid(host, "python-demo@1.service"))
    assert env["PYTHONUNBUFFERED"] == "1"
    assert "NODE_ENV" not in env
    # The build step ran inside the release, as the app user.
    assert host.file("/srv/python-demo/current/BUILT_BY").content_string.strip() == "python-demo"
    out = host.check_output("systemd-analyze security python-demo@1.service --no-pager")
    print(out.splitlines()[-1])


# --- self-healing ----------------------------------------------------------------------------------


KILL_AND_TIME = """
import os, subprocess, sys, time, urllib.request
unit, url = sys.argv[1], sys.argv[2]
pid = int(subprocess.check_output(["systemctl", "show", "-p", "MainPID", "--value", unit]))
os.kill(pid, 9)
start = time.monotonic()
while time.monotonic() - start < 30:
    try:
        if urllib.request.urlopen(url, timeout=1).status == 200:
            break
    except Exception:
        time.sleep(0.05)
print(pid, round(time.monotonic() - start, 2))
"""


def test_kill_9_serves_again_within_5_seconds(host):
    # Killed and timed by one process inside the container: no docker exec latency in the number.
    unit = f"{APP}@1.service"
    out = host.check_output("python3 -c %s %s %s", KILL_AND_TIME, unit, f"http://127.0.0.1:{BASE_PORT}/healthz")
    killed, took = int(out.split()[0]), float(out.split()[1])
    print(f"{unit} served again {took}s after kill -9 of PID {killed}")
    assert main_pid(host, unit) not in (0, killed)
    assert took <= 5


def test_uncaught_exception_exits_and_systemd_restarts_the_instance(host):
    unit = f"{APP}@{len(instances(host))}.service"
    port = BASE_PORT + len(instances(host)) - 1
    before = main_pid(host, unit)
    http_get(host, port, "/crash")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and main_pid(host, unit) in (0, before):
        time.sleep(0.2)
    assert main_pid(host, unit) not in (0, before)
    wait_healthy(host, port, 15)
    logs = host.check_output(f"journalctl -u {unit} --since '-1min' --no-pager -o cat")
    assert '"msg":"uncaught exception"' in logs
    assert "crash requested through /crash" in logs


def test_docker_restart_brings_every_instance_back(host):
    subprocess.run(["docker", "restart", "-t", "5", CONTAINER], check=True, capture_output=True, timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded"):
            break
        time.sleep(0.5)
    for n in range(1, cpu_count(host) + 1):
        wait_healthy(host, BASE_PORT + n - 1, 30)
    wait_healthy(host, 8000, 30)
    assert instances(host) == list(range(1, cpu_count(host) + 1))


# --- bad input -------------------------------------------------------------------------------------

_BAD = {"app_service_name": "badapp", "app_service_artifact": "/x"}
BAD_INPUT = [
    ({"app_service_artifact": "/nonexistent"}, "app_service_name"),
    ({**_BAD, "app_service_instances": "many"}, "app_service_instances"),
    ({**_BAD, "app_service_base_port": 70000}, "app_service_base_port"),
    ({**_BAD, "app_service_env": {"1BAD-NAME": "x"}}, "app_service_env"),
    ({**_BAD, "app_service_runtime_kind": "ruby"}, "app_service_runtime_kind"),
]


def test_bad_input_is_rejected_before_any_change(host):
    # The five runs fail before they connect to the host, so they can run side by side.
    with ThreadPoolExecutor(max_workers=len(BAD_INPUT)) as pool:
        runs = list(pool.map(lambda case: ansible_playbook(SCENARIO_DIR / "bad_input.yml", case[0], 180), BAD_INPUT))
    for (extra_vars, variable), proc in zip(BAD_INPUT, runs, strict=True):
        assert proc.returncode != 0, (extra_vars, output(proc)[-2000:])
        assert variable in output(proc), (extra_vars, output(proc)[-2000:])
        assert recap_changed(proc) == 0, (extra_vars, output(proc)[-2000:])
    assert not host.file("/srv/badapp").exists
    assert not host.user("badapp").exists


# --- releases --------------------------------------------------------------------------------------


def _release_copy(tag: str) -> Path:
    """A copy of the staged app with one changed file: a new content, hence a new release."""
    dest = Path(tempfile.mkdtemp(prefix=f"app-service-{tag}-")) / "app"
    shutil.copytree(STAGED_APP, dest, symlinks=True)
    (dest / "public" / "release.txt").write_text(f"{tag}\n")
    return dest


def test_new_release_switches_current_rolls_and_keeps_n_without_leaking_the_secret(host):
    secret = "leak-canary-7d41e0b2c9"  # noqa: S105
    first = current_release(host)
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    time.sleep(1)
    for tag in ("two", "three"):
        proc = ansible_playbook(
            SCENARIO_DIR / "converge.yml",
            {
                "express_demo_artifact": str(_release_copy(tag)),
                "express_demo_session_secret": secret,
                "app_service_keep_releases": 2,
                "deploy_python_demo": False,
            },
        )
        assert proc.returncode == 0, output(proc)[-4000:]
        assert secret not in output(proc)  # no_log held, even with --diff
        assert host.file(f"/srv/{APP}/current/public/release.txt").content_string.strip() == tag
    assert current_release(host) != first
    assert len(releases(host)) == 2
    assert Path(current_release(host)).name in releases(host)
    for n in instances(host):
        env = environ(host, main_pid(host, f"{APP}@{n}.service"))
        assert env["SESSION_SECRET"] == secret
        assert secret not in host.check_output(f"systemctl show {APP}@{n}.service")
    # Rolling: instance n is started again before instance n+1 is stopped.
    events = host.check_output(
        f"journalctl -u '{APP}@*' --since '{since}' --no-pager -o cat | grep -E '^(Stopping|Started) {APP}@'"
    ).splitlines()
    print("\n".join(events))
    stops = [i for i, e in enumerate(events) if e.startswith("Stopping")]
    assert len(stops) == 2 * len(instances(host))
    for i in stops:
        assert events[i + 1].startswith("Started") and events[i + 1].split()[1] == events[i].split()[1]


def test_rollback_returns_to_the_previous_release(host):
    newest = current_release(host)
    others = [r for r in releases(host) if r != Path(newest).name]
    proc = ansible_playbook(
        SCENARIO_DIR / "converge.yml",
        {"express_demo_rollback": True, "deploy_python_demo": False, "app_service_keep_releases": 2},
    )
    assert proc.returncode == 0, output(proc)[-4000:]
    assert Path(current_release(host)).name == others[0]
    assert host.file(f"/srv/{APP}/current/public/release.txt").content_string.strip() == "two"
    for n in instances(host):  # every instance was restarted on it
        assert http_get(host, BASE_PORT + n - 1, "/release.txt")["body"].strip() == "two"


def test_crashing_release_fails_the_play_with_its_output_and_the_previous_release_serves(host):
    before = current_release(host)
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    proc = ansible_playbook(
        SCENARIO_DIR / "converge.yml",
        {
            "express_demo_artifact": str(SCENARIO_DIR / "files" / "crashing-app"),
            "deploy_python_demo": False,
            "app_service_health_retries": 8,
        },
    )
    text = output(proc)
    print(text[-3000:])
    assert proc.returncode != 0
    assert "FATAL crashing-app: cannot open the database, giving up" in text
    assert "did not answer" in text
    # systemd gave up on the crash loop instead of restarting it forever...
    journal = host.check_output(f"journalctl -u {APP}@1.service --since '{since}' --no-pager -o cat")
    assert "Start request repeated too quickly" in journal, journal[-2000:]
    # ...and current is back on the release that worked, serving on every instance.
    assert current_release(host) == before
    for n in instances(host) or [1]:
        wait_healthy(host, BASE_PORT + n - 1, 10)
    assert instances(host) == list(range(1, cpu_count(host) + 1))
