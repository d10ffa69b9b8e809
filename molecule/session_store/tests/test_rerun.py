"""A later converge changes nothing and never prints a password, even verbose."""

import pathlib
import re

from redis_helpers import load_vars, run_playbook

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
VARS = load_vars(SCENARIO)


def test_verbose_rerun_changes_nothing_and_logs_no_password():
    result = run_playbook(SCENARIO / "converge.yml", {}, "all", "-vv", "--diff")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert re.search(r"changed=0\s", output), output[-3000:]
    secrets = [v for k, v in VARS.items() if k.endswith("password")]
    assert secrets
    for secret in secrets:
        assert secret not in output
