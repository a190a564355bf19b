"""The unused-access half of ``drift``: active members with no recorded sign of use for ``review.staleAfterDays``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from components.directus.client import DirectusClient
from components.directus.usage import created_at, last_signs
from components.model.access_at import member_active
from components.model.stack_config import StackConfig
from components.model.stale import stale_members
from components.ops.drift.scan import Finding

STALE = "stale-member"


def active_members(
    config: StackConfig, deployed: Mapping[str, Mapping[str, Any]], now: datetime
) -> dict[str, tuple[str, str]]:
    """name -> (user id, MCP email) of the members the code enables now and ``up`` applied."""
    return {
        m.name: (str(deployed[m.name]["userId"]), config.mcp_email(m))
        for m in config.members
        if member_active(m, now) and m.name in deployed and deployed[m.name].get("userId")
    }


def stale_findings(
    client: DirectusClient, config: StackConfig, deployed: Mapping[str, Mapping[str, Any]], now: datetime
) -> list[Finding]:
    members = active_members(config, deployed, now)
    if not members:
        return []
    ids = [user_id for user_id, _ in members.values()]
    found = stale_members(
        members, last_signs(client, ids), created_at(client, ids), now, config.review.stale_after_days
    )
    return [Finding(STALE, item.member, item.words(now)) for item in found]
