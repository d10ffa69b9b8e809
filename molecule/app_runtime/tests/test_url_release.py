"""A url release (the host fetches and verifies it) replaces a copy unpacked from another archive.

In its own file so that it runs last: it reinstalls a release twice, the slowest test here.
"""

import copy

from conftest import ARCHIVE_HOST, ZERO_SHA, current_release


def test_url_release_with_another_top_directory(archive_host, host_vars, run_converge, tmp_path):
    """A url release is verified by the host, and replaces a copy unpacked from another archive.

    No download host is named: the url is a file:// archive on the host, repacked from an installed
    release under the top directory name of the official tarballs (node-vX-linux-x64/).
    """
    selected = host_vars["app_runtime_node_version"]
    other = next(r["version"] for r in host_vars["app_runtime_node_releases"] if r["version"] != selected)
    archive = "/var/tmp/node-url.tgz"
    archive_host.check_output(
        f"tar -C /opt/node -czf {archive} --exclude=.app_runtime_release.json "
        f"--transform 's,^{other},node-v{other}-linux-x64,' {other}"
    )
    sha = archive_host.check_output(f"sha256sum {archive}").split()[0]

    def releases(checksum: str) -> list[dict]:
        out = copy.deepcopy(host_vars["app_runtime_node_releases"])
        for index, release in enumerate(out):
            if release["version"] == other:
                out[index] = {"version": other, "url": f"file://{archive}", "checksum": checksum}
        return out

    marker = f"/opt/node/{other}/.app_runtime_release.json"
    try:
        rc, out = run_converge(ARCHIVE_HOST, {"app_runtime_node_releases": releases(ZERO_SHA)}, tmp_path)
        assert rc != 0
        assert f"app_runtime_node_releases (version {other}): could not fetch or verify url" in out
        assert not archive_host.run("ls /var/cache/app_runtime/").stdout.strip()
        assert "file://" not in archive_host.file(marker).content_string

        rc, out = run_converge(ARCHIVE_HOST, {"app_runtime_node_releases": releases(sha)}, tmp_path)
        assert rc == 0, out
        assert f"file://{archive}" in archive_host.file(marker).content_string
        assert archive_host.check_output(f"/opt/node/{other}/bin/node --version") == f"v{other}"
        assert archive_host.file(f"/var/cache/app_runtime/node-{other}-{sha[:12]}.archive").exists
        assert current_release(archive_host) == f"/opt/node/{selected}"
    finally:
        rc, out = run_converge(ARCHIVE_HOST, {}, tmp_path)
        archive_host.run(f"rm -rf {archive} /var/cache/app_runtime")
    assert rc == 0, out
    assert "file://" not in archive_host.file(marker).content_string
