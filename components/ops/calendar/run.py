"""What goes into the calendar: each enabled member's rotation date from the deployed stack, and the review day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from components.engine.deployed import members_of
from components.ops.calendar.expiry import ExpiryReminder, expiry_reminders


@dataclass(frozen=True)
class RotationReminder:
    """One member's token rotation: due at ``due`` (the ``rotationDue`` output ``up`` computed)."""

    member: str
    mcp_email: str
    template: str
    due: datetime


@dataclass(frozen=True)
class CalendarPlan:
    """The events of one stack's calendar file."""

    stack: str
    mcp_url: str
    rotations: list[RotationReminder]
    #: The first monthly review (the 1st of the month after ``today``); it repeats every month.
    first_review: date
    #: Members with an ``expires``: an event a week before and one on the day.
    expiries: list[ExpiryReminder] = field(default_factory=list)


def first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def calendar_plan(stack: str, outputs: Mapping[str, Any], *, today: date | None = None) -> CalendarPlan:
    """The plan from a deployed stack's outputs (``members``, ``mcpUrl``); disabled members have no token to rotate."""
    rotations = [
        RotationReminder(
            member=name,
            mcp_email=info["mcpEmail"],
            template=info["template"],
            due=datetime.fromisoformat(info["rotationDue"]).astimezone(UTC),
        )
        for name, info in sorted(members_of(outputs).items())
        if info.get("enabled", True) and info.get("rotationDue")
    ]
    return CalendarPlan(
        stack=stack,
        mcp_url=outputs["mcpUrl"].value,
        rotations=rotations,
        first_review=first_of_next_month(today or datetime.now(UTC).date()),
        expiries=expiry_reminders(members_of(outputs)),
    )
