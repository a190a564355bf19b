"""Who may do what through MCP in one stack: the permission matrix the review command prints and diffs.

Pure: built from a validated :class:`StackConfig` and the :class:`RoleSpec` per template that
:func:`components.model.role_specs.stack_role_specs` rendered for it. No Pulumi, no Directus.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from components.model.role_templates import RoleSpec
from components.model.stack_config import StackConfig

#: The order actions are shown in: reading first, then the writes from the least to the most destructive.
ACTION_ORDER = ("read", "create", "update", "delete", "share")

Grants = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """A permission's field list and item filter (JSON text), where they are not "all fields, all items"."""

    fields: tuple[str, ...] = ("*",)
    filter: str | None = None

    def words(self) -> str:
        fields = "all fields" if self.fields == ("*",) else f"fields {', '.join(self.fields)}"
        return f"{fields}; {f'items where {self.filter}' if self.filter else 'all items'}"


#: ``{(collection, action): Rule}`` for the permissions of a template that limit fields or filter items.
Rules = Mapping[tuple[str, str], Rule]
ALL = Rule()


def ordered_actions(actions: Iterable[str]) -> tuple[str, ...]:
    rank = {action: index for index, action in enumerate(ACTION_ORDER)}
    return tuple(sorted(set(actions), key=lambda a: (rank.get(a, len(rank)), a)))


def ordered_collections(collections: Iterable[str]) -> list[str]:
    """The stack's own collections first, then Directus's system collections (``directus_*``)."""
    return sorted(set(collections), key=lambda c: (c.startswith("directus_"), c))


@dataclass(frozen=True)
class TemplateGrants:
    """What one template grants in this stack, as rendered."""

    name: str
    admin_access: bool
    app_access: bool
    ip_access: tuple[str, ...]
    grants: Grants
    rules: Rules = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "adminAccess": self.admin_access,
            "appAccess": self.app_access,
            "ipAccess": list(self.ip_access),
            "permissions": {c: list(a) for c, a in self.grants.items()},
        }
        if self.rules:
            data["rules"] = [
                {"collection": c, "action": a, "fields": list(r.fields), "filter": r.filter}
                for (c, a), r in sorted(self.rules.items())
            ]
        return data


@dataclass(frozen=True)
class MemberAccess:
    name: str
    template: str
    mcp_email: str
    enabled: bool
    rotation_days: int
    #: ``rotateAfterDays`` of the member, when it overrides the stack's ``rotationDays``.
    rotation_override: int | None
    #: ``expires`` of the member, and its elevation ``(template, until, reason)`` (:mod:`...review.timebox`).
    expires: datetime | None = None
    elevation: tuple[str, datetime | None, str | None] | None = None


