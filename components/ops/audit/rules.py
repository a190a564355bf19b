"""The audit's warning signs, as pure functions of activity rows: no HTTP, no Pulumi, no clock.

The signs come from the security guide's monitoring advice: mass deletions, writes where the member's
template grants none, activity outside working hours, and users suspended after failed logins. Each rule
takes the rows Directus recorded for the managed MCP users and returns :class:`AuditFinding` objects.

Facts about ``directus_activity`` (Directus 12.4.0) the rules rely on:

- An MCP tool call that writes leaves one row per item, exactly like the REST API: ``create``, ``update`` or
  ``delete`` with the item's collection and key, the caller's ``ip``, ``user_agent`` and ``origin`` (the
  HTTP headers the client sent). Nothing marks it as coming from ``/mcp``.
- After ``auth_login_attempts`` failed password logins Directus suspends the user and records an ``update``
  on ``directus_users`` whose ``user`` and ``item`` are the suspended user itself, with the ip and user
  agent of the caller who failed, and a revision whose delta is ``{"status": "suspended"}``.
- A successful password login is a ``login`` row. The MCP users this project creates have no password, so
  any ``login`` means someone gave one a password.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from components.model.audit_config import WEEKDAYS, AuditConfig
from components.model.lockouts import LOCKOUTS, lockout_words
from components.names import APPROVAL_USER_AGENT

AUDITED_WRITES = ("create", "update", "delete")
USERS_COLLECTION = "directus_users"
#: Directus records each OAuth token it issues (code exchange, refresh) as a ``login`` on this collection.
OAUTH_TOKENS_COLLECTION = "directus_oauth_tokens"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FindingKind(StrEnum):
    """Kinds of findings, in the order the report shows them."""

    MASS_DELETION = "mass-deletion"
    OUTSIDE_TEMPLATE = "outside-template"
    OUTSIDE_HOURS = "outside-working-hours"
    SUSPENDED = "suspended"
    LOCKED_OUT = "locked-out"
    STALE = "stale"
    PASSWORD_LOGIN = "password-login"  # noqa: S105 (a kind of finding, not a password)
    OAUTH_TOKEN = "oauth-token-of-token-member"  # noqa: S105
    # Signs only the recorder extension shows (ops/audit/recorded.py):
    REFUSED = "refused-call"
    READ_VOLUME = "read-volume"
    FAILED_LOGINS = "failed-token-logins"


@dataclass(frozen=True)
class Activity:
    """One row of ``directus_activity`` (``timestamp`` is timezone-aware)."""

    id: int
    action: str
    collection: str
    item: str | None
    timestamp: datetime
    user: str
    ip: str | None = None
    user_agent: str | None = None
    origin: str | None = None
    #: The ``status`` its revision set, for rows on ``directus_users`` (how a suspension is told apart).
    new_status: str | None = None

    @property
    def is_self_suspension(self) -> bool:
        """Directus suspending a user after failed logins: the user 'updates' itself to suspended."""
        return (
            self.action == "update"
            and self.collection == USERS_COLLECTION
            and self.item == self.user
            and self.new_status == "suspended"
        )


@dataclass(frozen=True)
class AuditedMember:
    """A managed MCP user as the audit sees it: who it is, what its template lets it write, its live status."""

    name: str
    user_id: str
    template: str
    enabled: bool
    #: collection -> write actions (create/update/delete) the member's template grants there.
    writes: Mapping[str, frozenset[str]]
    #: ``status`` of the user in Directus now; ``None`` when the user does not exist any more.
    live_status: str | None = "active"
    #: ``token`` or ``oauth`` (the member's ``auth``).
    auth: str = "token"


@dataclass(frozen=True)
class AuditFinding:
    kind: FindingKind
    member: str
    timestamp: datetime | None
    action: str | None = None
    collection: str | None = None
    item: str | None = None
    detail: str = ""
    #: Rows the finding stands for (a mass deletion covers several), and the last one's time.
    count: int = 1
    until: datetime | None = None
    ip: str | None = None
    user_agent: str | None = None
    origin: str | None = None
    activity_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rules:
    """The audit settings of a stack in the shape the rules use."""

    zone: ZoneInfo
    #: minutes after local midnight; ``None``: working hours are not checked.
    hours: tuple[int, int] | None
    work_days: frozenset[int]
    mass_delete_threshold: int
    mass_delete_window: timedelta

    @classmethod
    def from_config(cls, audit: AuditConfig) -> Rules:
        return cls(
            zone=audit.zone(),
            hours=audit.hours_minutes(),
            work_days=audit.weekday_numbers(),
            mass_delete_threshold=audit.mass_delete_threshold,
            mass_delete_window=timedelta(minutes=audit.mass_delete_window_minutes),
        )

    def within_working_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls on a work day, within the working hours, in the configured zone.

        The local wall-clock time decides, so a shift keeps its local hours across daylight-saving changes.
        Hours that span midnight (``22:00-06:00``) belong to the day they start on.
        """
        if self.hours is None:
            return True
        local = moment.astimezone(self.zone)
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        start, end = self.hours
        if start < end:
            return local.weekday() in self.work_days and start <= minute < end
        if minute >= start:
            return local.weekday() in self.work_days
        return minute < end and (local.weekday() - 1) % 7 in self.work_days

    def describe_hours(self) -> str:
        if self.hours is None:
            return "not configured"
        start, end = self.hours
        hours = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        return f"{hours} {self.describe_days()} ({self.zone.key})"

    def describe_days(self) -> str:
        """``every day``, ``Mon-Fri`` (a run of days) or ``Mon, Wed, Fri``."""
        days = sorted(self.work_days)
        if len(days) == len(WEEKDAYS):
            return "every day"
        names = [WEEKDAYS[d].capitalize() for d in days]
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            return f"{names[0]}-{names[-1]}"
        return ", ".join(names)


