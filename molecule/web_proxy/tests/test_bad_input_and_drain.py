"""web_proxy safe changes: bad input stops the play before any change; a broken directive never goes live.

Each case runs the scenario's converge playbook with ansible-playbook against the molecule inventory,
overriding one variable with --extra-vars.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PROXY, spread, wait_for_all_instances

SCENARIO = Path(__file__).resolve().parent.parent
PROJECT = SCENARIO.parent.parent
LIVE_FILES = "/etc/nginx/nginx.conf /etc/nginx/web_proxy/*.conf"


def inventory() -> str:
    for var in ("MOLECULE_INVENTORY_FILE",):
        if os.environ.get(var):
            return os.environ[var]
    ephemeral = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if ephemeral:
        return str(Path(ephemeral) / "inventory")
    pytest.fail("run through molecule verify (no molecule inventory in the environment)")
    return ""


def converge(extra_vars: dict) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(PROJECT / ".ansible" / "collections"),
        "ANSIBLE_ROLES_PATH": str(PROJECT / "roles"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    playbook = Path(sys.executable).with_name("ansible-playbook")
    return subprocess.run(
        [str(playbook), "-i", inventory(), str(SCENARIO / "converge.yml"), "--extra-vars", json.dumps(extra_vars)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def live_state() -> tuple[str, str]:
    digest = PROXY.check_output(f"cat {LIVE_FILES} | sha256sum")
    master = PROXY.check_output("systemctl show -p MainPID --value nginx.service")
    return digest, master


def proxy_changed(output: str) -> int:
    for line in output.splitlines():
        if line.startswith("web-proxy-proxy") and "changed=" in line:
            return int(line.split("changed=")[1].split()[0])
    raise AssertionError("no recap for web-proxy-proxy:\n" + output[-3000:])


BAD_INPUT = {
    "empty upstream list": ({"web_proxy_upstreams": []}, ["web_proxy_upstreams"]),
    "unknown balancing method": (
        {"web_proxy_upstreams": [{"name": "app", "method": "fastest", "servers": ["127.0.0.1:3001"]}]},
        ["web_proxy_upstreams", "fastest"],
    ),
    "unparsable cache size": ({"web_proxy_cache_max_size": "lots"}, ["web_proxy_cache_max_size", "lots"]),
    "relative static root": (
        {"web_proxy_static_locations": [{"path": "/static/", "root": "srv/app/current/public"}]},
        ["web_proxy_static_locations", "absolute"],
    ),
    "unknown upstream host in a group": (
        {"web_proxy_upstreams": [{"name": "app", "groups": ["web_proxy"]}]},
        ["web_proxy_upstreams", "app_service_endpoints"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_fails_before_any_change(case):
    extra_vars, words = BAD_INPUT[case]
    before = live_state()
    result = converge(extra_vars)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    for word in words:
        assert word in output, f"{word!r} not in the failure:\n{output[-3000:]}"
    assert proxy_changed(result.stdout) == 0
    assert live_state() == before
    assert spread(count=3)  # still serving


def test_invalid_extra_directive_fails_at_nginx_check_and_old_config_keeps_serving():
    before = live_state()
    result = converge({"web_proxy_http_extra_config": "no_such_directive on;"})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Check the candidate configuration with nginx -t" in output
    assert "unknown directive" in output
    assert "no_such_directive" in output
    assert live_state() == before
    assert "no_such_directive" not in PROXY.check_output(f"cat {LIVE_FILES}")
    assert PROXY.run("nginx -t").rc == 0
    assert len(spread(count=6)) == 6


def test_draining_takes_one_instance_out_and_puts_it_back():
    app_ip = PROXY.check_output("getent hosts web-proxy-app | cut -d' ' -f1")
    drained = f"{app_ip}:3002"
    try:
        result = converge({"web_proxy_drained_servers": [drained]})
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        assert f"server {drained} max_fails=1 fail_timeout=5s down;" in PROXY.check_output(
            "cat /etc/nginx/web_proxy/upstreams.conf"
        )
        ids = spread(count=20)
        assert len(ids) == 20
        assert set(ids) == {"web-proxy-app:3001", "web-proxy-app:3003"}
    finally:
        result = converge({})
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    wait_for_all_instances()
    assert len(set(spread(count=20))) == 3