@dataclass(frozen=True)
class StackMatrix:
    """One stack's declared MCP access: flags, templates as rendered, members."""

    stack: str
    directus_url: str
    email_pattern: str
    mcp_enabled: bool
    allow_deletes: bool
    system_prompt_enabled: bool
    system_prompt: str | None
    ip_allowlist: tuple[str, ...]
    rotation_days: int
    allow_admin_access: bool
    require_ip_allowlist: bool
    max_rotation_days: int
    templates: Mapping[str, TemplateGrants]
    members: tuple[MemberAccess, ...]

    def member(self, name: str) -> MemberAccess | None:
        return next((m for m in self.members if m.name == name), None)

    def template_of(self, member: MemberAccess) -> TemplateGrants:
        return self.templates[member.template]

    def admin(self, member: MemberAccess) -> bool:
        return self.template_of(member).admin_access

    def grants_of(self, member: MemberAccess) -> Grants:
        """What the member may do: its template's grants, or nothing while it is disabled (no token)."""
        return self.template_of(member).grants if member.enabled else {}

    def collections(self) -> list[str]:
        """Every collection a member's template grants something on: the matrix's columns."""
        used = {m.template for m in self.members}
        return ordered_collections(c for name in used for c in self.templates[name].grants)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directusUrl": self.directus_url,
            "mcpUrl": f"{self.directus_url}/mcp",
            "flags": {
                "mcpEnabled": self.mcp_enabled,
                "allowDeletes": self.allow_deletes,
                "allowAdminAccess": self.allow_admin_access,
                "ipAllowlist": list(self.ip_allowlist),
                "requireIpAllowlist": self.require_ip_allowlist,
                "rotationDays": self.rotation_days,
                "maxRotationDays": self.max_rotation_days,
                "systemPromptEnabled": self.system_prompt_enabled,
                "emailPattern": self.email_pattern,
            },
            "templates": {name: t.as_dict() for name, t in self.templates.items()},
            "members": [
                {
                    "name": m.name,
                    "template": m.template,
                    "mcpEmail": m.mcp_email,
                    "enabled": m.enabled,
                    "rotationDays": m.rotation_days,
                    **_timebox_dict(m),
                    "adminAccess": self.admin(m) and m.enabled,
                    "permissions": {c: list(a) for c, a in self.grants_of(m).items()},
                }
                for m in self.members
            ],
        }


def _timebox_dict(member: MemberAccess) -> dict[str, Any]:
    """``expires`` and ``elevation`` of a member, only when set (older review JSON stays as it was)."""
    data: dict[str, Any] = {}
    if member.expires:
        data["expires"] = member.expires.isoformat()
    if member.elevation:
        template, until, reason = member.elevation
        data["elevation"] = {"template": template, "until": until.isoformat() if until else None, "reason": reason}
    return data


def grants_of_spec(spec: RoleSpec) -> dict[str, tuple[str, ...]]:
    return {c: ordered_actions(spec.actions_on(c)) for c in ordered_collections(spec.collections())}


def rules_of_spec(spec: RoleSpec) -> dict[tuple[str, str], Rule]:
    rules = {}
    for row in spec.permission_rows():
        rule = Rule(
            tuple(row["fields"]), json.dumps(row["permissions"], sort_keys=True) if "permissions" in row else None
        )
        if rule != ALL:
            rules[(row["collection"], row["action"])] = rule
    return rules


def build_matrix(stack: str, config: StackConfig, specs: Mapping[str, RoleSpec]) -> StackMatrix:
    """The matrix of ``stack``; ``specs`` must hold every template in use (what ``stack_role_specs`` returns)."""
    templates = {
        name: TemplateGrants(
            name=name,
            admin_access=spec.policy.admin_access,
            app_access=spec.policy.app_access,
            ip_access=tuple(spec.policy.ip_access),
            grants=grants_of_spec(spec),
            rules=rules_of_spec(spec),
        )
        for name, spec in sorted(specs.items())
    }
    members = tuple(
        MemberAccess(
            name=m.name,
            template=m.template,
            mcp_email=config.mcp_email(m),
            enabled=m.enabled,
            rotation_days=config.rotation_for(m),
            rotation_override=m.rotate_after_days,
            expires=m.expires,
            elevation=next(((e.template, e.until, e.reason) for e in config.elevations if e.member == m.name), None),
        )
        for m in config.members
    )
    return StackMatrix(
        stack=stack,
        directus_url=config.directus_url,
        email_pattern=config.email_pattern,
        mcp_enabled=config.mcp.enabled,
        allow_deletes=config.mcp.allow_deletes,
        system_prompt_enabled=config.mcp.system_prompt_enabled,
        system_prompt=config.mcp.system_prompt,
        ip_allowlist=tuple(config.ip_allowlist),
        rotation_days=config.rotation_days,
        allow_admin_access=config.guardrails.allow_admin_access,
        require_ip_allowlist=config.guardrails.require_ip_allowlist,
        max_rotation_days=config.guardrails.max_rotation_days,
        templates=templates,
        members=members,
    )