def _finding(kind: FindingKind, member: AuditedMember, row: Activity, detail: str) -> AuditFinding:
    return AuditFinding(
        kind=kind,
        member=member.name,
        timestamp=row.timestamp,
        action=row.action,
        collection=row.collection,
        item=row.item,
        detail=detail,
        ip=row.ip,
        user_agent=row.user_agent,
        origin=row.origin,
        activity_ids=(row.id,),
    )


def mass_deletions(member: AuditedMember, rows: Sequence[Activity], rules: Rules) -> list[AuditFinding]:
    """Bursts of at least ``threshold`` deletes within ``window``: one finding per burst.

    Each delete that ends a window holding ``threshold`` deletes marks that whole window; marked windows that
    share a delete merge into one burst, so a long deletion spree is one finding with its count and time span.
    """
    deletes = sorted((r for r in rows if r.action == "delete"), key=lambda r: (r.timestamp, r.id))
    bursts: list[list[int]] = []  # [first, last] indices into deletes
    first = 0
    for last, row in enumerate(deletes):
        while row.timestamp - deletes[first].timestamp > rules.mass_delete_window:
            first += 1
        if last - first + 1 < rules.mass_delete_threshold:
            continue
        if bursts and first <= bursts[-1][1]:
            bursts[-1][1] = last  # overlaps the previous marked window: the same burst goes on
        else:
            bursts.append([first, last])
    return [_burst(member, deletes[a : b + 1], rules) for a, b in bursts]


