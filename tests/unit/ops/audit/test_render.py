"""The audit's period, its markdown and JSON reports, and its command line, without Directus."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components.cli import main
from components.model.stack_config import parse_config
from components.ops.audit.render import MARKDOWN_ROWS, to_json, to_markdown
from components.ops.audit.rules import Activity, AuditedMember, Rules, find_all
from components.ops.audit.run import AuditError, AuditResult, MemberActivity, Period, resolve_period

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_default_period_is_the_last_30_days() -> None:
    assert resolve_period(zone=BERLIN, now=NOW) == Period(NOW - timedelta(days=30), NOW)
    assert resolve_period(zone=BERLIN, now=NOW, days=7).since == NOW - timedelta(days=7)


def test_times_without_an_offset_are_in_the_audit_time_zone() -> None:
    period = resolve_period(zone=BERLIN, now=NOW, since=datetime(2026, 11, 1), until=datetime(2026, 11, 2))
    assert period.since == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # midnight CET is 23:00 UTC
    aware = datetime(2026, 11, 1, tzinfo=UTC)
    assert resolve_period(zone=BERLIN, now=NOW, since=aware).since == aware


def test_an_empty_period_is_an_error() -> None:
    with pytest.raises(AuditError, match="empty period"):
        resolve_period(zone=BERLIN, now=NOW, since=datetime(2026, 11, 2), until=datetime(2026, 11, 1))


def result_with(rows: list[Activity], **audit: object) -> AuditResult:
    rules = Rules.from_config(parse_config({"directusUrl": "http://d", "audit": audit}).audit)
    john = AuditedMember("john", "u-john", "content", True, {"articles": frozenset({"create", "update"})}, "active")
    actions = Counter(r.action for r in rows)
    return AuditResult(
        stack="unit",
        directus_url="http://d",
        period=Period(NOW - timedelta(days=1), NOW),
        rules=rules,
        members=[MemberActivity(john, "ai-john@company.com", actions)],
        findings=find_all([john], rows, rules),
        login_attempts=25,
    )


def test_clean_markdown_says_no_findings_and_what_directus_does_not_record() -> None:
    text = to_markdown(result_with([]))
    assert "No findings." in text
    assert "Not checked: `audit.workingHours` is not set" in text
    section = text.split("## Not recorded by Directus", 1)[1]
    for words in (
        "Reads",
        "Refused calls",
        "Failed token authentication",
        "beyond auth_login_attempts (25)",
        "MCP is not",
    ):
        assert words in section
    assert result_with([]).exit_code == 0


def test_findings_in_markdown_and_json_carry_local_time_member_collection_and_action() -> None:
    rows = [
        Activity(1, "create", "internal_notes", "4", NOW - timedelta(hours=2), "u-john", "10.0.0.1", "claude-code/1.0")
    ]
    result = result_with(rows, timezone="Europe/Berlin", workingHours="08:00-09:00")
    assert result.exit_code == 1
    text = to_markdown(result)
    assert "**2 findings**" in text
    assert "| 2026-11-24 11:00:00 CET | john | create | internal_notes | 4 |" in text
    document = json.loads(to_json(result))
    assert document["counts"]["outside-template"] == 1 and document["counts"]["outside-working-hours"] == 1
    finding = document["findings"][0]
    assert finding["localTime"] == "2026-11-24T11:00:00+01:00"
    assert (finding["member"], finding["collection"], finding["action"], finding["userAgent"]) == (
        "john",
        "internal_notes",
        "create",
        "claude-code/1.0",
    )
    assert document["members"][0]["activity"] == {"create": 1}
    assert document["exitCode"] == 1 and document["notRecorded"]


def test_markdown_lists_a_bounded_number_of_rows_per_kind() -> None:
    rows = [
        Activity(i, "update", "internal_notes", str(i), NOW - timedelta(minutes=i), "u-john")
        for i in range(1, MARKDOWN_ROWS + 6)
    ]
    text = to_markdown(result_with(rows))
    assert "... 5 more (all of them with `--json`)." in text
    assert len(json.loads(to_json(result_with(rows)))["findings"]) == MARKDOWN_ROWS + 5


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["audit", "--since", "yesterday"], "argument --since: 'yesterday' is not an ISO 8601 date"),
        (["audit", "--days", "0"], "argument --days: '0' is not a whole number of days of at least 1"),
        (["audit", "--days", "3", "--since", "2026-11-01"], "argument --since: not allowed with argument --days"),
    ],
)
def test_bad_audit_command_lines_exit_2(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert expected in capsys.readouterr().err
