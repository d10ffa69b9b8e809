"""Shared fixtures of the Sentinel scenario; helpers come from the single-node scenario."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "session_store" / "tests"))

from redis_helpers import cli, load_vars, node

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
VARS = load_vars(SCENARIO)
NAMES = ("session-store-sentinel-1", "session-store-sentinel-2", "session-store-sentinel-3")
MASTER = "sessions"


class Cluster:
    """The three nodes, addressed by IP as Sentinel reports them."""

    def __init__(self):
        self.hosts = {name: node(name) for name in NAMES}
        self.ip = {name: h.check_output("hostname -I").split()[0] for name, h in self.hosts.items()}
        self.name_of = {ip: name for name, ip in self.ip.items()}

    def redis(self, name, *args, user="admin", **kw):
        password = {
            "admin": VARS["session_store_admin_password"],
            "sessions": VARS["session_store_app_password"],
            "default": VARS["session_store_requirepass"],
        }[user]
        return cli(self.hosts[name], *args, user=user, password=password, **kw)

    def sentinel(self, name, *args):
        return cli(self.hosts[name], *args, port=26379, password=VARS["session_store_sentinel_password"])

    def primary_seen_by(self, name) -> str | None:
        lines = self.sentinel(name, "SENTINEL", "get-master-addr-by-name", MASTER).stdout.split()
        return self.name_of.get(lines[0]) if len(lines) == 2 else None

    def role(self, name) -> list[str]:
        return self.redis(name, "ROLE").stdout.split()


@pytest.fixture(scope="session")
def cluster():
    return Cluster()