def _burst(member: AuditedMember, burst: list[Activity], rules: Rules) -> AuditFinding:
    collections = sorted({r.collection for r in burst})
    items = [r.item or "?" for r in burst]
    shown = ", ".join(items[:10]) + (f", ... ({len(items) - 10} more)" if len(items) > 10 else "")
    minutes = int(rules.mass_delete_window.total_seconds() // 60)
    return AuditFinding(
        kind=FindingKind.MASS_DELETION,
        member=member.name,
        timestamp=burst[0].timestamp,
        until=burst[-1].timestamp,
        action="delete",
        collection=", ".join(collections),
        item=shown,
        detail=f"{len(burst)} deletes (threshold {rules.mass_delete_threshold} within {minutes} min), items {shown}",
        count=len(burst),
        ip=burst[0].ip,
        user_agent=burst[0].user_agent,
        origin=burst[0].origin,
        activity_ids=tuple(r.id for r in burst),
    )


def writes_outside_template(member: AuditedMember, rows: Sequence[Activity]) -> list[AuditFinding]:
    """Creates, updates and deletes the member's template does not grant on that collection.

    The template is the one the stack declares now: a write that a since-narrowed template allowed is still
    shown, because the reviewer should see what the MCP user did beyond what it is meant to do.
    """
    findings = []
    for row in rows:
        if row.action not in AUDITED_WRITES or row.is_self_suspension:
            continue
        granted = member.writes.get(row.collection, frozenset())
        if row.action in granted:
            continue
        grants = ", ".join(sorted(granted)) if granted else "no write"
        detail = f"template {member.template!r} grants {grants} on {row.collection}"
        findings.append(_finding(FindingKind.OUTSIDE_TEMPLATE, member, row, detail))
    return findings


def outside_working_hours(member: AuditedMember, rows: Sequence[Activity], rules: Rules) -> list[AuditFinding]:
    """Every row (any action) recorded outside the configured working hours; none when hours are unset."""
    if rules.hours is None:
        return []
    findings = []
    for row in rows:
        if rules.within_working_hours(row.timestamp):
            continue
        local = row.timestamp.astimezone(rules.zone)
        detail = f"{local:%a %H:%M} {local.tzname()}, outside working hours"
        findings.append(_finding(FindingKind.OUTSIDE_HOURS, member, row, detail))
    return findings


def suspensions(member: AuditedMember, rows: Sequence[Activity]) -> list[AuditFinding]:
    """Suspensions after failed logins in the period, and a declared-enabled user found suspended now."""
    events = [r for r in rows if r.is_self_suspension]
    findings = []
    for row in events:
        now = f"; live status now {member.live_status!r}" if member.live_status != "suspended" else ""
        detail = (
            f"suspended by Directus after repeated failed password logins (auth_login_attempts), "
            f"from ip {row.ip or '?'}{now}"
        )
        findings.append(_finding(FindingKind.SUSPENDED, member, row, detail))
    if member.enabled and member.live_status == "suspended" and not events:
        findings.append(
            AuditFinding(
                kind=FindingKind.SUSPENDED,
                member=member.name,
                timestamp=None,
                action=None,
                collection=USERS_COLLECTION,
                item=member.user_id,
                detail="declared enabled but suspended in Directus; no suspension after failed logins in the period "
                f"(suspended earlier, or by someone): {LOCKOUTS['suspended'][1]}",
            )
        )
    return findings


def lockouts(member: AuditedMember) -> list[AuditFinding]:
    """A member the code enables whose user has a status that refuses its tokens (``inactive-license``, draft,
    invited, archived; suspended has its own rule), in words with what to do."""
    words = lockout_words(member.live_status) if member.enabled and member.live_status != "suspended" else None
    if words is None:
        return []
    happened, todo = words
    return [
        AuditFinding(
            kind=FindingKind.LOCKED_OUT,
            member=member.name,
            timestamp=None,
            collection=USERS_COLLECTION,
            item=member.user_id,
            detail=f"declared enabled, but its user {happened}: {todo}",
        )
    ]


def password_logins(member: AuditedMember, rows: Sequence[Activity]) -> list[AuditFinding]:
    """Password logins (MCP users have no password at all). An OAuth member logs in once per consent, by
    ``mcp-access oauth-approve`` with a one-time password and the user agent :data:`APPROVAL_USER_AGENT`: only
    those are expected. (A user agent can be copied; the approval also clears the password at once, and
    ``drift`` reports an MCP user that has one.)"""
    detail = "password login of an OAuth MCP user outside `mcp-access oauth-approve`"
    if member.auth != "oauth":
        detail = "password login of a token-only MCP user"
    return [
        _finding(FindingKind.PASSWORD_LOGIN, member, row, detail)
        for row in rows
        if row.action == "login"
        and row.collection != OAUTH_TOKENS_COLLECTION
        and not (member.auth == "oauth" and row.user_agent == APPROVAL_USER_AGENT)
    ]


def oauth_tokens_of_token_members(member: AuditedMember, rows: Sequence[Activity]) -> list[AuditFinding]:
    """An OAuth token issued to a token member: someone approved a consent as that user (``login`` on tokens)."""
    if member.auth == "oauth":
        return []
    return [
        _finding(FindingKind.OAUTH_TOKEN, member, row, "OAuth token issued to a static-token MCP user")
        for row in rows
        if row.action == "login" and row.collection == OAUTH_TOKENS_COLLECTION
    ]


def find_all(members: Iterable[AuditedMember], rows: Iterable[Activity], rules: Rules) -> list[AuditFinding]:
    """Every finding for every member, ordered by kind, then time, then member."""
    by_user: dict[str, list[Activity]] = {}
    for row in rows:
        by_user.setdefault(row.user, []).append(row)
    findings: list[AuditFinding] = []
    for member in members:
        mine = sorted(by_user.get(member.user_id, []), key=lambda r: (r.timestamp, r.id))
        findings += mass_deletions(member, mine, rules)
        findings += writes_outside_template(member, mine)
        findings += outside_working_hours(member, mine, rules)
        findings += suspensions(member, mine)
        findings += lockouts(member)
        findings += password_logins(member, mine)
        findings += oauth_tokens_of_token_members(member, mine)
    order = list(FindingKind)
    return sorted(
        findings,
        key=lambda f: (order.index(f.kind), f.timestamp is None, f.timestamp or _EPOCH, f.member),
    )


def write_sets(permission_rows: Iterable[Mapping[str, object]]) -> dict[str, frozenset[str]]:
    """collection -> write actions, from a rendered template's permission rows."""
    writes: dict[str, set[str]] = {}
    for row in permission_rows:
        action = str(row["action"])
        if action in AUDITED_WRITES:
            writes.setdefault(str(row["collection"]), set()).add(action)
    return {collection: frozenset(actions) for collection, actions in writes.items()}
