"""What the recorder extension wrote (the stack's log collection), and the warning signs only it can show.

Rows (see docs/recorder.md): ``mcp`` (one MCP call: method, tool, action, collection, status, refused, error
code, rows read), ``read`` (a read outside MCP: collection, rows), ``refused`` (a REST request of a member that
permissions refused) and ``failed-login`` (a request whose token Directus rejected: IP and time only).

The rules are pure functions of those rows: no HTTP, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from components.directus.client import DirectusClient
from components.ops.audit.rules import AUDITED_WRITES, AuditedMember, AuditFinding, FindingKind, Rules
from components.ops.audit.source import parse_directus_time

FIELDS = (
    "id",
    "timestamp",
    "kind",
    "user",
    "method",
    "tool",
    "action",
    "collection",
    "status",
    "refused",
    "error_code",
    "rows",
    "ip",
    "path",
)
PAGE_SIZE = 5000
FAILED_LOGIN = "failed-login"


@dataclass(frozen=True)
class Recorded:
    """One row of the log collection (``timestamp`` is timezone-aware)."""

    id: int
    timestamp: datetime
    kind: str
    user: str | None = None
    method: str | None = None
    tool: str | None = None
    action: str | None = None
    collection: str | None = None
    status: int | None = None
    refused: bool = False
    error_code: str | None = None
    rows: int | None = None
    ip: str | None = None
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["timestamp"] = self.timestamp.isoformat()
        return data

    def words(self) -> str:
        """``MCP tools/call items read on articles`` / ``read of articles``: what the row says, in words."""
        if self.kind == "mcp":
            what = " ".join(p for p in (self.method, self.tool, self.action) if p)
            return f"MCP {what}" + (f" on {self.collection}" if self.collection else "")
        if self.kind == "read":
            return f"read of {self.collection}"
        return f"{self.kind} {self.method or ''} {self.path or ''}".strip()


def _row(raw: dict[str, Any]) -> Recorded:
    def text(key: str) -> str | None:
        value = raw.get(key)
        return None if value is None else str(value)

    def number(key: str) -> int | None:
        value = raw.get(key)
        return None if value is None else int(value)

    return Recorded(
        id=int(raw["id"]),
        timestamp=parse_directus_time(str(raw["timestamp"])),
        kind=str(raw.get("kind") or ""),
        user=text("user"),
        method=text("method"),
        tool=text("tool"),
        action=text("action"),
        collection=text("collection"),
        status=number("status"),
        refused=bool(raw.get("refused")),
        error_code=text("error_code"),
        rows=number("rows"),
        ip=text("ip"),
        path=text("path"),
    )


def read_recorded(
    client: DirectusClient, collection: str, since: datetime, until: datetime, *, page_size: int = PAGE_SIZE
) -> list[Recorded]:
    """Every row with ``since <= timestamp < until``, oldest first (filtered on ``at_ms``, milliseconds)."""
    filter_ = {"at_ms": {"_gte": epoch_ms(since), "_lt": epoch_ms(until)}}
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = client.list_objects(
            f"/items/{collection}",
            filter=filter_,
            fields=FIELDS,
            limit=page_size,
            extra={"sort": "id", "page": str(page)},
        )
        rows += batch
        if len(batch) < page_size:
            break
        page += 1
    return sorted((_row(r) for r in rows), key=lambda r: (r.timestamp, r.id))


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _finding(kind: FindingKind, member: str, row: Recorded, detail: str) -> AuditFinding:
    return AuditFinding(
        kind=kind,
        member=member,
        timestamp=row.timestamp,
        action=row.action or row.method,
        collection=row.collection,
        detail=detail,
        ip=row.ip,
    )


def refused_calls(member: AuditedMember, rows: Sequence[Recorded]) -> list[AuditFinding]:
    """Calls permissions refused: reads (or writes) of collections outside the member's template."""
    return [
        _finding(FindingKind.REFUSED, member.name, row, f"{row.words()} refused ({row.error_code or row.status})")
        for row in rows
        if row.refused
    ]


def read_volume(member: AuditedMember, rows: Sequence[Recorded], threshold: int) -> list[AuditFinding]:
    """Hours in which the member read more rows than ``threshold`` (MCP and REST reads together)."""
    per_hour: dict[datetime, list[Recorded]] = defaultdict(list)
    for row in rows:
        if row.rows and not row.refused and (row.kind == "read" or row.action not in AUDITED_WRITES):
            per_hour[_hour(row.timestamp)].append(row)
    findings = []
    for hour, hour_rows in sorted(per_hour.items()):
        total = sum(r.rows or 0 for r in hour_rows)
        if total <= threshold:
            continue
        collections = sorted({r.collection or "?" for r in hour_rows})
        findings.append(
            AuditFinding(
                kind=FindingKind.READ_VOLUME,
                member=member.name,
                timestamp=hour,
                action="read",
                collection=", ".join(collections),
                detail=f"{total} rows read in one hour (threshold {threshold}) in {len(hour_rows)} calls",
                count=total,
                ip=hour_rows[0].ip,
            )
        )
    return findings


def failed_logins(rows: Iterable[Recorded]) -> list[AuditFinding]:
    """Requests with a rejected token, one finding per IP and hour (no member: the token named nobody)."""
    groups: dict[tuple[str, datetime], list[Recorded]] = defaultdict(list)
    for row in rows:
        if row.kind == FAILED_LOGIN:
            groups[(row.ip or "?", _hour(row.timestamp))].append(row)
    findings = []
    for (ip, _), group in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        paths = sorted({r.path or "?" for r in group})
        findings.append(
            AuditFinding(
                kind=FindingKind.FAILED_LOGINS,
                member="-",
                timestamp=group[0].timestamp,
                until=group[-1].timestamp if len(group) > 1 else None,
                detail=f"{len(group)} requests with a rejected token from ip {ip} on {', '.join(paths)}",
                count=len(group),
                ip=ip,
            )
        )
    return findings


def outside_hours(member: AuditedMember, rows: Sequence[Recorded], rules: Rules) -> list[AuditFinding]:
    """Recorded calls outside working hours, reads included. Successful writes are left to the activity log's
    rule (each also has an activity row), so nothing is counted twice."""
    if rules.hours is None:
        return []
    findings = []
    for row in rows:
        if row.kind not in ("mcp", "read") or rules.within_working_hours(row.timestamp):
            continue
        if row.action in AUDITED_WRITES and not row.refused and not row.error_code:
            continue
        local = row.timestamp.astimezone(rules.zone)
        findings.append(
            _finding(FindingKind.OUTSIDE_HOURS, member.name, row, f"{local:%a %H:%M} {local.tzname()}: {row.words()}")
        )
    return findings


def recorded_findings(
    members: Iterable[AuditedMember], rows: Sequence[Recorded], rules: Rules, read_threshold: int
) -> list[AuditFinding]:
    by_user: dict[str, list[Recorded]] = defaultdict(list)
    for row in rows:
        if row.user:
            by_user[row.user].append(row)
    findings: list[AuditFinding] = []
    for member in members:
        mine = by_user.get(member.user_id, [])
        findings += refused_calls(member, mine)
        findings += read_volume(member, mine, read_threshold)
        findings += outside_hours(member, mine, rules)
    return findings + failed_logins(rows)
