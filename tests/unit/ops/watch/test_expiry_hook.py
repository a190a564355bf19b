"""The watch runs ``expire`` when a check finds access that ended by time, once per finding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from components.errors import McpAccessError
from components.ops.drift.expiry import ELEVATED, ELEVATION_ENDED, EXPIRED
from components.ops.drift.run import DriftReport
from components.ops.drift.scan import Finding
from components.ops.expire.run import Expired
from components.ops.watch.expiry_hook import expire_when_due

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def report(*findings: Finding) -> DriftReport:
    return DriftReport(stack="team", directus_url="http://x", checked_at=NOW, warn_days=14, expiry=list(findings))


def test_expire_runs_once_per_finding_and_its_lines_are_said() -> None:
    calls: list[datetime] = []
    said: list[str] = []

    def expire(_stack: Any, now: datetime) -> Expired:
        calls.append(now)
        return Expired(stack="team", checked_at=now)

    hook = expire_when_due(object(), said.append, expire)
    hook(report(Finding(ELEVATED, "lee", "elevation of member lee to developer runs until ...")), NOW)
    assert calls == []  # a running elevation is no reason to act
    kim = Finding(EXPIRED, "kim", "member kim expired on 2026-12-07 08:00 UTC: ...")
    hook(report(kim), NOW)
    hook(report(kim), NOW)  # the same finding on the next check: nothing more to do
    assert calls == [NOW]
    assert said and said[-1].startswith("expire (stack 'team'")
    hook(report(kim, Finding(ELEVATION_ENDED, "lee", "elevation of member lee to developer ended ...")), NOW)
    assert calls == [NOW, NOW]


def test_a_failure_is_said_once_and_never_stops_the_watch() -> None:
    said: list[str] = []

    def expire(_stack: Any, _now: datetime) -> Expired:
        raise McpAccessError("Directus PATCH /users/1 failed: 403 FORBIDDEN: You don't have permission")

    hook = expire_when_due(object(), said.append, expire)
    kim = Finding(EXPIRED, "kim", "member kim expired on ...")
    hook(report(kim), NOW)
    hook(report(kim), NOW)
    assert len(said) == 1 and "could not end what has expired" in said[0] and "`mcp-access expire` will" in said[0]
