"""Access control, network exposure and hardening of the single session store."""

import json
import pathlib
import re
import uuid

import pytest
from redis_helpers import cli, load_vars, node

VARS = load_vars(pathlib.Path(__file__).resolve().parents[1])
ADMIN = ("admin", VARS["session_store_admin_password"])
APP = ("sessions", VARS["session_store_app_password"])
PASSWORDS = (ADMIN[1], APP[1])


@pytest.fixture(scope="module")
def redis():
    return node("session-store-1")


@pytest.fixture(scope="module")
def ip(redis):
    return redis.check_output("hostname -I").split()[0]


def test_unauthenticated_ping_gets_noauth(redis, ip):
    for addr in ("127.0.0.1", ip):
        out = cli(redis, "PING", addr=addr)
        assert "NOAUTH" in out.stdout + out.stderr


def test_default_user_is_disabled(redis):
    out = cli(redis, "PING", user="default", password=uuid.uuid4().hex)
    assert "PONG" not in out.stdout
    assert "WRONGPASS" in out.stdout + out.stderr


def test_wrong_app_password_is_refused(redis):
    out = cli(redis, "PING", user=APP[0], password=APP[1] + "x")
    assert "WRONGPASS" in out.stdout + out.stderr


def test_app_user_can_set_get_and_expire_sessions(redis):
    key = f"sess:{uuid.uuid4()}"
    assert cli(redis, "SET", key, '{"cookie":{}}', "EX", "60", user=APP[0], password=APP[1]).stdout.strip() == "OK"
    assert cli(redis, "GET", key, user=APP[0], password=APP[1]).stdout.strip() == '{"cookie":{}}'
    assert cli(redis, "EXPIRE", key, "600", user=APP[0], password=APP[1]).stdout.strip() == "1"
    ttl = int(cli(redis, "TTL", key, user=APP[0], password=APP[1]).stdout.strip())
    assert 500 < ttl <= 600
    assert cli(redis, "DEL", key, user=APP[0], password=APP[1]).stdout.strip() == "1"


