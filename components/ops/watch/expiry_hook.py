"""The live guard ends access on time: a check that finds a member past ``expires`` or an elevation past ``until``
runs ``mcp-access expire``'s own function (:func:`components.ops.expire.run.expire_stack`: one request per member,
no engine run), once per finding.

The full check runs on every event and at least every poll interval, so access ends within that interval of its
time. ``expire`` writes with the provisioning token: a watch that holds only the guard user's read-only token
says once that it could not end it, and the hourly ``expire`` job (or ``up``) does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from components.errors import McpAccessError
from components.ops.drift.expiry import ELEVATION_ENDED, EXPIRED
from components.ops.drift.run import DriftReport
from components.ops.expire.run import Expired, expire_stack

#: The drift findings that mean "something has ended by time and may still hold access".
DUE_KINDS = frozenset({EXPIRED, ELEVATION_ENDED})

ExpireFunction = Callable[[Any, datetime], Expired]


def expire_when_due(
    stack: Any, say: Callable[[str], None], expire: ExpireFunction = expire_stack
) -> Callable[[DriftReport, datetime], None]:
    """An ``after_check`` hook of :class:`~components.ops.watch.run.Watch` that runs ``expire`` when due."""
    handled: set[tuple[str, str, str]] = set()

    def hook(report: DriftReport, now: datetime) -> None:
        due = {(f.kind, f.subject, f.message) for f in report.expiry if f.kind in DUE_KINDS} - handled
        if not due:
            return
        handled.update(due)  # once per finding, whatever the outcome: a failure is said once, not per check
        try:
            ended = expire(stack, now)
        except McpAccessError as exc:  # Directus's errors included
            say(f"could not end what has expired ({type(exc).__name__}: {exc}); `mcp-access expire` will")
            return
        for line in ended.lines():
            say(line)

    return hook
