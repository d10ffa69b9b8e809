"""Stop the primary: a replica takes over within 30 s, no acknowledged key is lost, the old primary
rejoins as a replica. The steps share one failover (module fixture) and run in file order."""

import time
import uuid

import pytest
from conftest import NAMES
from redis_helpers import wait_for

FAILOVER_LIMIT_S = 30
ACKED_KEYS = 300


def _write_acknowledged(cluster, primary: str, prefix: str, count: int) -> dict[str, str]:
    """Write session keys on the primary in one connection and WAIT until both replicas have them."""
    keys = {f"sess:{prefix}-{i}": uuid.uuid4().hex for i in range(count)}
    script = "".join(f"SET {k} {v} EX 3600\n" for k, v in keys.items()) + "WAIT 2 5000\n"
    out = cluster.redis(primary, stdin=script).stdout.split()
    assert out[:-1] == ["OK"] * count
    assert out[-1] == "2", "the replicas did not acknowledge the writes"
    return keys


def _present(cluster, name: str, keys: dict[str, str]) -> int:
    names = list(keys)
    values = cluster.redis(name, "MGET", *names, user="sessions").stdout.split("\n")
    return sum(1 for k, v in zip(names, values, strict=False) if v == keys[k])


@pytest.fixture(scope="module")
def failover(cluster):
    old = cluster.primary_seen_by(NAMES[1])
    assert old is not None
    observer = next(n for n in NAMES if n != old)
    acked = _write_acknowledged(cluster, old, f"ha-{uuid.uuid4().hex[:8]}", ACKED_KEYS)

    start = time.monotonic()
    cluster.hosts[old].run_test("systemctl stop redis-server")

    def promoted():
        new = cluster.primary_seen_by(observer)
        return new if new not in (None, old) and cluster.role(new)[:1] == ["master"] else None

    new, _ = wait_for(promoted, FAILOVER_LIMIT_S + 15, interval=0.2)
    elapsed = time.monotonic() - start
    print(f"\nFAILOVER: {old} stopped, {new} promoted after {elapsed:.1f} s (limit {FAILOVER_LIMIT_S} s)")
    return {"old": old, "new": new, "elapsed": elapsed, "acked": acked, "observer": observer}


def test_a_replica_is_promoted_within_30_seconds(failover):
    assert failover["new"] is not None, "no replica was promoted"
    assert failover["elapsed"] < FAILOVER_LIMIT_S


def test_the_sentinels_agree_on_the_new_primary(cluster, failover):
    agreed, _ = wait_for(lambda: {cluster.primary_seen_by(n) for n in NAMES} == {failover["new"]}, 15)
    assert agreed, {n: cluster.primary_seen_by(n) for n in NAMES}


def test_no_acknowledged_key_is_lost(cluster, failover):
    assert _present(cluster, failover["new"], failover["acked"]) == ACKED_KEYS


def test_the_remaining_replica_follows_the_new_primary(cluster, failover):
    other = next(n for n in NAMES if n not in (failover["old"], failover["new"]))

    def follows():
        info = cluster.redis(other, "INFO", "replication").stdout
        return f"master_host:{cluster.ip[failover['new']]}" in info and "master_link_status:up" in info

    assert wait_for(follows, 20)[0]


def test_the_old_primary_rejoins_as_a_replica(cluster, failover):
    old, new = failover["old"], failover["new"]
    cluster.hosts[old].run_test("systemctl start redis-server")

    def rejoined():
        info = cluster.redis(old, "INFO", "replication").stdout
        return "role:slave" in info and f"master_host:{cluster.ip[new]}" in info and "master_link_status:up" in info

    ok, elapsed = wait_for(rejoined, 60, interval=0.5)
    print(f"\nREJOIN: {old} replicates from {new} after {elapsed:.1f} s")
    assert ok, cluster.redis(old, "INFO", "replication").stdout
    # It has everything: the keys from before the failover and a key written on the new primary.
    late = _write_acknowledged(cluster, new, "after-failover", 5)
    assert _present(cluster, old, failover["acked"]) == ACKED_KEYS
    assert _present(cluster, old, late) == len(late)
    # Sentinel recorded the new role in the file Redis owns; the role's marker survived the rewrite.
    runtime = cluster.hosts[old].file("/etc/redis/redis.conf").content_string
    assert f"replicaof {cluster.ip[new]} 6379" in runtime
    assert runtime.startswith("# prodready.webstack.session_store runtime file")
