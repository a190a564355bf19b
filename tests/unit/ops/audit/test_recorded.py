"""The warning signs only the recorder shows, on hand-built rows, and how the audit reports them."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from components.model.stack_config import parse_config
from components.ops.audit.recorded import Recorded, recorded_findings
from components.ops.audit.render import to_json, to_markdown
from components.ops.audit.rules import AuditedMember, FindingKind, Rules
from components.ops.audit.run import AuditResult, MemberActivity, Period

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
JOHN = AuditedMember("john", "u-john", "content", True, {"articles": frozenset({"create"})}, "active")


def rules(**audit: object) -> Rules:
    return Rules.from_config(parse_config({"directusUrl": "http://d", "audit": audit}).audit)


def row(n: int, kind: str = "mcp", minutes: int = 0, **fields: object) -> Recorded:
    defaults: dict[str, object] = {"user": "u-john"} if kind != "failed-login" else {"ip": "10.0.0.9"}
    if kind == "mcp":
        defaults.update(method="tools/call", tool="items", action="read", collection="articles", status=200)
    return Recorded(id=n, timestamp=NOON + timedelta(minutes=minutes), kind=kind, **{**defaults, **fields})  # type: ignore[arg-type]


def test_a_refused_read_names_the_collection_and_code() -> None:
    rows = [row(1, rows=3), row(2, collection="internal_notes", refused=True, error_code="FORBIDDEN")]
    (finding,) = recorded_findings([JOHN], rows, rules(), 1000)
    assert finding.kind is FindingKind.REFUSED and finding.member == "john" and finding.collection == "internal_notes"
    assert "MCP tools/call items read on internal_notes refused (FORBIDDEN)" in finding.detail


def test_read_volume_is_summed_per_member_and_hour_above_the_threshold() -> None:
    rows = [
        row(1, rows=60),
        row(2, kind="read", collection="authors", rows=50, minutes=30),
        row(3, rows=100, minutes=70),  # the next hour: 100 is not above 100
    ]
    findings = recorded_findings([JOHN], rows, rules(), 100)
    assert [(f.kind, f.count, f.timestamp) for f in findings] == [(FindingKind.READ_VOLUME, 110, NOON)]
    assert "110 rows read in one hour (threshold 100) in 2 calls" in findings[0].detail
    assert recorded_findings([JOHN], rows, rules(), 110) == []  # 110 is not above 110


def test_failed_token_logins_are_grouped_per_ip_and_hour() -> None:
    rows = [
        row(1, kind="failed-login", path="/mcp", status=401),
        row(2, kind="failed-login", path="/items", status=401, minutes=5),
        row(3, kind="failed-login", ip="10.0.0.7", path="/mcp", status=401, minutes=6),
        row(4, kind="failed-login", path="/mcp", status=401, minutes=65),
    ]
    findings = recorded_findings([JOHN], rows, rules(), 1000)
    assert [(f.kind, f.ip, f.count) for f in findings] == [
        (FindingKind.FAILED_LOGINS, "10.0.0.7", 1),
        (FindingKind.FAILED_LOGINS, "10.0.0.9", 2),
        (FindingKind.FAILED_LOGINS, "10.0.0.9", 1),
    ]
    assert "2 requests with a rejected token from ip 10.0.0.9 on /items, /mcp" in findings[1].detail


def test_reads_outside_working_hours_are_flagged_but_successful_writes_are_left_to_the_activity_log() -> None:
    closed = rules(workingHours="08:00-10:00")
    rows = [row(1, rows=2), row(2, action="create"), row(3, kind="read", collection="articles", rows=1)]
    findings = recorded_findings([JOHN], rows, closed, 1000)
    assert [(f.kind, f.collection) for f in findings] == [(FindingKind.OUTSIDE_HOURS, "articles")] * 2
    assert "Tue 12:00 UTC: MCP tools/call items read on articles" in findings[0].detail


def test_other_users_rows_are_ignored_except_failed_logins() -> None:
    rows = [row(1, user="u-admin", refused=True), row(2, kind="failed-login")]
    assert [f.kind for f in recorded_findings([JOHN], rows, rules(), 1000)] == [FindingKind.FAILED_LOGINS]


def result(recorded: list[Recorded] | None) -> AuditResult:
    r = rules()
    findings = recorded_findings([JOHN], recorded or [], r, 1000) if recorded is not None else []
    return AuditResult(
        stack="unit",
        directus_url="http://d",
        period=Period(NOON - timedelta(days=1), NOON + timedelta(days=1)),
        rules=r,
        members=[MemberActivity(JOHN, "ai-john@company.com", Counter())],
        findings=findings,
        login_attempts=25,
        recorded=recorded,
        read_volume_threshold=None if recorded is None else 1000,
    )


def test_with_the_recorder_the_report_names_refusals_and_failed_logins_and_json_gains_the_rows() -> None:
    recorded = [row(1, collection="internal_notes", refused=True, error_code="FORBIDDEN"), row(2, kind="failed-login")]
    text = to_markdown(result(recorded))
    assert "### Refused calls (collections outside the template) (1)" in text
    assert "### Failed token logins (1)" in text and "from ip 10.0.0.9" in text
    not_recorded = text.split("## Not recorded by Directus", 1)[1]
    assert "Reads: reading items" not in not_recorded and "Failed token authentication" not in not_recorded
    assert "With the recorder extension" in not_recorded
    document = json.loads(to_json(result(recorded)))
    assert [r["kind"] for r in document["recorded"]] == ["mcp", "failed-login"]
    assert document["counts"]["refused-call"] == 1 and document["settings"]["readVolumeThreshold"] == 1000


def test_without_the_recorder_its_signs_say_not_checked_and_nothing_shrinks() -> None:
    text = to_markdown(result(None))
    assert "### Failed token logins (0)\n\nNot checked: the recorder is off" in text
    assert "Failed token authentication" in text.split("## Not recorded by Directus", 1)[1]
    assert json.loads(to_json(result(None)))["recorded"] is None
