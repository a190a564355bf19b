"""What ``onboard`` says about where the member's client must call from (the stack's ``ipAllowlist``), and, when
the recorder can tell (one filtered read of its log collection), whether the member's recent requests came from
outside it. The words are drift's (:mod:`components.model.caller_ips`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from components.directus.callers import read_caller_addresses
from components.directus.client import DirectusClient
from components.directus.errors import DirectusError
from components.model.caller_ips import (
    ADMIN_STEP,
    CALLER_WINDOW_DAYS,
    ENABLE_STEP,
    INSTALL_IF_MISSING_STEP,
    RECORDER_OFF,
    call_from_words,
    cannot_tell_words,
    inside_words,
    outside_callers,
    outside_words,
    unreadable,
)
from components.model.stack_config import StackConfig


def network_note(client: DirectusClient, config: StackConfig, member: str, user_id: str, now: datetime) -> str | None:
    """``None`` when the stack has no allowlist (the member's checklist says the token works from anywhere)."""
    allowlist = config.ip_allowlist
    if not allowlist:
        return None
    if not config.recorder.enabled:
        steps = (INSTALL_IF_MISSING_STEP, ENABLE_STEP)
        return f"{call_from_words(member, allowlist)}; {cannot_tell_words(RECORDER_OFF, steps)}"
    try:
        called = read_caller_addresses(
            client, config.recorder.collection, [user_id], now - timedelta(days=CALLER_WINDOW_DAYS)
        )
    except DirectusError as exc:
        reason = unreadable(config.recorder.collection, exc.status, exc.code)
        return f"{call_from_words(member, allowlist)}; {cannot_tell_words(reason, [ADMIN_STEP])}"
    outside = outside_callers(called, allowlist, {user_id: member})
    if outside:
        return outside_words(outside[0], allowlist)
    return inside_words(member, allowlist, sum(row.count for row in called))
