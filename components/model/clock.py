"""The one place that reads "now" for access that ends by itself (expiring members, time-boxed elevations).

``MCP_ACCESS_NOW`` (an ISO 8601 date-time with an offset, e.g. ``2027-01-31T12:00:00+00:00``) moves the clock
for tests and rehearsals ("what does ``expire`` end on the 31st?") instead of sleeping. Unset, it is the
machine's clock in UTC. The program, ``expire``, ``drift``, ``review`` and the policy pack all read it here, so a
rehearsal sees one consistent time. Standard library only: the policy pack imports it.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

from components.errors import McpAccessError

NOW_ENV = "MCP_ACCESS_NOW"


class ClockError(McpAccessError):
    """``MCP_ACCESS_NOW`` is set to something that is not a date-time with an offset."""


def parse_moment(value: object) -> datetime:
    """A date (``2027-01-31``: that day at 00:00 UTC) or an ISO date-time with an offset, as an aware datetime.

    ``ValueError`` names the value otherwise (a date-time without offset is ambiguous: refused).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(), UTC)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset "
                "(e.g. 2027-01-31T18:00:00+01:00)"
            ) from None
    else:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset")
    if moment.tzinfo is None:
        raise ValueError(
            f"{value!r} has no offset; add one (e.g. {moment.isoformat()}+00:00 or Z) so that it means one "
            "moment everywhere"
        )
    return moment.astimezone(UTC)


def now() -> datetime:
    """The current time (aware, UTC), or ``MCP_ACCESS_NOW`` when set."""
    given = os.environ.get(NOW_ENV)
    if not given:
        return datetime.now(UTC)
    try:
        return parse_moment(given)
    except ValueError as exc:
        raise ClockError(f"environment variable {NOW_ENV}: {exc}") from None


def iso(moment: datetime | None) -> str | None:
    """The form outputs and reports use (UTC, seconds)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None
