"""Flows that escalate: active manual flows an MCP member can trigger whose operations run with more rights.

The MCP tool ``trigger-flow`` runs an active manual flow the caller can read (read on ``directus_flows``),
with the caller's accountability; but an item operation (``item-read``, ``item-create``, ``item-update``,
``item-delete``) whose ``permissions`` option is ``$full`` or a role id runs with full access or that role's
rights, not the caller's. A least-privilege MCP user who can trigger such a flow acts beyond its policy.

Two operations reach further than any policy: ``request`` (a "Webhook / Request URL": an HTTP call from the
Directus server, whose headers may carry an admin token, to the Directus API itself or to any address the server
can reach, internal ones included) and ``exec`` ("Run Script": JavaScript run on the server). A ``trigger``
operation runs another flow (trigger ``operation``) and so whatever that one runs: chains are followed.
Pure functions of listings (``/flows`` with their operations, permissions on ``directus_flows``); no HTTP.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from components.ops.drift.scan import Finding, LiveDirectus

ESCALATING_FLOW = "escalating-flow"
#: A member can trigger a flow that sends an HTTP request from the server, or runs a script there.
REQUEST_FLOW = "flow-request"
EXEC_FLOW = "flow-exec"
REQUEST_OPERATION = "request"
EXEC_OPERATION = "exec"
TRIGGER_OPERATION = "trigger"
#: Header names that carry credentials (compared lower-case); their values are never read into a message.
CREDENTIAL_HEADERS = ("authorization", "cookie", "x-api-key", "x-directus-token", "access_token", "token")
FLOWS_COLLECTION = "directus_flows"
#: Operations that act on items with the rights their ``permissions`` option names.
ITEM_OPERATIONS = ("item-read", "item-create", "item-update", "item-delete")
#: ``permissions`` values that keep the caller's rights (unset means the trigger's, too).
CALLER_RIGHTS = (None, "", "$trigger")


def _policies_of(user: Mapping[str, Any], live: LiveDirectus) -> set[str]:
    role = user.get("role")
    return {
        str(row["policy"])
        for row in live.access
        if (role and row.get("role") == role) or (row.get("user") and row.get("user") == user.get("id"))
    }


def members_who_can_trigger(
    members: Mapping[str, str], live: LiveDirectus, flow_readers: Sequence[str]
) -> dict[str, str]:
    """Enabled members (user id -> name) whose policies grant read on ``directus_flows`` or admin access."""
    admin = {str(p["id"]) for p in live.policies if p.get("admin_access") is True}
    readers = set(flow_readers) | admin
    users = {str(u["id"]): u for u in live.users}
    return {
        user_id: name
        for user_id, name in members.items()
        if user_id in users
        and users[user_id].get("status") == "active"
        and _policies_of(users[user_id], live) & readers
    }


def _rights(permissions: object, roles: Mapping[str, str]) -> str | None:
    """Words for an operation's ``permissions`` when they differ from the caller's; ``None`` when they do not."""
    if permissions in CALLER_RIGHTS:
        return None
    if permissions == "$full":
        return "full access"
    if permissions == "$public":
        return "Public's rights"
    return f"the rights of role {roles.get(str(permissions), str(permissions))!r}"


def _is_internal(host: str) -> bool:
    """Loopback, private, link-local addresses and single-label names (``redis``, ``localhost``) are internal."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or "." not in host or host.endswith((".local", ".internal", ".svc"))
    return address.is_private or address.is_loopback or address.is_link_local


def _credentials(options: Mapping[str, Any]) -> list[str]:
    """Names of the credential headers (and an ``access_token`` in the URL) of a ``request`` operation."""
    names = []
    for header in options.get("headers") or []:
        name = str((header or {}).get("header") or "") if isinstance(header, Mapping) else ""
        if name.lower() in CREDENTIAL_HEADERS or "token" in name.lower():
            names.append(f"the {name} header")
    query = parse_qs(urlparse(str(options.get("url") or "")).query)
    if "access_token" in query:
        names.append("an access_token in its URL")
    return names


