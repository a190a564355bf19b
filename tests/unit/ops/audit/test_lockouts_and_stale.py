"""The audit names lockout statuses in words; the stale rule tells idle members from new or used ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from components.model.stale import stale_members
from components.ops.audit.rules import AuditedMember, FindingKind, lockouts

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)


def member(status: str | None, enabled: bool = True) -> AuditedMember:
    return AuditedMember("kim", "u-kim", "content", enabled, {}, status)


def test_inactive_license_and_the_other_lockouts_are_findings_with_what_to_do() -> None:
    (found,) = lockouts(member("inactive-license"))
    assert found.kind is FindingKind.LOCKED_OUT
    assert found.detail.startswith("declared enabled, but its user was set to inactive-license by Directus")
    assert "free a seat" in found.detail
    assert [f.detail.split(":")[0] for s in ("draft", "invited", "archived") for f in lockouts(member(s))] == [
        "declared enabled, but its user is a draft user, who cannot sign in",
        "declared enabled, but its user is an invited user whose invite was not accepted, who cannot sign in",
        "declared enabled, but its user is archived, which cannot sign in",
    ]
    assert lockouts(member("active")) == []
    assert lockouts(member("suspended")) == []  # its own rule (suspensions)
    assert lockouts(member("inactive-license", enabled=False)) == []  # the code disables it: expected
    assert lockouts(member(None)) == []  # the user is gone: a note, not a lockout


@dataclass(frozen=True)
class Sign:
    moment: datetime
    source: str


def test_stale_means_no_recorded_sign_within_the_window_and_not_new() -> None:
    members = {name: (f"u-{name}", f"ai-{name}@x.com") for name in ("idle", "wrote", "new", "old-sign")}
    signs = {
        "u-wrote": Sign(NOW - timedelta(days=1), "activity: create on articles"),
        "u-old-sign": Sign(NOW - timedelta(days=75), "OAuth token issued or refreshed (client-1)"),
    }
    old = NOW - timedelta(days=90)
    created = {"u-idle": old, "u-new": NOW - timedelta(days=3), "u-wrote": old}
    found = {s.member: s.words(NOW) for s in stale_members(members, signs, created, NOW, 60)}
    assert sorted(found) == ["idle", "old-sign"]
    assert found["idle"].startswith("member idle (ai-idle@x.com): no recorded sign of use at all, more than ")
    assert found["old-sign"].startswith(
        "member old-sign (ai-old-sign@x.com): last recorded sign of use 2026-12-25 (75 days ago; OAuth token issued "
        "or refreshed (client-1))"
    )
    assert "reads through MCP are not recorded" in found["idle"]
