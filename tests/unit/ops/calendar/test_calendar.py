"""`mcp-access calendar`: the file parses back as iCalendar with one event per rotation and the monthly review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from icalendar import Calendar

from components.ops.calendar.render import to_ical
from components.ops.calendar.run import calendar_plan, first_of_next_month

URL = "https://cms.example.com/mcp"


def _outputs() -> dict[str, Any]:
    members = {
        "john": {"mcpEmail": "ai-john@company.com", "template": "content", "mcpUrl": URL, "enabled": True,
                 "rotationDue": "2027-02-22T07:08:29+00:00"},
        "sarah": {"mcpEmail": "ai-sarah@company.com", "template": "analysis", "mcpUrl": URL, "enabled": True,
                  "rotationDue": "2027-03-01T23:30:00-02:00"},
        "lee": {"mcpEmail": "ai-lee@company.com", "template": "content", "mcpUrl": URL, "enabled": False},
    }  # fmt: skip
    return {"mcpUrl": SimpleNamespace(value=URL), "members": SimpleNamespace(value=members)}


def _events(data: bytes) -> dict[str, Any]:
    parsed = Calendar.from_ical(data)
    return {str(event["uid"]): event for event in parsed.walk("VEVENT")}


def test_one_event_per_enabled_members_rotation_date_and_a_monthly_review() -> None:
    plan = calendar_plan("production", _outputs(), today=date(2026, 12, 15))
    events = _events(to_ical(plan))
    assert set(events) == {
        "rotation.john.production@directus-mcp-access",
        "rotation.sarah.production@directus-mcp-access",
        "monthly-review.production@directus-mcp-access",
    }  # lee is disabled: no token, nothing to rotate
    john = events["rotation.john.production@directus-mcp-access"]
    assert str(john["summary"]) == "Rotate the MCP token of john (production)"
    assert john.decoded("dtstart") == date(2027, 2, 22)
    assert "mcp-access up --stack production" in str(john["description"])
    assert "ai-john@company.com" in str(john["description"])
    alarm = next(iter(john.walk("VALARM")))
    assert alarm.decoded("trigger") == -timedelta(days=7)
    sarah = events["rotation.sarah.production@directus-mcp-access"]
    assert sarah.decoded("dtstart") == date(2027, 3, 2)  # 23:30 at -02:00 is the 2nd in UTC
    review = events["monthly-review.production@directus-mcp-access"]
    assert review.decoded("dtstart") == date(2027, 1, 1)
    assert review["rrule"]["FREQ"] == ["MONTHLY"] and review["rrule"]["BYMONTHDAY"] == [1]
    assert "mcp-access drift --stack production" in str(review["description"])


def test_no_token_appears_in_the_calendar() -> None:
    outputs = _outputs()
    outputs["tokens"] = SimpleNamespace(value={"john": "tok-secret-value"})
    data = to_ical(calendar_plan("production", outputs, today=date(2026, 1, 1)), stamp=datetime(2026, 1, 1, tzinfo=UTC))
    assert b"tok-secret-value" not in data


def test_the_review_starts_on_the_first_of_next_month_also_in_december() -> None:
    assert first_of_next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert first_of_next_month(date(2026, 1, 1)) == date(2026, 2, 1)


def test_an_expiring_member_has_an_event_a_week_before_and_one_on_the_day() -> None:
    outputs = _outputs()
    outputs["members"].value["john"]["expires"] = "2027-01-31T00:00:00+00:00"
    events = _events(to_ical(calendar_plan("production", outputs, today=date(2026, 12, 15))))
    warning = events["expiry-warning.john.production@directus-mcp-access"]
    day = events["expiry.john.production@directus-mcp-access"]
    assert warning.decoded("dtstart") == date(2027, 1, 24)
    assert str(warning["summary"]) == "MCP access of john ends in a week (production)"
    assert day.decoded("dtstart") == date(2027, 1, 31)
    assert str(day["summary"]) == "MCP access of john ends today (production)"
    assert "move `expires` in stacks/Pulumi.production.yaml" in str(day["description"])
