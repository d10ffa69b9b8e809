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


def _quorums(cluster) -> set[str]:
    out = set()
    for name in NAMES:
        fields = cluster.sentinel(name, "SENTINEL", "master", "sessions").stdout.split()
        out.add(dict(zip(fields[::2], fields[1::2], strict=False))["quorum"])
    return out


def test_a_new_quorum_is_applied_live_and_only_once(cluster):
    assert _quorums(cluster) == {"2"}
    try:
        changed = run_playbook(
            SCENARIO / "converge.yml", {"session_store_sentinel_quorum": 3}, "all", "--tags", "session_store_service"
        )
        assert changed.returncode == 0, changed.stdout[-3000:]
        assert len(re.findall(r"changed=1\s", changed.stdout)) == len(NAMES), changed.stdout[-3000:]
        assert _quorums(cluster) == {"3"}
    finally:
        back = run_playbook(SCENARIO / "converge.yml", {}, "all", "--tags", "session_store_service")
    assert back.returncode == 0, back.stdout[-3000:]
    assert _quorums(cluster) == {"2"}
