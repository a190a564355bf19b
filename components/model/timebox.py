"""Access that ends by itself: the stack-file fields (``expires`` on a member, ``elevations``, the stale-member
window) and what they mean at a given moment. Pure: no Pulumi, no HTTP.

- A member with ``expires`` at or before *now* is treated as disabled (``up`` suspends it and clears its token).
- An elevation gives a member another role template until ``until``; after that (or once the member is no longer
  active) the member is back on its own template. One elevation per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from components.model.base import ConfigModel
from components.model.clock import parse_moment

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
DEFAULT_STALE_AFTER_DAYS = 60
DEFAULT_MAX_ELEVATION_HOURS = 8


def _moment(value: Any) -> datetime | None:
    return None if value is None else parse_moment(value)


class ExpiringMember(ConfigModel):
    """The member field of this feature (a base class of ``Member``, kept apart so merges stay mechanical)."""

    #: After this moment the member is treated as disabled. A date means 00:00 UTC of that day.
    expires: datetime | None = None

    @field_validator("expires", mode="before")
    @classmethod
    def _parse_expires(cls, value: Any) -> datetime | None:
        return _moment(value)

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now


class Elevation(ConfigModel):
    """Another role template for one member until a time, with the reason (reviewed in the PR like the rest)."""

    member: str = Field(pattern=NAME_PATTERN)
    template: str = Field(pattern=NAME_PATTERN)
    #: The end of the elevation (date or ISO date-time with offset). Required for admin templates on production.
    until: datetime | None = None
    reason: str | None = Field(default=None, min_length=3)

    @field_validator("until", mode="before")
    @classmethod
    def _parse_until(cls, value: Any) -> datetime | None:
        return _moment(value)

    @field_validator("template")
    @classmethod
    def _known_template(cls, value: str, info: Any) -> str:
        known = (info.context or {}).get("templates")
        if known is not None and value not in known:
            raise ValueError(f"{value!r} is not a role template (available: {', '.join(known)})")
        return value

    def running(self, now: datetime) -> bool:
        return self.until is None or now < self.until


class ReviewSettings(ConfigModel):
    """``review``: how old the last sign of use may be before ``drift`` and ``audit`` name a member stale."""

    stale_after_days: int = Field(default=DEFAULT_STALE_AFTER_DAYS, ge=1, le=3650)


def elevation_problems(elevations: Sequence[Elevation], members: dict[str, str]) -> list[str]:
    """Elevations naming an unknown member, the member's own template, or a member twice (``members``: name ->
    template). Each line names the entry and the value."""
    problems = []
    seen: dict[str, int] = {}
    for index, elevation in enumerate(elevations):
        where = f"elevations[{index}]"
        if elevation.member not in members:
            known = ", ".join(sorted(members)) or "none"
            problems.append(f"{where}.member: {elevation.member!r} is not a member of this stack (members: {known})")
        elif members[elevation.member] == elevation.template:
            problems.append(
                f"{where}.template: {elevation.template!r} is already the template of member {elevation.member}"
            )
        if elevation.member in seen:
            problems.append(
                f"{where}.member: {elevation.member!r} is already elevated by elevations[{seen[elevation.member]}] "
                "(one elevation per member)"
            )
        seen.setdefault(elevation.member, index)
    return problems
