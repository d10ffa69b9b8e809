"""Sessions survive a service restart and a restart of the whole container."""

import pathlib
import subprocess
import uuid

import pytest
from redis_helpers import cli, load_vars, node, wait_for

VARS = load_vars(pathlib.Path(__file__).resolve().parents[1])
APP = ("sessions", VARS["session_store_app_password"])
CONTAINER = "session-store-1"


@pytest.fixture(scope="module")
def redis():
    return node(CONTAINER)


def _get(redis, key):
    return cli(redis, "GET", key, user=APP[0], password=APP[1]).stdout.strip()


def _write(redis) -> tuple[str, str]:
    key, value = f"sess:persist-{uuid.uuid4()}", uuid.uuid4().hex
    assert cli(redis, "SET", key, value, "EX", "3600", user=APP[0], password=APP[1]).stdout.strip() == "OK"
    return key, value


def _wait_ready(redis, timeout=60):
    ok, _ = wait_for(lambda: cli(redis, "PING", user=APP[0], password=APP[1]).stdout.strip() == "PONG", timeout)
    assert ok, "redis did not come back"


def test_key_survives_service_restart(redis):
    key, value = _write(redis)
    pid = redis.check_output("systemctl show -p MainPID --value redis-server")
    redis.run_test("systemctl restart redis-server")
    _wait_ready(redis)
    assert redis.check_output("systemctl show -p MainPID --value redis-server") != pid
    assert _get(redis, key) == value


def test_key_survives_container_restart(redis):
    key, value = _write(redis)
    subprocess.run(["docker", "restart", "--time", "20", CONTAINER], check=True, capture_output=True, timeout=120)
    fresh = node(CONTAINER)
    _wait_ready(fresh, timeout=90)
    assert fresh.service("redis-server").is_enabled
    assert _get(fresh, key) == value
