"""A converge after the failover changes nothing and does not fight Sentinel (runs last)."""

import re

from conftest import NAMES, SCENARIO, VARS
from redis_helpers import main_pid, run_playbook


def test_converge_after_failover_changes_nothing(cluster):
    primary = cluster.primary_seen_by(NAMES[0])
    pids = {n: main_pid(cluster.hosts[n]) for n in NAMES}
    result = run_playbook(SCENARIO / "converge.yml", {}, "all", "-v")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert len(re.findall(r"changed=0\s", output)) == len(NAMES), output[-3000:]
    for key, value in VARS.items():
        if "password" in key or key.endswith("requirepass"):
            assert value not in output, key
    assert {cluster.primary_seen_by(n) for n in NAMES} == {primary}
    assert {n: main_pid(cluster.hosts[n]) for n in NAMES} == pids
