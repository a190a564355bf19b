"""The calendar plan as an iCalendar (RFC 5545) file.

Each event has a stable UID (stack and member), so importing a newer file updates the events instead of
adding duplicates. Rotation events are all-day on the due date (UTC) with a reminder a week before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vRecur

from components.names import PROJECT_NAME
from components.ops.calendar.expiry import expiry_events
from components.ops.calendar.run import CalendarPlan, RotationReminder

REMIND_BEFORE = timedelta(days=7)


def _uid(stack: str, what: str) -> str:
    return f"{what}.{stack}@{PROJECT_NAME}"


def _reminder(text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", -REMIND_BEFORE)
    return alarm


def _rotation_event(plan: CalendarPlan, rotation: RotationReminder, stamp: datetime) -> Event:
    event = Event()
    summary = f"Rotate the MCP token of {rotation.member} ({plan.stack})"
    event.add("uid", _uid(plan.stack, f"rotation.{rotation.member}"))
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", rotation.due.date())
    event.add("dtend", rotation.due.date() + timedelta(days=1))
    event.add(
        "description",
        f"The static token of {rotation.mcp_email} (member {rotation.member}, template {rotation.template}) "
        f"is due for rotation at {rotation.due.isoformat()}.\n"
        f"1. mcp-access up --stack {plan.stack}   (replaces the token; the old one fails at once)\n"
        f"2. mcp-access onboard {rotation.member} --stack {plan.stack} --out FILE   "
        "(hand the new configuration over privately)\n"
        f"MCP server: {plan.mcp_url}",
    )
    event.add("categories", ["mcp-access", "token-rotation"])
    event.add_component(_reminder(summary))
    return event


def _review_event(plan: CalendarPlan, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", _uid(plan.stack, "monthly-review"))
    event.add("dtstamp", stamp)
    event.add("summary", f"Monthly MCP permission review ({plan.stack})")
    event.add("dtstart", plan.first_review)
    event.add("dtend", plan.first_review + timedelta(days=1))
    event.add("rrule", vRecur(freq="MONTHLY", bymonthday=1))
    event.add(
        "description",
        f"mcp-access drift --stack {plan.stack}   (changes by hand, undeclared access, tokens near rotation)\n"
        f"mcp-access audit --stack {plan.stack}   (the MCP users' activity)\n"
        "mcp-access review   (who may do what, per stack)\n"
        f"MCP server: {plan.mcp_url}",
    )
    event.add("categories", ["mcp-access", "review"])
    return event


def to_ical(plan: CalendarPlan, *, stamp: datetime | None = None) -> bytes:
    """The file's bytes: a VCALENDAR with the rotation events and the recurring review."""
    now = stamp or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", f"-//{PROJECT_NAME}//mcp-access calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"MCP access: {plan.stack}")
    for rotation in plan.rotations:
        calendar.add_component(_rotation_event(plan, rotation, now))
    for reminder in plan.expiries:
        for event in expiry_events(plan.stack, plan.mcp_url, reminder, now):
            calendar.add_component(event)
    calendar.add_component(_review_event(plan, now))
    return bytes(calendar.to_ical())
