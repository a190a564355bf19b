"""Which members look unused: no recorded sign of use for ``review.staleAfterDays`` (pure).

The signs come from :mod:`components.directus.usage`; reads are not among them, so the words say "no
recorded sign" and name the newest one found with its source. A member created within the window is new,
not stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class SignLike(Protocol):
    @property
    def moment(self) -> datetime: ...

    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class StaleMember:
    member: str
    mcp_email: str
    last: SignLike | None
    days: int

    def words(self, now: datetime) -> str:
        if self.last is None:
            seen = "no recorded sign of use at all"
        else:
            ago = (now - self.last.moment).days
            seen = f"last recorded sign of use {self.last.moment:%Y-%m-%d} ({ago} days ago; {self.last.source})"
        return (
            f"member {self.member} ({self.mcp_email}): {seen}, more than review.staleAfterDays ({self.days}) days; "
            "if it is no longer used, set `enabled: false` or an `expires` (reads through MCP are not recorded: "
            "ask the member first)"
        )


def stale_members(
    members: Mapping[str, tuple[str, str]],
    signs: Mapping[str, SignLike],
    created: Mapping[str, datetime],
    now: datetime,
    days: int,
) -> list[StaleMember]:
    """``members``: name -> (user id, MCP email) of the active members. Sorted by name."""
    cutoff = now - timedelta(days=days)
    found = []
    for name, (user_id, email) in sorted(members.items()):
        sign = signs.get(user_id)
        if sign is not None and sign.moment >= cutoff:
            continue
        born = created.get(user_id)
        if born is not None and born >= cutoff:
            continue  # a new member: not used yet is not stale yet
        found.append(StaleMember(name, email, sign, days))
    return found
