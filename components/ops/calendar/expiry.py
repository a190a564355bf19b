"""Calendar events for expiring members: one a week before (time to extend) and one on the day it ends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from icalendar import Event

from components.names import PROJECT_NAME

WARN_BEFORE = timedelta(days=7)


@dataclass(frozen=True)
class ExpiryReminder:
    member: str
    mcp_email: str
    expires: datetime


def expiry_reminders(members: Mapping[str, Mapping[str, Any]]) -> list[ExpiryReminder]:
    """Members whose deployed entry has an ``expires`` (the ``members`` output)."""
    return [
        ExpiryReminder(name, str(info.get("mcpEmail")), datetime.fromisoformat(str(info["expires"])))
        for name, info in sorted(members.items())
        if info.get("expires")
    ]


def expiry_events(stack: str, mcp_url: str, reminder: ExpiryReminder, stamp: datetime) -> list[Event]:
    """Two all-day events: a week before (extend or let it end) and the day the access ends."""
    events = []
    for what, day, summary in (
        ("expiry-warning", reminder.expires - WARN_BEFORE, f"MCP access of {reminder.member} ends in a week ({stack})"),
        ("expiry", reminder.expires, f"MCP access of {reminder.member} ends today ({stack})"),
    ):
        event = Event()
        event.add("uid", f"{what}.{reminder.member}.{stack}@{PROJECT_NAME}")
        event.add("dtstamp", stamp)
        event.add("summary", summary)
        event.add("dtstart", day.date())
        event.add("dtend", day.date() + timedelta(days=1))
        event.add(
            "description",
            f"Member {reminder.member} ({reminder.mcp_email}) expires at {reminder.expires.isoformat()}: its MCP "
            "user is suspended and its token cleared then (`mcp-access expire`, or the next `up`).\n"
            f"To keep the access: move `expires` in stacks/Pulumi.{stack}.yaml (a reviewed change), then "
            f"`mcp-access up --stack {stack}`.\nMCP server: {mcp_url}",
        )
        event.add("categories", ["mcp-access", "expiry"])
        events.append(event)
    return events