def request_reach(options: Mapping[str, Any], directus_url: str) -> str:
    """What a ``request`` operation can reach, in words; never the header values."""
    url = str(options.get("url") or "")
    method = str(options.get("method") or "GET").upper()
    target = urlparse(url)
    ours = urlparse(directus_url)
    host = target.hostname or ""
    if "{{" in url:
        where = f"an address built from the flow's data ({url.split('{{', 1)[0] or '?'}...): any address"
    elif host and host == ours.hostname and (target.port or 0) == (ours.port or 0):
        where = f"the Directus API itself ({method} {target.path or '/'})"
    elif host and _is_internal(host):
        where = f"the internal address {target.scheme}://{target.netloc} ({method} {target.path or '/'})"
    else:
        where = f"{target.scheme}://{target.netloc or '?'} ({method} {target.path or '/'})"
    credentials = _credentials(options)
    if credentials:
        where += " with " + " and ".join(credentials) + " (whoever triggers it acts with that credential)"
    return where


@dataclass(frozen=True)
class _Reach:
    """One operation a manual flow runs (directly or through ``trigger`` chains) that reaches beyond the caller."""

    kind: str
    operation: Mapping[str, Any]
    what: str
    via: tuple[str, ...]


def _reaches(
    flow: Mapping[str, Any],
    by_id: Mapping[str, Mapping[str, Any]],
    roles: Mapping[str, str],
    directus_url: str,
    via: tuple[str, ...] = (),
) -> list[_Reach]:
    """The operations of ``flow`` (and of the flows its ``trigger`` operations run) that act beyond the caller."""
    found: list[_Reach] = []
    for operation in flow.get("operations") or []:
        options = operation.get("options") or {}
        kind = operation.get("type")
        if kind in ITEM_OPERATIONS:
            rights = _rights(options.get("permissions"), roles)
            if rights is not None:
                what = f"{kind} on {options.get('collection') or '?'}) runs with {rights}, beyond the member's policy"
                found.append(_Reach(ESCALATING_FLOW, operation, f"({what}", via))
        elif kind == REQUEST_OPERATION:
            found.append(
                _Reach(
                    REQUEST_FLOW, operation, f"(request) sends a request to {request_reach(options, directus_url)}", via
                )
            )
        elif kind == EXEC_OPERATION:
            found.append(
                _Reach(
                    EXEC_FLOW, operation, "(exec) runs its JavaScript on the Directus server, with the flow's data", via
                )
            )
        elif kind == TRIGGER_OPERATION:
            target = by_id.get(str(options.get("flow") or ""))
            if target is None or target.get("status") != "active":
                continue
            name = str(target.get("name") or target.get("id"))
            if name in via or target is flow:  # a loop: each flow once
                continue
            step = f"{operation.get('key') or operation.get('name')!r} (trigger) → flow {name!r}"
            found.extend(_reaches(target, by_id, roles, directus_url, (*via, step)))
    return found


def escalating_flows(
    flows: Sequence[Mapping[str, Any]],
    live: LiveDirectus,
    members: Mapping[str, str],
    flow_readers: Sequence[str],
    directus_url: str = "",
) -> list[Finding]:
    """One finding per (flow, operation, member) where a member can trigger an operation that runs above it, sends
    a request from the server or runs a script there (directly, or through a chain of ``trigger`` operations)."""
    able = members_who_can_trigger(members, live, flow_readers)
    if not able:
        return []
    roles = {str(r["id"]): str(r.get("name") or r["id"]) for r in live.roles}
    by_id = {str(f.get("id")): f for f in flows}
    findings = []
    for flow in flows:
        if flow.get("status") != "active" or flow.get("trigger") != "manual":
            continue
        for reach in _reaches(flow, by_id, roles, directus_url, (str(flow.get("name") or flow.get("id")),)):
            chain = f" through {' → '.join(reach.via[1:])}," if len(reach.via) > 1 else ""
            operation = reach.operation
            for name in sorted(able.values()):
                findings.append(
                    Finding(
                        reach.kind,
                        str(flow.get("name") or flow.get("id")),
                        f"member {name} can trigger the manual flow {flow.get('name')!r} ({flow.get('id')}) through "
                        f"MCP `trigger-flow`;{chain} its operation {operation.get('key') or operation.get('name')!r} "
                        f"{reach.what}",
                    )
                )
    return findings
