"""Switching releases, and bad input that must stop the play before the host changes.

These run ansible-playbook against the molecule inventory, once (on the archive host's turn).
"""

import copy

import pytest
from conftest import ARCHIVE_HOST, ZERO_SHA, current_release


def _node_version(host) -> str:
    return host.check_output("node --version")


def test_switching_version_is_one_variable(archive_host, host_vars, run_converge, tmp_path):
    selected = host_vars["app_runtime_node_version"]
    other = next(r["version"] for r in host_vars["app_runtime_node_releases"] if r["version"] != selected)
    try:
        rc, out = run_converge(ARCHIVE_HOST, {"app_runtime_node_version": other}, tmp_path)
        assert rc == 0, out
        assert current_release(archive_host) == f"/opt/node/{other}"
        assert _node_version(archive_host) == f"v{other}"
    finally:
        rc, out = run_converge(ARCHIVE_HOST, {}, tmp_path)
    assert rc == 0, out
    assert current_release(archive_host) == f"/opt/node/{selected}"
    assert _node_version(archive_host) == f"v{selected}"


def _with_release(host_vars, release: dict, select: bool = True) -> dict:
    releases = [*copy.deepcopy(host_vars["app_runtime_node_releases"]), release]
    extra = {"app_runtime_node_releases": releases}
    if select:
        extra["app_runtime_node_version"] = release["version"]
    return extra


def test_wrong_checksum_fails_before_anything_changes(archive_host, host_vars, run_converge, tmp_path):
    before = current_release(archive_host)
    src = host_vars["app_runtime_node_releases"][0]["src"]
    bad = {"version": "23.0.0", "src": src, "checksum": f"sha256:{ZERO_SHA}"}
    rc, out = run_converge(ARCHIVE_HOST, _with_release(host_vars, bad), tmp_path)
    assert rc != 0
    assert "app_runtime_node_releases (version 23.0.0): checksum mismatch" in out
    assert current_release(archive_host) == before
    assert not archive_host.file("/opt/node/23.0.0").exists
    assert not archive_host.run("ls -d /opt/node/.staging-*").stdout.strip()


def test_wrong_checksum_for_an_installed_release_keeps_it(archive_host, host_vars, run_converge, tmp_path):
    before = current_release(archive_host)
    releases = copy.deepcopy(host_vars["app_runtime_node_releases"])
    releases[0]["checksum"] = ZERO_SHA
    rc, out = run_converge(ARCHIVE_HOST, {"app_runtime_node_releases": releases}, tmp_path)
    assert rc != 0
    assert f"app_runtime_node_releases (version {releases[0]['version']}): checksum mismatch" in out
    assert current_release(archive_host) == before
    assert _node_version(archive_host) == "v" + host_vars["app_runtime_node_version"]


def test_mislabelled_archive_is_not_switched_to(archive_host, host_vars, run_converge, tmp_path):
    """An archive whose node is not the version it is listed as never gets a versioned directory."""
    before = current_release(archive_host)
    good = host_vars["app_runtime_node_releases"][0]
    liar = {"version": "21.0.0", "src": good["src"], "checksum": good["checksum"]}
    rc, out = run_converge(ARCHIVE_HOST, _with_release(host_vars, liar), tmp_path)
    assert rc != 0
    assert "app_runtime_node_releases (version 21.0.0): the archive's node reports" in out
    assert current_release(archive_host) == before
    assert not archive_host.file("/opt/node/21.0.0").exists
    assert not archive_host.run("ls -d /opt/node/.staging-*").stdout.strip()


@pytest.mark.parametrize(
    ("extra_vars", "variable"),
    [
        ({"app_runtime_kind": "ruby"}, "app_runtime_kind"),
        ({"app_runtime_node_source": "nvm"}, "app_runtime_node_source"),
        ({"app_runtime_node_version": "22.x"}, "app_runtime_node_version"),
        ({"app_runtime_node_version": "v22.11.0"}, "app_runtime_node_version"),
        ({"app_runtime_node_version": "18.0.0"}, "app_runtime_node_version=18.0.0 is not listed"),
    ],
)
def test_bad_settings_are_rejected_naming_the_variable(archive_host, run_converge, tmp_path, extra_vars, variable):
    before = current_release(archive_host)
    rc, out = run_converge(ARCHIVE_HOST, extra_vars, tmp_path)
    assert rc != 0
    assert variable in out
    assert current_release(archive_host) == before


@pytest.mark.parametrize(
    "release",
    [
        {"version": "24.0.0", "src": "/nonexistent.tgz", "checksum": "sha256:abc"},
        {"version": "24.0.0", "src": "relative.tgz", "checksum": ZERO_SHA},
        {"version": "24.0.0", "checksum": ZERO_SHA},
        {"version": "24.0", "url": "https://example.invalid/n.tgz", "checksum": ZERO_SHA},
    ],
)
def test_bad_release_entries_are_rejected_naming_the_variable(archive_host, host_vars, run_converge, tmp_path, release):
    before = current_release(archive_host)
    rc, out = run_converge(ARCHIVE_HOST, _with_release(host_vars, release, select=False), tmp_path)
    assert rc != 0
    index = len(host_vars["app_runtime_node_releases"])
    assert f"app_runtime_node_releases[{index}]" in out
    assert current_release(archive_host) == before
