"""The guardrail policy pack's rules, as pure functions over the resources a preview or update plans.

The program already refuses unsafe settings before it declares anything (:mod:`components.model.role_specs`). The policy
pack checks again, independently, on what actually reaches the engine: a forked program, an edited template
or a hand-written resource is caught too, and the check runs in ``pulumi preview --policy-pack``.

Resources are identified by their type (``pulumi-python:dynamic/directus:<Kind>``) and by their parent
component: a ``TemplateAccess`` named after the role template, an ``McpMember`` named after the member.
Values a preview cannot know yet are :data:`UNKNOWN` and never count as a violation.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.kinds import MCP_SETTINGS, PERMISSION_SET, POLICY, STATIC_TOKEN, USER, Kind
from components.model.clock import now, parse_moment
from components.model.defaults import DEFAULT_EMAIL_PATTERN, DEFAULT_PRODUCTION_STACKS
from components.names import (
    CONFIG_NAMESPACE,
    DYNAMIC_PROVIDER,
    GUARD_COMPONENT,
    MEMBER_COMPONENT,
    TEMPLATE_COMPONENT,
    kind_of_type,
)

ADMIN_TEMPLATE = "developer"
READ_ONLY_TEMPLATE = "analysis"
DEFAULT_MAX_ROTATION_DAYS = 90
DEFAULT_MAX_ELEVATION_HOURS = 8


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value the preview has not computed yet.
UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class PlannedResource:
    """What the rules need of one resource; ``parent_type``/``parent_name`` come from its parent component."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent_type: str | None = None
    parent_name: str | None = None
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        return kind_of_type(self.type)

    @property
    def stack(self) -> str:
        # urn:pulumi:<stack>::<project>::<type>::<name>
        return self.urn.split("::", 1)[0].rsplit(":", 1)[-1]

    @property
    def template(self) -> str:
        """The role template a template resource belongs to (its ``TemplateAccess`` parent)."""
        if self.parent_type == TEMPLATE_COMPONENT and self.parent_name:
            return self.parent_name
        return self.name.rsplit("-", 1)[0]

    @property
    def member(self) -> str:
        """The member a user or token belongs to (its ``McpMember`` parent)."""
        if self.parent_type == MEMBER_COMPONENT and self.parent_name:
            return self.parent_name
        return self.name.rsplit("-", 1)[0]

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True)
class RuleSettings:
    """The pack's own settings (``--policy-pack-config``): owned by whoever owns the guardrails, not the stack."""

    production_stacks: tuple[str, ...] = DEFAULT_PRODUCTION_STACKS
    max_rotation_days: int = DEFAULT_MAX_ROTATION_DAYS
    email_pattern: str = DEFAULT_EMAIL_PATTERN
    max_elevation_hours: int = DEFAULT_MAX_ELEVATION_HOURS


@dataclass(frozen=True)
class Violation:
    rule: str
    urn: str
    message: str


Report = Callable[[str, str], None]  # (urn, message)


def planned_from_urn(resource_type: str, urn: str, props: Mapping[str, Any]) -> PlannedResource:
    """A resource as a resource validation sees it: without its parent, whose type the URN's type chain names.

    The rules fall back to the logical name (``<template>-policy``, ``<member>-token``) for the parent's name.
    """
    chain = urn.split("::")[2] if urn.count("::") >= 3 else resource_type
    parent_type = chain.rsplit("$", 2)[-2] if "$" in chain else None
    name = urn.rsplit("::", 1)[-1]
    return PlannedResource(urn=urn, type=resource_type, name=name, props=props, parent_type=parent_type)


def settings_from(config: Mapping[str, Any]) -> RuleSettings:
    """A rule's settings from its ``--policy-pack-config`` entry (the schema's defaults where it says nothing)."""
    defaults = RuleSettings()
    return RuleSettings(
        production_stacks=tuple(config.get("productionStacks", defaults.production_stacks)),
        max_rotation_days=int(config.get("maxDays", defaults.max_rotation_days)),
        email_pattern=str(config.get("pattern", defaults.email_pattern)),
        max_elevation_hours=int(config.get("maxHours", defaults.max_elevation_hours)),
    )