@pytest.mark.parametrize(
    "command",
    [
        ["FLUSHALL"],
        ["FLUSHDB"],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "1"],
        ["KEYS", "*"],
        ["DEBUG", "SLEEP", "0"],
        ["SHUTDOWN", "NOSAVE"],
        ["ACL", "LIST"],
        ["SCAN", "0"],
        ["EVAL", "return 1", "0"],
        ["REPLICAOF", "NO", "ONE"],
        ["MONITOR"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_app_user_is_refused_dangerous_commands(redis, command):
    out = cli(redis, *command, user=APP[0], password=APP[1], extra=("-e",))
    assert out.rc != 0
    # DEBUG is off for everyone (enable-debug-command no); the rest hits the app user's ACL.
    refusal = "not allowed" if command[0] == "DEBUG" else "NOPERM"
    assert refusal in out.stdout + out.stderr


@pytest.mark.parametrize("key", ["other:1", "session:1", "sess", "user:42"])
def test_app_user_is_refused_keys_outside_its_pattern(redis, key):
    for command in (["SET", key, "x"], ["GET", key]):
        out = cli(redis, *command, user=APP[0], password=APP[1], extra=("-e",))
        assert "NOPERM" in out.stdout + out.stderr, command


def test_admin_user_may_run_admin_commands(redis):
    # The refusals above are the app user's, not a broken server.
    assert cli(redis, "CONFIG", "GET", "maxmemory", user=ADMIN[0], password=ADMIN[1]).stdout.split() == [
        "maxmemory",
        str(64 * 1024 * 1024),
    ]
    assert cli(redis, "CONFIG", "GET", "maxmemory-policy", user=ADMIN[0], password=ADMIN[1]).stdout.split()[1] == (
        "volatile-ttl"
    )
    assert cli(redis, "CONFIG", "GET", "protected-mode", user=ADMIN[0], password=ADMIN[1]).stdout.split()[1] == "yes"


def test_listens_only_where_told(redis, ip):
    uid = redis.check_output("id -u redis")
    listening = set()
    for line in redis.check_output("ss -Hltne").splitlines():
        fields = line.split()
        if f"uid:{uid}" in line:
            listening.add(fields[3])
    expected = {f"{addr}:{port}" for addr in ("127.0.0.1", ip) for port in (6379, 6380)}
    assert listening == expected


def test_tls_listener_serves_verified_clients(redis, ip):
    tls = ("--tls", "--cacert", "/root/tls/ca.crt")
    out = cli(redis, "PING", addr=ip, port=6380, user=APP[0], password=APP[1], extra=tls)
    assert out.stdout.strip() == "PONG", out.stderr
    # The TLS port does not speak plain text.
    plain = cli(redis, "PING", addr=ip, port=6380, user=APP[0], password=APP[1])
    assert "PONG" not in plain.stdout


def test_configuration_files_are_private(redis):
    for path in (
        "/etc/redis/redis.conf",
        "/etc/redis/redis.d/session-store.conf",
        "/etc/redis/users.acl",
        "/etc/redis/tls/server.crt",
    ):
        f = redis.file(path)
        assert (f.user, f.group, f.mode) == ("redis", "redis", 0o640), path
    key = redis.file("/etc/redis/tls/server.key")
    assert (key.user, key.mode) == ("redis", 0o600)


def test_passwords_are_not_stored_or_shown_in_clear(redis):
    acl = redis.file("/etc/redis/users.acl").content_string
    pid = redis.check_output("systemctl show -p MainPID --value redis-server")
    cmdline = redis.file(f"/proc/{pid}/cmdline").content_string
    journal = redis.check_output("journalctl --no-pager -o cat")
    for password in PASSWORDS:
        assert password not in acl
        assert password not in cmdline
        assert password not in journal


def test_unit_is_hardened_and_enabled(redis):
    assert redis.service("redis-server").is_enabled
    assert redis.service("redis-server").is_running
    props = dict(
        line.split("=", 1)
        for line in redis.check_output(
            "systemctl show redis-server -p NoNewPrivileges -p ProtectSystem -p PrivateTmp -p PrivateDevices "
            "-p ProtectHome -p CapabilityBoundingSet -p RestrictNamespaces -p MemoryDenyWriteExecute -p UMask "
            "-p PrivateUsers"
        ).splitlines()
    )
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectSystem"] == "strict"
    assert props["PrivateTmp"] == props["PrivateDevices"] == props["MemoryDenyWriteExecute"] == "yes"
    assert props["ProtectHome"] == "yes"
    assert props["CapabilityBoundingSet"] == ""
    assert props["UMask"] == "0027"
    # The one container relaxation (see the role README).
    assert props["PrivateUsers"] == "no"
    user = redis.check_output("ps -o user= -p $(systemctl show -p MainPID --value redis-server)")
    assert user == "redis"
    summary = redis.check_output("systemd-analyze security redis-server.service --no-pager | tail -1")
    print(f"\n{summary}")
    exposure = float(re.search(r"exposure level for redis-server.service: ([0-9.]+)", summary).group(1))
    assert exposure <= 2.0, summary


def test_persistence_is_configured(redis):
    def get(name):
        return cli(redis, "CONFIG", "GET", name, user=ADMIN[0], password=ADMIN[1]).stdout.splitlines()[1]

    assert get("appendonly") == "yes"
    assert get("appendfsync") == "everysec"
    assert get("dir") == "/var/lib/redis"
    assert get("save") == "3600 1 300 100 60 10000"


def test_connection_fact_is_published_without_a_password(redis, ip):
    raw = redis.file("/root/session_store_connection.json").content_string
    fact = json.loads(raw)
    assert fact["mode"] == "standalone"
    assert (fact["host"], fact["port"], fact["username"]) == (ip, 6379, "sessions")
    assert (fact["tls"], fact["tls_port"]) == (True, 6380)
    assert fact["url"] == f"rediss://sessions@{ip}:6380/0"
    assert fact["key_prefix"] == "sess:"
    assert fact["sentinels"] == []
    for password in PASSWORDS:
        assert password not in raw
    # The URL works once the app adds its password, over TLS with the CA.
    out = cli(
        redis,
        "SET",
        "sess:fact",
        "1",
        "EX",
        "10",
        addr=ip,
        port=6380,
        user="sessions",
        password=APP[1],
        extra=("--tls", "--cacert", "/root/tls/ca.crt"),
    )
    assert out.stdout.strip() == "OK"
