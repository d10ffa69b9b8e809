"""Helpers shared by the session_store scenarios: redis-cli in the containers, ansible-playbook runs."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shlex
import subprocess
import time

import testinfra
import yaml

# Files the role writes; a rejected run must leave all of them untouched.
WATCHED_FILES = (
    "/etc/redis/redis.conf",
    "/etc/redis/redis.d/session-store.conf",
    "/etc/redis/users.acl",
    "/etc/systemd/system/redis-server.service.d/session-store.conf",
)


def load_vars(scenario_dir: pathlib.Path) -> dict:
    """The scenario's vars/scenario.yml, the single source of the test passwords."""
    return yaml.safe_load((scenario_dir / "vars" / "scenario.yml").read_text())


def node(name: str):
    """A testinfra host on a scenario container (docker exec: fast enough to time a failover)."""
    return testinfra.get_host(f"docker://{name}")


def cli(  # noqa: PLR0913 - keyword-only options of one redis-cli call
    host,
    *args: str,
    port: int = 6379,
    addr: str = "127.0.0.1",
    user: str | None = None,
    password: str | None = None,
    extra: tuple[str, ...] = (),
    stdin: str | None = None,
):
    """Run redis-cli in the container. The password travels in REDISCLI_AUTH, not on the command line."""
    env = f"REDISCLI_AUTH={shlex.quote(password)} " if password else ""
    auth = ["--user", user] if user else []
    cmd = shlex.join(["redis-cli", "-h", addr, "-p", str(port), *auth, "--no-auth-warning", "--raw", *extra, *args])
    if stdin is not None:
        cmd = f"printf %s {shlex.quote(stdin)} | {env}{cmd}"
    else:
        cmd = f"{env}{cmd}"
    return host.run(cmd)


def wait_for(predicate, timeout: float, interval: float = 0.25):
    """Poll until predicate() is truthy; return (value, seconds waited) or (None, timeout)."""
    start = time.monotonic()
    while True:
        value = predicate()
        elapsed = time.monotonic() - start
        if value:
            return value, elapsed
        if elapsed > timeout:
            return None, elapsed
        time.sleep(interval)


def checksums(host, paths=WATCHED_FILES) -> dict[str, str]:
    out = {}
    for path in paths:
        f = host.file(path)
        out[path] = f.sha256sum if f.exists else "absent"
    return out


def main_pid(host, unit: str = "redis-server.service") -> str:
    return host.check_output(f"systemctl show -p MainPID --value {unit}")


def run_playbook(playbook: pathlib.Path, extra_vars: dict, limit: str, *options: str) -> subprocess.CompletedProcess:
    """ansible-playbook against molecule's inventory, with molecule's ansible.cfg and collection path."""
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    argv = ["ansible-playbook", "-i", inventory, "--limit", limit, *options, str(playbook)]
    if extra_vars:
        argv[1:1] = ["-e", json.dumps(extra_vars)]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
