"""``mcp-access drift``: the monthly check. Read-only; exit 0 clean, 1 drift or findings, 2 error.

Three questions, one report:
1. Do the managed objects still match the code? (a preview with refresh: :mod:`components.drift_preview`)
2. Does Directus grant access that no code declares? (whole listings: :mod:`components.drift_scan`)
3. Which tokens are past, or close to, their rotation date? (the stack outputs)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.drift_preview import DriftedResource, drifted_resources
from components.drift_scan import (
    PUBLIC_POLICY_NAME,
    Declared,
    Finding,
    LiveDirectus,
    rotation_findings,
    scan,
)
from components.live_stack import admin_client, stack_settings
from components.resource_types import DYNAMIC_PREFIX as TYPE_PREFIX

DEFAULT_ROTATION_WARNING_DAYS = 14


class DriftError(RuntimeError):
    """The check could not run (no state yet, preview failed): exit code 2."""


@dataclass
class DriftReport:
    stack: str
    directus_url: str
    checked_at: datetime
    warn_days: int
    drifted: list[DriftedResource] = field(default_factory=list)
    undeclared: list[Finding] = field(default_factory=list)
    rotation: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if (self.drifted or self.undeclared or self.rotation) else 0


def declared_in_state(stack: auto.Stack, resources: list[dict[str, Any]], client: DirectusClient) -> Declared:
    """The ids this stack manages (from its state's ``resources``) and the provisioning user (``/users/me``)."""
    ids: dict[str, set[str]] = {"User": set(), "Role": set(), "Policy": set()}
    for resource in resources:
        kind = str(resource.get("type", "")).removeprefix(TYPE_PREFIX)
        if kind in ids and resource.get("id"):
            ids[kind].add(str(resource["id"]))
    me = client.get("/users/me", {"fields": "id,role"}) or {}
    return Declared(
        stack=stack.name,
        user_ids=frozenset(ids["User"]),
        role_ids=frozenset(ids["Role"]),
        policy_ids=frozenset(ids["Policy"]),
        provisioning_user=str(me.get("id")) if me.get("id") else None,
        provisioning_role=str(me.get("role")) if me.get("role") else None,
    )


def read_live(client: DirectusClient) -> LiveDirectus:
    """One listing per object kind; Public's permissions are those of its built-in policy."""
    policies = client.list_objects("/policies", fields=["id", "name", "admin_access", "app_access"])
    public = [p for p in policies if p.get("name") == PUBLIC_POLICY_NAME]
    permissions = (
        client.list_objects(
            "/permissions", filter={"policy": {"_in": [p["id"] for p in public]}}, fields=["collection", "action"]
        )
        if public
        else []
    )
    return LiveDirectus(
        users=client.list_objects("/users", fields=["id", "email", "status", "role", "token", "tags"]),
        roles=client.list_objects("/roles", fields=["id", "name"]),
        policies=policies,
        access=client.list_objects("/access", fields=["id", "role", "user", "policy"]),
        public_permissions=permissions,
    )


def run_drift(
    stack: auto.Stack, *, warn_days: int = DEFAULT_ROTATION_WARNING_DAYS, now: datetime | None = None
) -> DriftReport:
    outputs = stack.outputs()
    if "members" not in outputs:
        raise DriftError(f"stack {stack.name!r} has no outputs yet: run `up` first")
    config, values = stack_settings(stack)
    client = admin_client(values)
    resources = (stack.export_stack().deployment or {}).get("resources") or []
    declared = declared_in_state(stack, resources, client)
    try:
        drifted = drifted_resources(stack, frozenset(str(r.get("urn")) for r in resources))
    except auto.CommandError as exc:
        raise DriftError(f"the refreshed preview of stack {stack.name!r} failed:\n{exc}") from None
    live = read_live(client)
    checked_at = now or datetime.now(UTC)
    return DriftReport(
        stack=stack.name,
        directus_url=config.directus_url,
        checked_at=checked_at,
        warn_days=warn_days,
        drifted=drifted,
        undeclared=scan(live, declared),
        rotation=rotation_findings(dict(outputs["members"].value), checked_at, warn_days),
        counts={
            "managed objects": len(declared.user_ids) + len(declared.role_ids) + len(declared.policy_ids),
            "users": len(live.users),
            "policies": len(live.policies),
            "access rows": len(live.access),
        },
    )


def to_markdown(report: DriftReport) -> str:
    total = len(report.drifted) + len(report.undeclared) + len(report.rotation)
    verdict = "clean" if total == 0 else f"{total} finding{'s' if total != 1 else ''}"
    lines = [
        f"## Drift check: stack `{report.stack}` ({report.directus_url})",
        "",
        f"{report.checked_at:%Y-%m-%d %H:%M} UTC. **Result: {verdict}** (exit {report.exit_code}).",
        "",
        "### Managed objects that differ from the code",
        "",
    ]
    if not report.drifted:
        lines.append("None: every managed object matches the code (`preview --refresh` plans no change).")
    for item in report.drifted:
        lines.append(f"- `{item.name}`: {item.summary}")
        lines.extend(f"  - {detail}" for detail in item.details)
    lines += ["", "### Access that no code declares", ""]
    if not report.undeclared:
        lines.append(
            "None: no unmanaged active user holds a token, a direct policy or an MCP role; nothing is attached to "
            "Public; no undeclared admin policy is held (the provisioning user's own admin access is expected)."
        )
    lines.extend(f"- {finding.message}" for finding in report.undeclared)
    lines += ["", f"### Tokens past or within {report.warn_days} days of rotation", ""]
    if not report.rotation:
        lines.append("None.")
    lines.extend(f"- {finding.message}" for finding in report.rotation)
    scanned = ", ".join(f"{count} {what}" for what, count in report.counts.items())
    lines += ["", f"Scanned: {scanned}."]
    return "\n".join(lines) + "\n"


def to_json(report: DriftReport) -> str:
    data: dict[str, Any] = {
        "stack": report.stack,
        "directusUrl": report.directus_url,
        "checkedAt": report.checked_at.isoformat(),
        "exitCode": report.exit_code,
        "drift": [item.as_dict() for item in report.drifted],
        "undeclaredAccess": [finding.as_dict() for finding in report.undeclared],
        "rotation": [finding.as_dict() for finding in report.rotation],
        "rotationWarningDays": report.warn_days,
        "scanned": report.counts,
    }
    return json.dumps(data, indent=2) + "\n"
