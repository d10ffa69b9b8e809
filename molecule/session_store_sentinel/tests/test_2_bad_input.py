"""Bad input stops the real play before anything on the hosts changes, naming the variable at fault."""

import concurrent.futures
import re

import pytest
from conftest import NAMES, SCENARIO
from redis_helpers import checksums, main_pid, node, run_playbook

CASES = {
    "missing replication password": ({"session_store_replication_password": ""}, "session_store_replication_password"),
    "missing app password": ({"session_store_app_password": ""}, "session_store_app_password"),
    "port out of range": ({"session_store_sentinel_port": 0}, "session_store_sentinel_port"),
    "unknown maxmemory policy": ({"session_store_maxmemory_policy": "lru"}, "session_store_maxmemory_policy"),
    "quorum above sentinel count": ({"session_store_sentinel_quorum": 4}, "session_store_sentinel_quorum"),
}
WATCHED = (
    "/etc/redis/sentinel.conf",
    "/etc/redis/sentinel.d/session-store.conf",
    "/etc/redis/sentinel-users.acl",
)


def _state():
    hosts = [node(name) for name in NAMES]
    return [(checksums(h), checksums(h, WATCHED), main_pid(h), main_pid(h, "redis-sentinel.service")) for h in hosts]


@pytest.fixture(scope="module")
def runs():
    before = _state()
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            case: pool.submit(run_playbook, SCENARIO / "converge.yml", extra_vars, "all")
            for case, (extra_vars, _) in CASES.items()
        }
        results = {case: future.result() for case, future in futures.items()}
    return results, before, _state()


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_rejected_naming_the_variable(runs, case):
    results, _, _ = runs
    variable = CASES[case][1]
    output = results[case].stdout + results[case].stderr
    assert results[case].returncode != 0, output
    assert variable in output, output
    assert len(re.findall(r"changed=0\s", output)) == len(NAMES), output


def test_rejected_runs_left_the_hosts_untouched(runs):
    _, before, after = runs
    assert after == before
