"""The guardrails of time-boxed access, as the program (and ``mcp-access up``/``preview``) apply them. Pure.

- Every elevation still running ends within ``guardrails.maxElevationHours`` of now.
- On a production stack, an elevation to a template with admin access (developer) has an ``until`` and a reason.
- A change never sets a past ``expires`` on an enabled member or a past ``until``: such a typo would end access
  at the next ``up``. Past values already applied are fine (that is how access ends); ``enabled: false`` is the
  way to end a member on purpose.

The policy pack checks the first two again on what reaches the engine (:mod:`components.guardrails.rules`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from components.model.clock import iso
from components.model.defaults import DEFAULT_PRODUCTION_STACKS
from components.model.stack_config import StackConfig


def elevation_guardrail_problems(
    config: StackConfig, stack: str, admin_templates: Collection[str], now: datetime
) -> list[str]:
    limit = config.guardrails.max_elevation_hours
    problems = []
    for index, elevation in enumerate(config.elevations):
        where = f"elevations[{index}]"
        who = f"{elevation.member} to {elevation.template}"
        if elevation.until is not None and elevation.until > now:
            hours = (elevation.until - now).total_seconds() / 3600
            if hours > limit:
                problems.append(
                    f"{where}.until: {iso(elevation.until)} ({who}) is {hours:.1f} hours from now, longer than "
                    f"guardrails.maxElevationHours ({limit})"
                )
        if stack in DEFAULT_PRODUCTION_STACKS and elevation.template in admin_templates:
            if elevation.until is None:
                problems.append(
                    f"{where}.until: missing ({who}): an elevation to a template with admin access on production "
                    f"stack {stack!r} needs an end, at most {limit} hours away"
                )
            if not elevation.reason:
                problems.append(
                    f"{where}.reason: missing ({who}): an elevation to a template with admin access on production "
                    f"stack {stack!r} needs a reason"
                )
    return problems


def past_in_change(
    config: StackConfig,
    previous_members: Mapping[str, Mapping[str, Any]],
    previous_elevations: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[str]:
    """Past ``expires`` (on an enabled member) and past ``until`` that the last ``up`` did not already apply."""
    problems = []
    for index, member in enumerate(config.members):
        if member.expires is None or member.expires > now or not member.enabled:
            continue
        before = (previous_members.get(member.name) or {}).get("expires")
        if before != iso(member.expires):
            problems.append(
                f"members[{index}].expires: {iso(member.expires)} ({member.name}) is in the past: this change would "
                f"end {member.name}'s access at once; give a future date, or set `enabled: false` to end it on purpose"
            )
    applied = {
        (str(e.get("member")), str(e.get("template")), e.get("until"))
        for e in previous_elevations
        if isinstance(e, Mapping)
    }
    for index, elevation in enumerate(config.elevations):
        if elevation.until is None or elevation.until > now:
            continue
        if (elevation.member, elevation.template, iso(elevation.until)) not in applied:
            problems.append(
                f"elevations[{index}].until: {iso(elevation.until)} ({elevation.member} to {elevation.template}) is "
                "in the past: give an end in the future, or remove the elevation"
            )
    return problems
