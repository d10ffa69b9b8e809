"""Helpers shared by the app_runtime tests."""

import json
import os
import subprocess
from pathlib import Path

import pytest

SCENARIO_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = SCENARIO_DIR.parent.parent
CONVERGE = SCENARIO_DIR / "converge.yml"
ARCHIVE_HOST = "app-runtime-archive"
ZERO_SHA = "0" * 64


def current_release(host) -> str:
    """Where the stable path /opt/node/current points."""
    return host.file("/opt/node/current").linked_to


@pytest.fixture
def archive_host(host):
    """The archive host; tests that run ansible-playbook use it so that they run only once."""
    if host.backend.get_hostname() != ARCHIVE_HOST:
        pytest.skip("runs once, against the archive host")
    return host


@pytest.fixture
def host_vars(host) -> dict:
    """The inventory variables of the host under test (the role's input)."""
    return host.ansible.get_variables()


@pytest.fixture
def published(host) -> dict:
    """The app_runtime_facts the role published, as converge.yml recorded them."""
    return json.loads(host.file("/root/app_runtime_facts.json").content_string)


@pytest.fixture
def run_converge():
    """Run converge.yml against the molecule inventory with extra vars; return (rc, output)."""

    def _run(limit: str, extra_vars: dict, tmp_path: Path) -> tuple[int, str]:
        inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
        if not inventory:
            pytest.skip("needs the molecule inventory (run through molecule verify)")
        extra = tmp_path / "extra_vars.json"
        extra.write_text(json.dumps(extra_vars))
        # The checkout, never a copy installed elsewhere, provides the collection under test.
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(PROJECT_DIR / ".ansible" / "collections"),
            ANSIBLE_ROLES_PATH=str(PROJECT_DIR / "roles"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
        )
        proc = subprocess.run(
            [
                "ansible-playbook",
                "--inventory",
                str(Path(inventory).parent),
                "--limit",
                limit,
                "--extra-vars",
                f"@{extra}",
                str(CONVERGE),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr

    return _run
