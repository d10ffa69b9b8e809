"""Bad input stops the real play before anything on the host changes, naming the variable at fault."""

import concurrent.futures
import pathlib
import re

import pytest
from redis_helpers import checksums, main_pid, node, run_playbook

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
SENTINEL_PASSWORDS = {
    "session_store_replication_password": "bad-input-repl-123",
    "session_store_sentinel_acl_password": "bad-input-sentinel-123",
    "session_store_sentinel_password": "bad-input-sentinel-456",
}

CASES = {
    "missing app password": ({"session_store_app_password": ""}, "session_store_app_password"),
    "missing admin password": ({"session_store_admin_password": "short"}, "session_store_admin_password"),
    "port out of range": ({"session_store_port": 70000}, "session_store_port"),
    "port not a number": ({"session_store_port": "redis"}, "session_store_port"),
    "unknown maxmemory policy": ({"session_store_maxmemory_policy": "evict-oldest"}, "session_store_maxmemory_policy"),
    "quorum above sentinel count": (
        {"session_store_mode": "sentinel", "session_store_sentinel_quorum": 2, **SENTINEL_PASSWORDS},
        "session_store_sentinel_quorum",
    ),
}


@pytest.fixture(scope="module")
def runs():
    """Run every case against the real converge play (in parallel: each run is mostly start-up)."""
    redis = node("session-store-1")
    before, pid_before = checksums(redis), main_pid(redis)
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            case: pool.submit(run_playbook, SCENARIO / "converge.yml", extra_vars, "session-store-1")
            for case, (extra_vars, _) in CASES.items()
        }
        results = {case: future.result() for case, future in futures.items()}
    return results, (before, checksums(redis)), (pid_before, main_pid(redis))


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_rejected_naming_the_variable(runs, case):
    results, _, _ = runs
    variable = CASES[case][1]
    output = results[case].stdout + results[case].stderr
    assert results[case].returncode != 0, output
    assert variable in output, output
    assert re.search(r"changed=0\s", output), output


def test_rejected_runs_left_the_host_untouched(runs):
    _, (before, after), (pid_before, pid_after) = runs
    assert after == before
    assert pid_after == pid_before
