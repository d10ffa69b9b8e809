# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright: prodready.webstack contributors
"""Build nginx upstream server lists for the web_proxy role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DOCUMENTATION = r"""
name: web_proxy_upstream_servers
author: prodready.webstack maintainers
version_added: 0.1.0
short_description: Build the server list of one nginx upstream
description:
  - Turns one entry of C(web_proxy_upstreams) into a flat, ordered and de-duplicated list of servers
    for an nginx C(upstream) block.
  - Servers come from explicit C(host:port) entries (O(_input.servers)) and from inventory groups
    (O(_input.groups)); every host of the group contributes all its instances, read from the
    C(app_service_endpoints) fact that the C(app_service) role publishes.
  - Servers listed in O(drained) are marked C(down), so a rolling deploy can take one out of the pool
    and put it back.
options:
  _input:
    description:
      - One upstream definition with C(name), optional C(servers), C(groups) and per-upstream
        defaults C(weight), C(max_fails), C(fail_timeout).
      - Each C(servers) entry is a C(host:port) string or a dictionary with C(address) and optional
        C(weight), C(max_fails), C(fail_timeout), C(backup).
      - Each C(groups) entry is a group name or a dictionary with C(name) and optional C(app) (only
        endpoints of this application), C(port) (used for a host that has no endpoints fact),
        C(weight), C(max_fails), C(fail_timeout), C(backup).
    type: dict
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  groups:
    description: The C(groups) magic variable.
    type: dict
    required: true
  drained:
    description: C(host:port) addresses to mark C(down).
    type: list
    elements: str
    default: []
  endpoints_var:
    description: Name of the host variable that holds the endpoints list.
    type: str
    default: app_service_endpoints
"""

EXAMPLES = r"""
- name: Render the servers of every upstream
  ansible.builtin.debug:
    msg: "{{ item | prodready.webstack.web_proxy_upstream_servers(hostvars, groups, drained=['10.0.0.5:3001']) }}"
  loop:
    - name: app
      groups:
        - name: app
          app: demo
      servers:
        - address: 10.0.0.9:3000
          backup: true
"""

RETURN = r"""
_value:
  description:
    - One dictionary per server, in source order (explicit servers first, then groups in order,
      hosts in inventory order, instances in fact order); an address appears once.
  type: list
  elements: dict
  contains:
    address:
      description: The C(host:port) address.
      type: str
    weight:
      description: Server weight, C(1) when not set.
      type: int
    max_fails:
      description: nginx C(max_fails) or C(None) for the nginx default.
      type: int
    fail_timeout:
      description: nginx C(fail_timeout) or C(None) for the nginx default.
      type: str
    backup:
      description: Whether the server is a C(backup) server.
      type: bool
    down:
      description: Whether the server is drained (listed in O(drained)).
      type: bool
"""

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - ansible-core is always present at run time
    AnsibleFilterError = ValueError  # type: ignore[assignment,misc]

_SERVER_OPTIONS = ("weight", "max_fails", "fail_timeout", "backup")


def _address(host: str, port: Any) -> str:
    host = str(host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"{host}:{int(port)}"


def _split_address(address: str) -> tuple[str, int]:
    host, sep, port = str(address).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AnsibleFilterError(f"web_proxy_upstreams: server address {address!r} is not host:port")
    return host, int(port)


def _server(address: str, options: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {key: options.get(key, defaults.get(key)) for key in _SERVER_OPTIONS}
    return {
        "address": address,
        "weight": int(merged["weight"] if merged["weight"] is not None else 1),
        "max_fails": None if merged["max_fails"] is None else int(merged["max_fails"]),
        "fail_timeout": None if merged["fail_timeout"] is None else str(merged["fail_timeout"]),
        "backup": bool(merged["backup"]),
        "down": False,
    }


def _explicit(entries: Iterable[Any], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    servers = []
    for entry in entries:
        options = entry if isinstance(entry, Mapping) else {"address": entry}
        if "address" not in options:
            raise AnsibleFilterError(f"web_proxy_upstreams: server entry {entry!r} has no address")
        host, port = _split_address(options["address"])
        servers.append(_server(_address(host.strip("[]"), port), options, defaults))
    return servers


def _from_groups(
    entries: Iterable[Any],
    defaults: Mapping[str, Any],
    hostvars: Mapping[str, Any],
    groups: Mapping[str, list[str]],
    endpoints_var: str,
) -> list[dict[str, Any]]:
    servers = []
    for entry in entries:
        spec = entry if isinstance(entry, Mapping) else {"name": entry}
        group = spec.get("name")
        if group not in groups:
            raise AnsibleFilterError(f"web_proxy_upstreams: inventory group {group!r} does not exist")
        options = {**defaults, **{k: spec[k] for k in _SERVER_OPTIONS if spec.get(k) is not None}}
        for host in groups[group]:
            hvars = hostvars[host]
            endpoints = hvars.get(endpoints_var)
            if endpoints:
                for endpoint in endpoints:
                    if spec.get("app") and endpoint.get("app") != spec["app"]:
                        continue
                    servers.append(_server(_address(endpoint["host"], endpoint["port"]), {}, options))
            elif spec.get("port") is not None:
                servers.append(_server(_address(host, spec["port"]), {}, options))
            else:
                raise AnsibleFilterError(
                    f"web_proxy_upstreams: host {host!r} of group {group!r} has no {endpoints_var} "
                    "(run app_service on it first, or set a port on the group entry)"
                )
    return servers


def web_proxy_upstream_servers(
    upstream: Mapping[str, Any],
    hostvars: Mapping[str, Any],
    groups: Mapping[str, list[str]],
    drained: Iterable[str] | None = None,
    endpoints_var: str = "app_service_endpoints",
) -> list[dict[str, Any]]:
    """Return the ordered, de-duplicated server list of one upstream definition."""
    if not isinstance(upstream, Mapping):
        raise AnsibleFilterError("web_proxy_upstreams: each upstream must be a dictionary")
    defaults = {key: upstream.get(key) for key in _SERVER_OPTIONS if key != "backup"}
    candidates = _explicit(upstream.get("servers") or [], defaults) + _from_groups(
        upstream.get("groups") or [], defaults, hostvars, groups, endpoints_var
    )
    drained_set = set()
    for address in drained or []:
        host, port = _split_address(address)
        drained_set.add(_address(host.strip("[]"), port))
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for server in candidates:
        if server["address"] in seen:
            continue
        seen.add(server["address"])
        server["down"] = server["address"] in drained_set
        result.append(server)
    return result


class FilterModule:
    """web_proxy filters."""

    def filters(self) -> dict[str, Any]:
        return {"web_proxy_upstream_servers": web_proxy_upstream_servers}