def _known(value: Any) -> bool:
    return value is not UNKNOWN


def _of_kind(resources: Iterable[PlannedResource], kind: Kind) -> list[PlannedResource]:
    return [r for r in resources if r.kind == kind.name]


def stack_guardrails(resources: Iterable[PlannedResource]) -> Mapping[str, Any]:
    """The stack's ``guardrails`` setting, as the engine hands the stack config to the dynamic provider."""
    for resource in resources:
        if resource.type != DYNAMIC_PROVIDER:
            continue
        raw = resource.get(f"{CONFIG_NAMESPACE}:guardrails")
        if isinstance(raw, str):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                return {}
            return value if isinstance(value, dict) else {}
        if isinstance(raw, Mapping):
            return raw
    return {}


def no_admin_access(resources: list[PlannedResource], _settings: RuleSettings, report: Report) -> None:
    allowed = stack_guardrails(resources).get("allowAdminAccess") is True
    for policy in _of_kind(resources, POLICY):
        if policy.get("admin_access") is not True:
            continue
        if policy.template == ADMIN_TEMPLATE and allowed:
            continue
        why = (
            f"only the '{ADMIN_TEMPLATE}' template may have it"
            if policy.template != ADMIN_TEMPLATE
            else f"stack '{policy.stack}' does not opt in (guardrails.allowAdminAccess: true)"
        )
        report(
            policy.urn,
            f"template '{policy.template}': policy '{policy.get('name')}' has admin_access (full control of "
            f"Directus through MCP); {why}",
        )


def no_app_access(resources: list[PlannedResource], _settings: RuleSettings, report: Report) -> None:
    for policy in _of_kind(resources, POLICY):
        if policy.get("app_access") is True:
            report(
                policy.urn,
                f"template '{policy.template}': policy '{policy.get('name')}' has app_access (Data Studio login); "
                "MCP users need API access only",
            )


def _grants(permission_set: PlannedResource) -> list[tuple[str, str]]:
    rows = permission_set.get("permissions")
    if not isinstance(rows, list):
        return []
    return [
        (str(row.get("collection")), str(row.get("action")))
        for row in rows
        if isinstance(row, Mapping) and _known(row.get("action"))
    ]


def analysis_read_only(resources: list[PlannedResource], _settings: RuleSettings, report: Report) -> None:
    for permission_set in _of_kind(resources, PERMISSION_SET):
        if permission_set.template != READ_ONLY_TEMPLATE:
            continue
        writes = sorted((collection, action) for collection, action in _grants(permission_set) if action != "read")
        if writes:
            listed = ", ".join(f"{action} on {collection}" for collection, action in writes)
            report(permission_set.urn, f"template '{READ_ONLY_TEMPLATE}' must be read-only but grants {listed}")


def production_hardening(resources: list[PlannedResource], settings: RuleSettings, report: Report) -> None:
    # Dynamic client registration lets anyone who reaches Directus register an OAuth client: an explicit opt-in.
    dcr_allowed = stack_guardrails(resources).get("allowDynamicClientRegistration") is True
    for resource in resources:
        if resource.stack not in settings.production_stacks:
            continue
        if resource.kind == MCP_SETTINGS.name and resource.get("mcp_allow_deletes") is True:
            report(
                resource.urn,
                f"stack '{resource.stack}' is production: deletes through MCP must be off (mcp.allowDeletes: false)",
            )
        if resource.kind == MCP_SETTINGS.name and resource.get("mcp_oauth_dcr_enabled") is True and not dcr_allowed:
            report(
                resource.urn,
                f"stack '{resource.stack}' is production: OAuth dynamic client registration is on "
                "(mcp.oauth.dynamicClientRegistration) without guardrails.allowDynamicClientRegistration: true",
            )
        elif resource.kind == PERMISSION_SET.name:
            deletes = sorted(collection for collection, action in _grants(resource) if action == "delete")
            if deletes:
                report(
                    resource.urn,
                    f"stack '{resource.stack}' is production: template '{resource.template}' grants delete on "
                    f"{', '.join(deletes)}",
                )
        elif resource.kind == POLICY.name:
            ip_access = resource.get("ip_access")
            if _known(ip_access) and not ip_access:
                report(
                    resource.urn,
                    f"stack '{resource.stack}' is production: template '{resource.template}' has no ip allowlist "
                    "(set ipAllowlist)",
                )


