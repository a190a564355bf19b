"""What ``expire`` ends, decided from the stack's code, its deployed outputs and the live users (pure).

The code (the stack file) says what has expired at *now*, exactly as the program would decide it at the next
``up`` (:mod:`components.model.access_at`); the outputs give each member's user id and each template's role id.
Only what differs from the live user is patched, so ``expire`` run twice, or after an ``up``, changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from components.model.access_at import elevation_of, member_active, template_at
from components.model.clock import iso
from components.model.stack_config import StackConfig


@dataclass(frozen=True)
class Due:
    """One member with something to end: its expiry (suspend, clear the token) and/or an elevation (role back)."""

    member: str
    user_id: str
    mcp_email: str
    #: The member's ``expires`` when it has passed (the member is then ended as ``enabled: false`` would).
    expired_at: datetime | None
    #: ``(template, until)`` of an elevation that has ended, and the role of the member's own template.
    elevation: tuple[str, datetime | None] | None
    role_id: str | None

    def patch(self, live: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of the user that still differ from "ended" (empty: nothing left to do)."""
        body: dict[str, Any] = {}
        if self.expired_at is not None:
            if live.get("status") != "suspended":
                body["status"] = "suspended"
            if live.get("token"):
                body["token"] = None
        if self.role_id is not None and str(live.get("role") or "") != self.role_id:
            body["role"] = self.role_id
        return body

    def words(self) -> str:
        parts = []
        if self.expired_at is not None:
            parts.append(f"expired on {iso(self.expired_at)}: user suspended, static token cleared")
        if self.elevation is not None:
            template, until = self.elevation
            parts.append(f"elevation to {template} ended {iso(until) if until else ''}".rstrip() + ": own role back")
        return f"member {self.member} ({self.mcp_email}) " + "; ".join(parts)


def due(
    config: StackConfig, members: Mapping[str, Mapping[str, Any]], roles: Mapping[str, str], now: datetime
) -> list[Due]:
    """Members of the code, deployed (``members`` output), whose expiry or elevation has passed at ``now``.

    An expired member's elevation ends with it; its role goes back to its own template's, as ``up`` would set.
    """
    found = []
    for member in config.members:
        deployed = members.get(member.name)
        if not deployed or not deployed.get("userId"):
            continue  # not applied yet: `up` creates it as the code says
        expired = member.enabled and member.expired(now)
        elevation = elevation_of(config, member)
        ended = elevation is not None and (not elevation.running(now) or not member_active(member, now))
        if not expired and not ended:
            continue
        role = roles.get(template_at(config, member, now)) if ended else None
        found.append(
            Due(
                member=member.name,
                user_id=str(deployed["userId"]),
                mcp_email=str(deployed.get("mcpEmail") or config.mcp_email(member)),
                expired_at=member.expires if expired else None,
                elevation=(elevation.template, elevation.until) if ended and elevation else None,
                role_id=str(role) if role else None,
            )
        )
    return found
