"""Review facts about access that ends by itself: a member's ``expires`` and its elevation, in plain words.

Kept apart from :mod:`components.ops.review.diff`, which calls :func:`timebox_facts` once per member present on
both sides and :func:`joining_words` for a member who joins. Durations are counted from *now*
(:func:`components.model.clock.now`), the moment the reviewer reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from components.model.clock import now

Add = Callable[..., None]
#: The kinds of facts this module adds (their place in the review's order).
TIMEBOX_KINDS = ("member_expiry_changed", "member_elevated", "member_elevation_removed")
#: ``(template, until, reason)`` of a member's elevation.
ElevationFacts = tuple[str, datetime | None, str | None]


def when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "no end"


def duration(until: datetime | None, start: datetime) -> str:
    if until is None:
        return "no end"
    hours = (until - start).total_seconds() / 3600
    if hours <= 0:
        return "already ended"
    return f"{hours:.1f} hours from now" if hours < 48 else f"{hours / 24:.0f} days from now"


def elevation_words(elevation: ElevationFacts, admin: bool) -> str:
    template, until, reason = elevation
    mark = ", ⚠ admin access" if admin else ""
    why = f"; reason: {reason}" if reason else "; no reason given"
    return f"elevated to {template}{mark} until {when(until)} ({duration(until, now())}{why})"


def joining_words(expires: datetime | None, elevation: ElevationFacts | None, admin: bool) -> str:
    """The tail of a "member added" fact: its expiry and elevation, if any."""
    parts = []
    if expires is not None:
        parts.append(f"access ends {when(expires)} ({duration(expires, now())})")
    if elevation is not None:
        parts.append(elevation_words(elevation, admin))
    return "; " + "; ".join(parts) if parts else ""


def timebox_facts(
    add: Add,
    name: str,
    template: str,
    was: tuple[datetime | None, ElevationFacts | None],
    head: tuple[datetime | None, ElevationFacts | None],
    elevated_admin: bool,
) -> None:
    """New, extended, shortened or removed ``expires``; a new, changed or removed elevation."""
    (was_expires, was_elevation), (expires, elevation) = was, head
    fields: dict[str, Any] = {"member": name, "template": template}
    moment = now()
    if was_expires != expires:
        if expires is None:
            text = f"member {name} no longer expires (was {when(was_expires)})"
        elif was_expires is None:
            text = f"member {name} now expires {when(expires)} ({duration(expires, moment)})"
        else:
            verb = "extended" if expires > was_expires else "shortened"
            text = f"member {name}'s access {verb}: ends {when(expires)} instead of {when(was_expires)}"
        past = expires is not None and expires <= moment
        if past:
            text += " ⚠ already past: access ends at the next `up` or `expire`"
        add("member_expiry_changed", text, before=_iso(was_expires), after=_iso(expires), risky=past, **fields)
    if was_elevation != elevation:
        if elevation is None:
            text = f"member {name}'s elevation to {was_elevation[0] if was_elevation else '?'} removed"
            add("member_elevation_removed", text, **fields)
        else:
            words = elevation_words(elevation, elevated_admin)
            text = f"member {name}'s elevation changed: now {words}" if was_elevation else f"member {name} {words}"
            add("member_elevated", text, after=elevation[0], risky=elevated_admin, **fields)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
