"""The audit's "no recorded sign of use" finding: active members idle for ``review.staleAfterDays``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from components.directus.client import DirectusClient
from components.directus.usage import created_at, last_signs
from components.model.stale import stale_members
from components.ops.audit.rules import USERS_COLLECTION, AuditedMember, AuditFinding, FindingKind


def stale_findings(
    client: DirectusClient, members: Sequence[tuple[AuditedMember, str]], now: datetime, days: int
) -> list[AuditFinding]:
    active = {m.name: (m.user_id, email) for m, email in members if m.enabled and m.live_status == "active"}
    if not active:
        return []
    ids = [user_id for user_id, _ in active.values()]
    found = stale_members(active, last_signs(client, ids), created_at(client, ids), now, days)
    return [
        AuditFinding(
            kind=FindingKind.STALE,
            member=item.member,
            timestamp=item.last.moment if item.last else None,
            collection=USERS_COLLECTION,
            item=active[item.member][0],
            detail=item.words(now),
        )
        for item in found
    ]
