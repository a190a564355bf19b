"""The allowlist half of ``drift``: enabled members whose recorded requests came from outside ``ipAllowlist``.

Only the recorder extension keeps the callers' addresses (:mod:`components.model.caller_ips` says why), so the
check runs when the stack has an allowlist, its recorder is on and the extension runs; otherwise drift says once
that it cannot tell, and how to let it. One grouped read of the log collection per 100 members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from components.directus.callers import read_caller_addresses
from components.directus.client import DirectusClient
from components.directus.errors import DirectusError
from components.model.caller_ips import (
    ADMIN_STEP,
    CALLER_WINDOW_DAYS,
    DISABLED,
    ENABLE_STEP,
    INSTALL_STEP,
    NOT_INSTALLED,
    RECORDER_OFF,
    TURN_ON_STEP,
    cannot_tell_words,
    outside_callers,
    outside_words,
    unreadable,
)
from components.model.stack_config import StackConfig
from components.ops.drift.recorder import ExtensionStatus
from components.ops.drift.scan import Finding
from components.ops.drift.stale import active_members

OUTSIDE_ALLOWLIST = "outside-ip-allowlist"


@dataclass(frozen=True)
class CallerCheck:
    """``findings``: one per member calling from outside; ``note``: why the check could not run (``None``: it ran,
    or the stack has no allowlist)."""

    findings: list[Finding] = field(default_factory=list)
    note: str | None = None


def _why_not(config: StackConfig, extension: ExtensionStatus | None) -> tuple[str, list[str]] | None:
    """The reason the log cannot tell, and the steps that let it (``None``: it can, or may: read it)."""
    installed = extension is not None and extension.installed
    unknown = extension is None or extension.error is not None
    disabled = extension is not None and extension.installed and not extension.enabled
    steps = (
        ([] if installed or unknown else [INSTALL_STEP])
        + ([TURN_ON_STEP] if disabled else [])
        + ([] if config.recorder.enabled else [ENABLE_STEP])
    )
    if extension is not None and extension.error is None and not extension.installed:
        return NOT_INSTALLED, steps
    if disabled:
        return DISABLED, steps
    if not config.recorder.enabled:
        return RECORDER_OFF, steps
    return None


def caller_check(
    client: DirectusClient,
    config: StackConfig,
    deployed: Mapping[str, Mapping[str, Any]],
    now: datetime,
    extension: ExtensionStatus | None,
) -> CallerCheck:
    if not config.ip_allowlist:
        return CallerCheck()
    why_not = _why_not(config, extension)
    if why_not is not None:
        return CallerCheck(note=cannot_tell_words(*why_not))
    members = {user_id: name for name, (user_id, _) in active_members(config, deployed, now).items()}
    if not members:
        return CallerCheck()
    since = now - timedelta(days=CALLER_WINDOW_DAYS)
    try:
        called = read_caller_addresses(client, config.recorder.collection, list(members), since)
    except DirectusError as exc:
        reason = unreadable(config.recorder.collection, exc.status, exc.code)
        return CallerCheck(note=cannot_tell_words(reason, [ADMIN_STEP]))
    return CallerCheck(
        findings=[
            Finding(OUTSIDE_ALLOWLIST, caller.member, outside_words(caller, config.ip_allowlist))
            for caller in outside_callers(called, config.ip_allowlist, members)
        ]
    )
