"""The outputs ``expire``, ``calendar`` and ``drift`` read about access that ends by itself."""

from __future__ import annotations

from typing import Any

from components.model.clock import iso
from components.model.stack_config import Member
from components.model.timebox import Elevation


def elevation_output(elevation: Elevation) -> dict[str, Any]:
    """One declared elevation as applied (running or ended): the previous state ``up``'s change check compares."""
    return {
        "member": elevation.member,
        "template": elevation.template,
        "until": iso(elevation.until),
        "reason": elevation.reason,
    }


def timebox_outputs(member: Member, running: Elevation | None) -> dict[str, Any]:
    """Keys added to the member's entry of the ``members`` output: its expiry and its running elevation."""
    return {
        "expires": iso(member.expires),
        "elevation": elevation_output(running) if running else None,
    }
