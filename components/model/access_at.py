"""What a stack's members may do at a given moment: ``expires`` and ``elevations`` applied (pure).

The program, ``expire``, ``drift`` and ``review`` ask these questions with the same *now*
(:func:`components.model.clock.now`), so that they agree on who has access.
"""

from __future__ import annotations

from datetime import datetime

from components.model.stack_config import Member, StackConfig
from components.model.timebox import Elevation


def member_active(member: Member, now: datetime) -> bool:
    """Enabled in the code and not past ``expires``."""
    return member.enabled and not member.expired(now)


def elevation_of(config: StackConfig, member: Member) -> Elevation | None:
    return next((e for e in config.elevations if e.member == member.name), None)


def running_elevation(config: StackConfig, member: Member, now: datetime) -> Elevation | None:
    """The member's elevation while it runs and the member is active; ``None`` otherwise."""
    elevation = elevation_of(config, member)
    if elevation is None or not elevation.running(now) or not member_active(member, now):
        return None
    return elevation


def template_at(config: StackConfig, member: Member, now: datetime) -> str:
    """The template whose role the member's user holds at ``now``: the elevated one while it runs."""
    elevation = running_elevation(config, member, now)
    return elevation.template if elevation else member.template