def rotation_limit(resources: list[PlannedResource], settings: RuleSettings, report: Report) -> None:
    for token in _of_kind(resources, STATIC_TOKEN):
        days = token.get("rotate_after_days")
        # Numbers arrive as floats through the engine's property protocol.
        if isinstance(days, int | float) and not isinstance(days, bool) and days > settings.max_rotation_days:
            report(
                token.urn,
                f"member '{token.member}': token rotates after {days:g} days; at most "
                f"{settings.max_rotation_days} are allowed",
            )


def one_user_per_member(resources: list[PlannedResource], _settings: RuleSettings, report: Report) -> None:
    users = _of_kind(resources, USER)
    by_email: dict[str, list[PlannedResource]] = defaultdict(list)
    for user in users:
        email = user.get("email")
        if isinstance(email, str) and _known(email):
            by_email[email.lower()].append(user)
    for email, holders in by_email.items():
        if len(holders) > 1:
            members = ", ".join(sorted(user.member for user in holders))
            for user in holders:
                report(user.urn, f"members {members} share the MCP user {email}: each member needs their own user")
    user_members = {user.urn: user.member for user in users}
    per_member: dict[str, list[PlannedResource]] = defaultdict(list)
    for user in users:
        per_member[user.member].append(user)
    for member, owned in per_member.items():
        if len(owned) > 1:
            for user in owned:
                report(user.urn, f"member '{member}' has {len(owned)} MCP users; one per member")
    tokens_per_user: dict[str, list[PlannedResource]] = defaultdict(list)
    for token in _of_kind(resources, STATIC_TOKEN):
        targets = token.property_dependencies.get("user_id") or ()
        user_id = token.get("user_id")
        key = targets[0] if targets else (f"id:{user_id}" if _known(user_id) and user_id else None)
        if key is None:
            continue
        tokens_per_user[key].append(token)
        owner = user_members.get(key)
        if owner is not None and owner != token.member:
            report(token.urn, f"member '{token.member}' has a token on member '{owner}''s user: tokens are personal")
    for holders in tokens_per_user.values():
        if len(holders) > 1:
            members = ", ".join(sorted(token.member for token in holders))
            for token in holders:
                report(token.urn, f"one user gets tokens from several resources ({members}): tokens are not shared")


def email_regex(pattern: str) -> re.Pattern[str]:
    """``ai-{local}@{domain}`` as a regular expression (placeholders match one e-mail part each)."""
    parts = re.split(r"(\{local\}|\{domain\})", pattern)
    placeholder = {"{local}": r"[^@\s]+", "{domain}": r"[^@\s]+\.[^@\s]+"}
    return re.compile("^" + "".join(placeholder.get(part, re.escape(part)) for part in parts) + "$", re.IGNORECASE)


def email_pattern(resources: list[PlannedResource], settings: RuleSettings, report: Report) -> None:
    expected = email_regex(settings.email_pattern)
    for user in _of_kind(resources, USER):
        if user.parent_type == GUARD_COMPONENT:
            continue  # the stack's read-only guard user (``guard.user``) is no member's MCP user
        email = user.get("email")
        if isinstance(email, str) and _known(email) and not expected.match(email):
            report(
                user.urn,
                f"member '{user.member}': MCP user email {email!r} does not follow the pattern "
                f"{settings.email_pattern!r}",
            )


