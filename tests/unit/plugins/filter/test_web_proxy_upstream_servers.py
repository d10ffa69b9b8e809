# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the web_proxy_upstream_servers filter."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.prodready.webstack.plugins.filter import web_proxy_upstream_servers as module
from ansible_collections.prodready.webstack.plugins.filter.web_proxy_upstream_servers import (
    FilterModule,
    web_proxy_upstream_servers,
)

HOSTVARS = {
    "app1": {
        "app_service_endpoints": [
            {"app": "demo", "host": "10.0.0.1", "port": 3001, "instance": 1},
            {"app": "demo", "host": "10.0.0.1", "port": 3002, "instance": 2},
            {"app": "other", "host": "10.0.0.1", "port": 4001, "instance": 1},
        ]
    },
    "app2": {"app_service_endpoints": [{"app": "demo", "host": "10.0.0.2", "port": 3001, "instance": 1}]},
    "bare": {},
}
GROUPS = {"app": ["app1", "app2"], "bare": ["bare"], "all": ["app1", "app2", "bare"]}


def addresses(servers):
    return [s["address"] for s in servers]


def test_filter_is_registered():
    assert FilterModule().filters()["web_proxy_upstream_servers"] is web_proxy_upstream_servers


def test_explicit_servers_with_defaults_and_overrides():
    upstream = {
        "name": "u",
        "max_fails": 2,
        "fail_timeout": "5s",
        "servers": ["10.0.0.5:80", {"address": "10.0.0.6:80", "weight": 3, "backup": True, "max_fails": 0}],
    }
    servers = web_proxy_upstream_servers(upstream, HOSTVARS, GROUPS)
    assert servers == [
        {"address": "10.0.0.5:80", "weight": 1, "max_fails": 2, "fail_timeout": "5s", "backup": False, "down": False},
        {"address": "10.0.0.6:80", "weight": 3, "max_fails": 0, "fail_timeout": "5s", "backup": True, "down": False},
    ]


def test_group_takes_every_instance_of_every_host():
    servers = web_proxy_upstream_servers({"name": "u", "groups": ["app"]}, HOSTVARS, GROUPS)
    assert addresses(servers) == ["10.0.0.1:3001", "10.0.0.1:3002", "10.0.0.1:4001", "10.0.0.2:3001"]


def test_group_app_filter_and_group_options():
    upstream = {"name": "u", "groups": [{"name": "app", "app": "demo", "weight": 5}]}
    servers = web_proxy_upstream_servers(upstream, HOSTVARS, GROUPS)
    assert addresses(servers) == ["10.0.0.1:3001", "10.0.0.1:3002", "10.0.0.2:3001"]
    assert {s["weight"] for s in servers} == {5}


def test_group_port_fallback_for_hosts_without_fact():
    servers = web_proxy_upstream_servers({"name": "u", "groups": [{"name": "bare", "port": 8080}]}, HOSTVARS, GROUPS)
    assert addresses(servers) == ["bare:8080"]


def test_host_without_fact_and_port_is_an_error():
    with pytest.raises(AnsibleFilterError, match=r"bare.*app_service_endpoints"):
        web_proxy_upstream_servers({"name": "u", "groups": ["bare"]}, HOSTVARS, GROUPS)


def test_unknown_group_is_an_error():
    with pytest.raises(AnsibleFilterError, match="nope"):
        web_proxy_upstream_servers({"name": "u", "groups": ["nope"]}, HOSTVARS, GROUPS)


@pytest.mark.parametrize("bad", ["10.0.0.1", "10.0.0.1:", ":80", "host:0", "host:99999", "host:http"])
def test_bad_address_is_an_error(bad):
    with pytest.raises(AnsibleFilterError, match="host:port"):
        web_proxy_upstream_servers({"name": "u", "servers": [bad]}, HOSTVARS, GROUPS)


def test_duplicates_keep_first_occurrence():
    upstream = {"name": "u", "servers": [{"address": "10.0.0.2:3001", "weight": 9}], "groups": ["app"]}
    servers = web_proxy_upstream_servers(upstream, HOSTVARS, GROUPS)
    assert addresses(servers).count("10.0.0.2:3001") == 1
    assert servers[0]["weight"] == 9


def test_drained_servers_are_marked_down():
    upstream = {"name": "u", "groups": [{"name": "app", "app": "demo"}]}
    servers = web_proxy_upstream_servers(upstream, HOSTVARS, GROUPS, drained=["10.0.0.1:3002"])
    assert [s["down"] for s in servers] == [False, True, False]


def test_ipv6_addresses_are_bracketed():
    hostvars = {"v6": {"app_service_endpoints": [{"app": "a", "host": "fd00::1", "port": 3000, "instance": 1}]}}
    servers = web_proxy_upstream_servers({"name": "u", "groups": ["g"]}, hostvars, {"g": ["v6"]})
    assert addresses(servers) == ["[fd00::1]:3000"]
    explicit = web_proxy_upstream_servers(
        {"name": "u", "servers": ["[fd00::1]:3000"]}, {}, {}, drained=["[fd00::1]:3000"]
    )
    assert explicit[0]["address"] == "[fd00::1]:3000"
    assert explicit[0]["down"] is True


def test_upstream_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError):
        web_proxy_upstream_servers(["10.0.0.1:80"], HOSTVARS, GROUPS)


def test_documentation_is_valid_yaml():

    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["name"] == "web_proxy_upstream_servers"
    assert set(doc["options"]) == {"_input", "hostvars", "groups", "drained", "endpoints_var"}
    assert yaml.safe_load(module.EXAMPLES)
    assert "_value" in yaml.safe_load(module.RETURN)
