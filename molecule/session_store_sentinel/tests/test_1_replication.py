"""Replication and authentication of the three-node group before any failover."""

import json
import uuid

from conftest import MASTER, NAMES, VARS
from redis_helpers import cli, wait_for


def test_sentinels_agree_on_one_primary_and_the_others_replicate_it(cluster):
    # On a fresh group that is session-store-sentinel-1 (the bootstrap primary); test_3 moves it.
    primaries = {cluster.primary_seen_by(name) for name in NAMES}
    assert len(primaries) == 1
    primary = primaries.pop()
    assert cluster.role(primary)[0] == "master"
    for name in NAMES:
        if name != primary:
            assert cluster.role(name)[:2] == ["slave", cluster.ip[primary]]


def test_sentinels_know_each_other_and_the_replicas(cluster):
    for name in NAMES:
        info = dict(zip(*[iter(cluster.sentinel(name, "SENTINEL", "master", MASTER).stdout.split())] * 2, strict=False))
        assert info["num-other-sentinels"] == "2", info
        assert info["num-slaves"] == "2", info
        assert info["quorum"] == "2"


def test_writes_on_the_primary_appear_on_the_replicas(cluster):
    primary = cluster.primary_seen_by(NAMES[0])
    key, value = f"sess:{uuid.uuid4()}", uuid.uuid4().hex
    assert cluster.redis(primary, "SET", key, value, "EX", "600", user="sessions").stdout.strip() == "OK"
    for name in NAMES:
        if name == primary:
            continue
        seen, _ = wait_for(lambda n=name: cluster.redis(n, "GET", key, user="sessions").stdout.strip() == value, 10)
        assert seen, name
        # Replicas are read-only, even for the admin.
        assert "READONLY" in cluster.redis(name, "SET", key, "x").stdout


def test_replicas_are_authenticated_links(cluster):
    primary = cluster.primary_seen_by(NAMES[0])
    info = cluster.redis(primary, "INFO", "replication").stdout
    assert "connected_slaves:2" in info
    for name in NAMES:
        if name != primary:
            assert "master_link_status:up" in cluster.redis(name, "INFO", "replication").stdout
    # The replication user can replicate and nothing else.
    out = cli(
        cluster.hosts[primary],
        "GET",
        "sess:x",
        user="replicator",
        password=VARS["session_store_replication_password"],
    )
    assert "NOPERM" in out.stdout + out.stderr


def test_sentinels_require_a_password(cluster):
    for name in NAMES:
        out = cli(cluster.hosts[name], "PING", port=26379)
        assert "NOAUTH" in out.stdout + out.stderr
        assert cluster.sentinel(name, "PING").stdout.strip() == "PONG"


def test_default_user_has_the_requirepass_password_and_no_dangerous_commands(cluster):
    primary = cluster.primary_seen_by(NAMES[0])
    assert "NOAUTH" in "".join(cli(cluster.hosts[primary], "PING").stdout.split())
    assert cluster.redis(primary, "SET", "legacy:1", "v", "EX", "60", user="default").stdout.strip() == "OK"
    for command in (["FLUSHALL"], ["CONFIG", "GET", "dir"], ["KEYS", "*"]):
        assert "NOPERM" in cluster.redis(primary, *command, user="default").stdout, command


def test_app_user_is_refused_dangerous_commands_on_every_node(cluster):
    for name in NAMES:
        for command in (["FLUSHALL"], ["CONFIG", "GET", "dir"], ["KEYS", "*"], ["GET", "other:1"]):
            assert "NOPERM" in cluster.redis(name, *command, user="sessions").stdout, (name, command)


def test_connection_fact_names_the_sentinels_and_no_password(cluster):
    sentinels = sorted(f"{ip}:26379" for ip in cluster.ip.values())
    for name in NAMES:
        raw = cluster.hosts[name].file("/root/session_store_connection.json").content_string
        fact = json.loads(raw)
        assert fact["mode"] == "sentinel"
        assert fact["master_name"] == MASTER
        assert sorted(fact["sentinels"]) == sentinels
        assert (fact["host"], fact["port"], fact["username"], fact["tls"]) == (
            cluster.ip[name],
            6379,
            "sessions",
            False,
        )
        assert fact["url"] == f"redis://sessions@{cluster.ip[name]}:6379/0"
        for key, value in VARS.items():
            if key.endswith(("password", "requirepass")):
                assert value not in raw, key


def test_files_redis_and_sentinel_rewrite_stay_private(cluster):
    # Sentinel has rewritten sentinel.conf (and redis.conf on replicas) by now: modes must hold.
    for name in NAMES:
        for path in (
            "/etc/redis/redis.conf",
            "/etc/redis/redis.d/session-store.conf",
            "/etc/redis/users.acl",
            "/etc/redis/sentinel.conf",
            "/etc/redis/sentinel.d/session-store.conf",
            "/etc/redis/sentinel-users.acl",
        ):
            f = cluster.hosts[name].file(path)
            assert (f.user, f.group, f.mode) == ("redis", "redis", 0o640), (name, path, oct(f.mode))


def test_maxmemory_is_the_configured_fraction_of_ram(cluster):
    for name in NAMES:
        total_kb = int(cluster.hosts[name].check_output("awk '/^MemTotal/ {print $2}' /proc/meminfo"))
        maxmemory = int(cluster.redis(name, "CONFIG", "GET", "maxmemory").stdout.split()[1])
        expected = int(total_kb / 1024 * VARS["session_store_maxmemory_ratio"]) * 1024 * 1024
        assert abs(maxmemory - expected) <= 2 * 1024 * 1024, (maxmemory, expected)
