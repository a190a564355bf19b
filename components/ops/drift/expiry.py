"""The access-that-ends-by-itself half of ``drift``: expired and soon-expiring members, elevations (pure).

Decided from the code (the stack file) at *now*, as ``up`` and ``expire`` decide it. A member past ``expires``
is a finding until the code says what to do with it (remove it, or move ``expires``); so is an ended elevation
still listed, and a running elevation (elevated access deserves a look in the monthly check).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from components.model.access_at import member_active
from components.model.stack_config import StackConfig
from components.ops.drift.scan import Finding

EXPIRED = "expired"
EXPIRES_SOON = "expires-soon"
ELEVATED = "elevated"
ELEVATION_ENDED = "elevation-ended"


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def expiry_findings(config: StackConfig, now: datetime, warn_days: int) -> list[Finding]:
    findings = []
    for member in config.members:
        if member.expires is None or not member.enabled:
            continue
        if member.expired(now):
            findings.append(
                Finding(
                    EXPIRED,
                    member.name,
                    f"member {member.name} expired on {_day(member.expires)}: its access ended (`expire` or `up` "
                    "suspends its user and clears its token); remove the member from the code, or move `expires` "
                    "to give access back",
                )
            )
        elif member.expires - now <= timedelta(days=warn_days):
            left = member.expires - now
            findings.append(
                Finding(
                    EXPIRES_SOON,
                    member.name,
                    f"member {member.name} expires on {_day(member.expires)} (in {left.days} days "
                    f"{left.seconds // 3600} hours); extend `expires` in the code if it should keep access",
                )
            )
    by_name = {m.name: m for m in config.members}
    for elevation in config.elevations:
        owner = by_name.get(elevation.member)
        reason = f" (reason: {elevation.reason})" if elevation.reason else ""
        who = f"member {elevation.member} to {elevation.template}"
        if owner is not None and elevation.running(now) and member_active(owner, now):
            end = f"until {_day(elevation.until)}" if elevation.until else "with no end"
            findings.append(Finding(ELEVATED, elevation.member, f"elevation of {who} runs {end}{reason}"))
        else:
            ended = f" on {_day(elevation.until)}" if elevation.until and elevation.until <= now else ""
            findings.append(
                Finding(
                    ELEVATION_ENDED,
                    elevation.member,
                    f"elevation of {who} ended{ended or ' with the member'}{reason}: `expire` or `up` gives it its "
                    "own template's role back; remove the entry from `elevations` in the code",
                )
            )
    return findings