def stack_setting(resources: Iterable[PlannedResource], key: str) -> Any:
    """One key of the stack's config namespace as the engine hands it to the dynamic provider (JSON decoded)."""
    for resource in resources:
        if resource.type != DYNAMIC_PROVIDER:
            continue
        raw = resource.get(f"{CONFIG_NAMESPACE}:{key}")
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                return raw
        if raw is not None:
            return raw
    return None


def elevation_time_box(resources: list[PlannedResource], settings: RuleSettings, report: Report) -> None:
    """Production: an elevation to the developer template has an end within the limit, and a reason."""
    elevations = stack_setting(resources, "elevations")
    if not isinstance(elevations, list) or not elevations:
        return
    own = stack_guardrails(resources).get("maxElevationHours")
    limit = min(own, settings.max_elevation_hours) if isinstance(own, int) else settings.max_elevation_hours
    moment = now()
    for user in _of_kind(resources, USER):
        if user.stack not in settings.production_stacks:
            continue
        for elevation in elevations:
            if not isinstance(elevation, Mapping) or elevation.get("member") != user.member:
                continue
            if elevation.get("template") != ADMIN_TEMPLATE:
                continue
            what = f"member '{user.member}': elevation to '{ADMIN_TEMPLATE}' on production stack '{user.stack}'"
            if not str(elevation.get("reason") or "").strip():
                report(user.urn, f"{what} has no reason")
            until = elevation.get("until")
            if until is None:
                report(user.urn, f"{what} has no end (until); at most {limit} hours are allowed")
                continue
            try:
                end = parse_moment(until)
            except ValueError as exc:
                report(user.urn, f"{what}: until {exc}")
                continue
            hours = (end - moment).total_seconds() / 3600
            if hours > limit:
                report(user.urn, f"{what} lasts {hours:.1f} more hours; at most {limit} are allowed")


Rule = Callable[[list[PlannedResource], RuleSettings, Report], None]


@dataclass(frozen=True)
class RuleInfo:
    name: str
    description: str
    check: Rule


RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "mcp-no-admin-access",
        "No admin_access on MCP policies, except the developer template in a stack that opts in.",
        no_admin_access,
    ),
    RuleInfo("mcp-no-app-access", "No app_access (Data Studio login) on MCP policies.", no_app_access),
    RuleInfo("analysis-read-only", "The analysis template grants read actions only.", analysis_read_only),
    RuleInfo(
        "production-hardening",
        "Production stacks: deletes through MCP off, no delete grant, an ip allowlist on every MCP policy, OAuth "
        "dynamic client registration only with guardrails.allowDynamicClientRegistration.",
        production_hardening,
    ),
    RuleInfo("token-rotation-limit", "Static tokens rotate within the configured maximum (90 days).", rotation_limit),
    RuleInfo(
        "one-user-per-member",
        "One MCP user per member: no shared emails, no token shared between members.",
        one_user_per_member,
    ),
    RuleInfo("mcp-email-pattern", "MCP user emails follow the configured pattern.", email_pattern),
    RuleInfo(
        "elevation-time-box",
        "Production stacks: an elevation to the developer template has a reason and ends within the limit (8 hours).",
        elevation_time_box,
    ),
)


def evaluate(resources: list[PlannedResource], settings: RuleSettings | None = None) -> list[Violation]:
    """Every violation of every rule (for tests and tools; the pack reports them one rule at a time)."""
    found: list[Violation] = []
    for rule in RULES:
        rule.check(
            resources,
            settings or RuleSettings(),
            lambda urn, message, name=rule.name: found.append(Violation(name, urn, message)),  # type: ignore[misc]
        )
    return found
