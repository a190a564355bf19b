"""``mcp-access audit``: the managed MCP users' activity over a period, checked for the guide's warning signs.

Who is audited: the members in the stack's outputs (``members``: user id, template, enabled), i.e. the users
the last ``up`` created and Pulumi's state records. The outputs are read from the engine's state without
running the program, so the audit needs no change and no preview. Users the stack no longer manages, and
members declared but not applied yet, are out of scope (the latter are listed in the notes).

What each member may write: the template the stack config declares *now*, rendered as ``up`` would render it
(the config is read from the stack itself, ``pulumi config``, so it works for any stack the engine knows).
The audit settings (time zone, working hours, mass-deletion threshold) are the stack's ``audit`` section.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusForbiddenError
from components.directus.oauth import deleted_clients, read_oauth
from components.engine.deployed import deployed_outputs, members_of, stack_settings, stack_templates
from components.errors import McpAccessError
from components.model.access_at import member_active
from components.model.clock import now as clock_now
from components.model.role_specs import render_context, stack_role_specs
from components.model.role_templates import TEMPLATE_DIR, RoleSpec, TemplateError, render
from components.model.stack_config import ConfigError, StackConfig
from components.ops.audit.recorded import Recorded, read_recorded, recorded_findings
from components.ops.audit.rules import Activity, AuditedMember, AuditFinding, FindingKind, Rules, find_all, write_sets
from components.ops.audit.source import (
    UNLICENSED_ACTIVITY_DAYS,
    parse_directus_time,
    read_activity,
    read_login_attempts,
    read_oauth_activity,
    read_user_statuses,
)
from components.ops.audit.stale import stale_findings
from components.providers.connection import client_for, connection_from

DEFAULT_DAYS = 30


class AuditError(McpAccessError, ValueError):
    """The audit cannot run as asked (bad period, stack not deployed, ...)."""


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime


def resolve_period(
    *,
    zone: ZoneInfo,
    now: datetime,
    days: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Period:
    """The audited period: ``[since, until)``. Times without an offset are in the audit's time zone.

    With neither ``since`` nor ``days``, the last :data:`DEFAULT_DAYS` days up to ``now``.
    """
    end = _aware(until, zone) if until is not None else now
    if since is not None:
        start = _aware(since, zone)
    else:
        start = end - timedelta(days=days if days is not None else DEFAULT_DAYS)
    if start >= end:
        raise AuditError(f"empty period: --since {start.isoformat()} is not before --until {end.isoformat()}")
    return Period(start, end)


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class MemberActivity:
    member: AuditedMember
    mcp_email: str
    #: action -> number of rows in the period.
    actions: Counter[str]


@dataclass(frozen=True)
class AuditResult:
    stack: str
    directus_url: str
    period: Period
    rules: Rules
    members: list[MemberActivity]
    findings: list[AuditFinding]
    #: Directus's ``auth_login_attempts`` (failed logins before a suspension); ``None``: no limit.
    login_attempts: int | None = None
    notes: list[str] = field(default_factory=list)
    #: OAuth clients registered in the period, and OAuth tokens issued in it (to any user), in words;
    #: ``None``: the server runs without OAuth.
    oauth_clients: list[str] | None = None
    oauth_tokens: list[str] = field(default_factory=list)
    #: The activity rows of the period (the HTML report draws them as a timeline).
    activity: list[Activity] = field(default_factory=list)
    #: The recorder's rows of the period (``None``: the stack's recorder is off, see docs/recorder.md).
    recorded: list[Recorded] | None = None
    read_volume_threshold: int | None = None

    @property
    def exit_code(self) -> int:
        """0: nothing to look at; 1: findings (like a drift check)."""
        return 1 if self.findings else 0


def _spec_for(
    template: str, specs: dict[str, RoleSpec], config: StackConfig, stack: str, template_dir: Path
) -> RoleSpec:
    if template in specs:
        return specs[template]
    try:  # a member applied with a template the config no longer uses (not applied yet)
        return render(template, render_context(config, stack, template), template_dir)
    except TemplateError as exc:
        raise ConfigError(str(exc)) from None


def audited_members(
    outputs: dict[str, Any], config: StackConfig, stack: str, template_dir: Path = TEMPLATE_DIR
) -> tuple[list[tuple[AuditedMember, str]], list[str]]:
    """The managed members (with their MCP email) from the outputs, each with its declared write set."""
    specs = stack_role_specs(config, stack, template_dir)
    declared = {m.name: m for m in config.members}
    members: list[tuple[AuditedMember, str]] = []
    for name, info in sorted(outputs.items()):
        member = declared.get(name)
        template = member.template if member else str(info["template"])
        spec = _spec_for(template, specs, config, stack, template_dir)
        audited = AuditedMember(
            name=name,
            user_id=str(info["userId"]),
            template=template,
            enabled=member_active(member, clock_now()) if member else bool(info.get("enabled", True)),
            writes=write_sets(spec.permission_rows()),
            auth=member.auth if member else str(info.get("auth", "token")),
        )
        members.append((audited, str(info.get("mcpEmail", ""))))
    notes = []
    pending = sorted(set(declared) - set(outputs))
    if pending:
        notes.append(f"declared but not applied yet (no user, not audited): {', '.join(pending)}")
    removed = sorted(name for name in outputs if name not in declared)
    if removed:
        notes.append(f"removed from the config but still applied (audited): {', '.join(removed)}")
    return members, notes


def run_audit(
    stack: auto.Stack,
    *,
    days: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> AuditResult:
    outputs = deployed_outputs(stack)
    config, values = stack_settings(stack)
    rules = Rules.from_config(config.audit)
    period = resolve_period(zone=rules.zone, now=now or clock_now(), days=days, since=since, until=until)
    members, notes = audited_members(members_of(outputs), config, stack.name, stack_templates(stack))
    connection = connection_from(values.get)
    user_ids = [m.user_id for m, _ in members]
    client = client_for(connection)  # the providers' timeouts, retries and "token rejected" hint
    rows = read_activity(client, user_ids, period.since, period.until)
    statuses = read_user_statuses(client, user_ids)
    login_attempts = read_login_attempts(client)
    members = [
        (
            AuditedMember(
                name=m.name,
                user_id=m.user_id,
                template=m.template,
                enabled=m.enabled,
                writes=m.writes,
                live_status=statuses.get(m.user_id),
                auth=m.auth,
            ),
            email,
        )
        for m, email in members
    ]
    missing = [m.name for m, _ in members if m.live_status is None]
    if missing:
        notes.append(f"user no longer in Directus (drift; its past activity is still audited): {', '.join(missing)}")
    oldest = (now or clock_now()) - timedelta(days=UNLICENSED_ACTIVITY_DAYS, minutes=5)
    if period.since < oldest:
        notes.append(
            f"the period starts more than {UNLICENSED_ACTIVITY_DAYS} days ago: Directus without a license returns "
            f"the last {UNLICENSED_ACTIVITY_DAYS} days of activity only, older rows are left out silently"
        )
    oauth_clients, oauth_tokens = _oauth_in_period(client, period)
    counts: dict[str, Counter[str]] = {m.user_id: Counter() for m, _ in members}
    for row in rows:
        counts[row.user][row.action] += 1
    findings = find_all([m for m, _ in members], rows, rules)
    recorded: list[Recorded] | None = None
    if config.recorder.enabled:
        ids = set(user_ids)
        try:
            logged = read_recorded(client, config.recorder.collection, period.since, period.until)
        except DirectusForbiddenError:
            notes.append(
                f"recorder.enabled, but the log collection {config.recorder.collection!r} does not exist (yet): run "
                "`mcp-access up`, and install the extension (docs/recorder.md)"
            )
        else:
            recorded = [r for r in logged if r.user in ids or r.user is None]
            threshold = config.audit.read_volume_threshold
            findings = _ordered(findings + recorded_findings([m for m, _ in members], recorded, rules, threshold))
    return AuditResult(
        stack=stack.name,
        directus_url=connection.url,
        period=period,
        rules=rules,
        members=[MemberActivity(m, email, counts[m.user_id]) for m, email in members],
        findings=_ordered(
            findings + stale_findings(client, members, now or clock_now(), config.review.stale_after_days)
        ),
        login_attempts=login_attempts,
        notes=notes,
        oauth_clients=oauth_clients,
        oauth_tokens=oauth_tokens,
        activity=list(rows),
        recorded=recorded,
        read_volume_threshold=config.audit.read_volume_threshold if recorded is not None else None,
    )


def _ordered(findings: list[AuditFinding]) -> list[AuditFinding]:
    """By kind, then time (timeless last), then member: the order the report shows them in."""
    order = list(FindingKind)
    return sorted(
        findings,
        key=lambda f: (
            order.index(f.kind),
            f.timestamp is None,
            f.timestamp or datetime.min.replace(tzinfo=UTC),
            f.member,
        ),
    )


def _oauth_in_period(client: DirectusClient, period: Period) -> tuple[list[str] | None, list[str]]:
    """OAuth clients registered in the period, and each OAuth token issued in it, in words."""
    listing = read_oauth(client)
    if not listing.available:
        return None, []
    clients = [
        f"{c.client_name!r} ({c.client_id}, {c.registration_type}) registered {c.date_created:%Y-%m-%d %H:%M} UTC"
        for c in listing.clients
        if period.since <= c.date_created < period.until
    ]
    live = {c.client_id for c in listing.clients}
    for gone in deleted_clients(client):  # Directus keeps no trace of a deleted client: this tool recorded it
        c = gone.client
        if c.client_id not in live and period.since <= c.date_created < period.until:
            clients.append(
                f"{c.client_name!r} ({c.client_id}, {c.registration_type}) registered {c.date_created:%Y-%m-%d %H:%M}"
                f" UTC; deleted by mcp-access {gone.deleted_at:%Y-%m-%d %H:%M} UTC when its member lost access"
            )
    tokens = []
    for row in read_oauth_activity(client, period.since, period.until):
        user = row.get("user") or {}
        who = user.get("email") if isinstance(user, dict) else user
        tokens.append(
            f"{parse_directus_time(str(row['timestamp'])):%Y-%m-%d %H:%M} UTC: OAuth token issued as {who} "
            f"(ip {row.get('ip') or '-'}, {row.get('user_agent') or 'no user agent'})"
        )
    return clients, tokens
