"""Flows that escalate: active manual flows an MCP member can trigger whose operations run with more rights.

The MCP tool ``trigger-flow`` runs an active manual flow the caller can read (read on ``directus_flows``),
with the caller's accountability; but an item operation (``item-read``, ``item-create``, ``item-update``,
``item-delete``) whose ``permissions`` option is ``$full`` or a role id runs with full access or that role's
rights, not the caller's. A least-privilege MCP user who can trigger such a flow acts beyond its policy.
Pure functions of listings (``/flows`` with their operations, permissions on ``directus_flows``); no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.ops.drift.scan import Finding, LiveDirectus

ESCALATING_FLOW = "escalating-flow"
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


def escalating_flows(
    flows: Sequence[Mapping[str, Any]], live: LiveDirectus, members: Mapping[str, str], flow_readers: Sequence[str]
) -> list[Finding]:
    """One finding per (flow, operation, member) where a member can trigger an operation that runs above it."""
    able = members_who_can_trigger(members, live, flow_readers)
    if not able:
        return []
    roles = {str(r["id"]): str(r.get("name") or r["id"]) for r in live.roles}
    findings = []
    for flow in flows:
        if flow.get("status") != "active" or flow.get("trigger") != "manual":
            continue
        for operation in flow.get("operations") or []:
            if operation.get("type") not in ITEM_OPERATIONS:
                continue
            options = operation.get("options") or {}
            rights = _rights(options.get("permissions"), roles)
            if rights is None:
                continue
            for name in sorted(able.values()):
                findings.append(
                    Finding(
                        ESCALATING_FLOW,
                        str(flow.get("name") or flow.get("id")),
                        f"member {name} can trigger the manual flow {flow.get('name')!r} ({flow.get('id')}) through "
                        f"MCP `trigger-flow`; its operation {operation.get('key') or operation.get('name')!r} "
                        f"({operation.get('type')} on {options.get('collection') or '?'}) runs with {rights}, "
                        "beyond the member's policy",
                    )
                )
    return findings
