"""The stack's ``audit`` section: what ``mcp-access audit`` flags in the activity log (the guide's warning signs)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from components.model.base import ConfigModel

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS_RE = re.compile(r"^(?P<start>(?:[01]\d|2[0-3]):[0-5]\d)-(?P<end>(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class AuditConfig(ConfigModel):
    """What ``mcp-access audit`` flags in the activity log (the security guide's warning signs)."""

    #: IANA time zone the working hours are in, and in which the report shows times.
    timezone: str = "UTC"
    #: ``"HH:MM-HH:MM"`` (end may be ``24:00``; a start after the end spans midnight). Unset: no check.
    working_hours: str | None = None
    work_days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    #: This many deletes or more by one member within ``massDeleteWindowMinutes`` is a mass deletion.
    mass_delete_threshold: int = Field(default=10, ge=1, le=100_000)
    mass_delete_window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    #: Rows read by one member within one hour above this is unusual (needs the recorder, see docs/recorder.md).
    read_volume_threshold: int = Field(default=5000, ge=1, le=100_000_000, strict=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. 'Europe/Berlin', 'UTC')") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours_range(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _HOURS_RE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a range of hours 'HH:MM-HH:MM' (e.g. '08:00-19:00')")
        if _minutes(match["start"]) == _minutes(match["end"]):
            raise ValueError(f"{value!r} starts and ends at the same time")
        return value

    @field_validator("work_days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        days = [str(d).lower() for d in value]
        unknown = [d for d in value if str(d).lower() not in WEEKDAYS]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} is not a day (use {', '.join(WEEKDAYS)})")
        if not days:
            raise ValueError("no work day: list at least one (e.g. [mon, tue, wed, thu, fri])")
        duplicates = sorted({d for d in days if days.count(d) > 1}, key=WEEKDAYS.index)
        if duplicates:
            raise ValueError(f"{', '.join(map(repr, duplicates))} listed more than once")
        return sorted(days, key=WEEKDAYS.index)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_minutes(self) -> tuple[int, int] | None:
        """Working hours as minutes after local midnight (``end`` may be 1440), or ``None`` when unset."""
        if self.working_hours is None:
            return None
        start, end = self.working_hours.split("-")
        return _minutes(start), _minutes(end)

    def weekday_numbers(self) -> frozenset[int]:
        """Work days as ``datetime.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.work_days)
