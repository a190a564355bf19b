"""The watch's decisions on hand-built checks: each finding once, and enforcement only on this stack's objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from components.model.marker import REVOKED_TAG, TAG, stack_tag
from components.ops.drift.run import DriftReport
from components.ops.drift.scan import Declared, Finding, LiveDirectus
from components.ops.drift.wording import DriftedResource
from components.ops.watch.rules import (
    CLEAR_ROLE,
    DELETE_ACCESS,
    RESTORE_POLICY,
    RESTORE_SETTING,
    REVOKE,
    Declarations,
    changes,
    enforcement,
    findings_of,
)

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
DECLARED = Declared(
    stack="team",
    user_ids=frozenset({"u-john"}),
    role_ids=frozenset({"r-content"}),
    policy_ids=frozenset({"p-content"}),
    provisioning_user="u-admin",
    provisioning_role="r-admin",
)
DECLARATIONS = Declarations(
    members={"john": "u-john"},
    token_members=frozenset({"john"}),
    policy_flags={"p-content": {"admin_access": False, "app_access": False}},
    rotation_due={"john": "2027-02-01T00:00:00+00:00"},
    allow_deletes=False,
    manage_settings=True,
)
POLICIES = [
    {"id": "p-content", "name": "MCP content (team)", "admin_access": False, "app_access": False},
    {"id": "p-admin", "name": "Administrator", "admin_access": True, "app_access": True},
    {"id": "p-public", "name": "$t:public_label", "admin_access": False, "app_access": False},
]
ROLES = [{"id": "r-content", "name": "MCP content (team)"}, {"id": "r-admin", "name": "Administrator"}]
BASE_ACCESS = [
    {"id": "a1", "role": "r-content", "user": None, "policy": "p-content"},
    {"id": "a2", "role": "r-admin", "user": None, "policy": "p-admin"},
    {"id": "a3", "role": None, "user": None, "policy": "p-public"},
]


def user(user_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": user_id, "email": f"{user_id}@x.io", "status": "active", "role": None, "token": None, **fields}


def report(
    *,
    users: list[dict[str, Any]] | None = None,
    access: list[dict[str, Any]] | None = None,
    policies: list[dict[str, Any]] | None = None,
    drifted: list[DriftedResource] | None = None,
    undeclared: list[Finding] | None = None,
    rotation: list[Finding] | None = None,
) -> DriftReport:
    live = LiveDirectus(
        users=users
        or [user("u-john", role="r-content", token="**********"), user("u-admin", role="r-admin", token="**********")],
        roles=ROLES,
        policies=policies or POLICIES,
        access=[*BASE_ACCESS, *(access or [])],
    )
    return DriftReport(
        stack="team",
        directus_url="http://d",
        checked_at=NOW,
        warn_days=14,
        drifted=drifted or [],
        undeclared=undeclared or [],
        rotation=rotation or [],
        live=live,
        declared=DECLARED,
    )


ALL = [
    "member-admin-access",
    "member-token-by-hand",
    "outsider-mcp-access",
    "public-mcp-policy",
    "mcp-deletes-on",
]


def decide(r: DriftReport, enforce: list[str] = ALL, deletes: bool | None = False) -> list[tuple[str, str, str]]:
    actions = enforcement(r, DECLARATIONS, enforce, live_allow_deletes=deletes, now=NOW)
    return [(a.cls, a.what, a.target) for a in actions]


def token_drift() -> DriftedResource:
    return DriftedResource("john-token", "StaticToken", "member john", "replace", (), "the token no longer works")


# --- findings -------------------------------------------------------------------------------------------------


def test_a_finding_is_reported_once_when_it_appears_and_once_when_it_is_resolved() -> None:
    drift = DriftedResource("content-policy", "Policy", "template content", "update", ("admin_access",), "differs")
    first = findings_of(report(drifted=[drift]))
    assert [(f.kind, f.object, f.member, f.severity) for f in first] == [
        ("managed-drift", "content-policy", None, "high")
    ]
    appeared = changes({}, first)
    assert appeared.appeared == first and appeared.resolved == []
    known = {f.key: f for f in first}
    again = changes(known, findings_of(report(drifted=[drift])))
    assert again.appeared == [] and again.resolved == []
    gone = changes(known, findings_of(report()))
    assert gone.appeared == [] and gone.resolved == first


def test_a_member_s_finding_names_the_member_and_rotation_wording_counting_down_is_the_same_finding() -> None:
    found = findings_of(report(drifted=[token_drift()]))
    assert found[0].member == "john"
    early = findings_of(report(rotation=[Finding("token-rotation", "john", "due on 2026-12-10 (in 3 days)")]))
    later = findings_of(report(rotation=[Finding("token-rotation", "john", "due on 2026-12-10 (in 2 days)")]))
    assert early[0].member == "john" and early[0].severity == "warning"
    assert changes({f.key: f for f in early}, later).appeared == []


def test_undeclared_access_is_critical() -> None:
    found = findings_of(report(undeclared=[Finding("public-access", "MCP content", "policy attached to Public")]))
    assert [(f.kind, f.severity, f.summary) for f in found] == [
        ("public-access", "critical", "policy attached to Public")
    ]


# --- enforcement ----------------------------------------------------------------------------------------------


def test_nothing_is_enforced_without_guard_enforce() -> None:
    r = report(access=[{"id": "x", "role": None, "user": None, "policy": "p-content"}])
    assert decide(r, enforce=[]) == []
    assert decide(report()) == []


def test_admin_policy_attached_to_a_member_revokes_the_member() -> None:
    r = report(access=[{"id": "x", "role": None, "user": "u-john", "policy": "p-admin"}])
    assert decide(r) == [("member-admin-access", REVOKE, "u-john")]
    assert decide(r, enforce=["public-mcp-policy"]) == []


def test_a_member_moved_to_an_admin_role_is_revoked_but_an_already_revoked_member_is_left_alone() -> None:
    moved = [user("u-john", role="r-admin", token="**********"), user("u-admin", role="r-admin")]
    assert decide(report(users=moved)) == [("member-admin-access", REVOKE, "u-john")]
    done = [user("u-john", role="r-admin", status="suspended", tags=[TAG, REVOKED_TAG]), user("u-admin")]
    assert decide(report(users=done)) == []


def test_admin_access_turned_on_in_the_stack_s_policy_is_restored_and_an_admin_policy_on_its_role_removed() -> None:
    escalated = [{**POLICIES[0], "admin_access": True}, *POLICIES[1:]]
    assert decide(report(policies=escalated)) == [("member-admin-access", RESTORE_POLICY, "p-content")]
    actions = enforcement(report(policies=escalated), DECLARATIONS, ALL, live_allow_deletes=False, now=NOW)
    assert dict(actions[0].values) == {"admin_access": False}
    on_role = report(access=[{"id": "x", "role": "r-content", "user": None, "policy": "p-admin"}])
    assert decide(on_role) == [("member-admin-access", DELETE_ACCESS, "x")]


def test_a_token_set_by_hand_revokes_the_member_but_a_rotation_due_or_a_cleared_token_does_not() -> None:
    assert decide(report(drifted=[token_drift()])) == [("member-token-by-hand", REVOKE, "u-john")]
    cleared = [user("u-john", role="r-content", token=None), user("u-admin")]
    assert decide(report(users=cleared, drifted=[token_drift()])) == []
    due = Declarations(**{**DECLARATIONS.__dict__, "rotation_due": {"john": "2026-12-01T00:00:00+00:00"}})
    actions = enforcement(report(drifted=[token_drift()]), due, ALL, live_allow_deletes=False, now=NOW)
    assert actions == []
    assert decide(report()) == []  # the token up issued works: no drift, nothing to do


def test_an_outsider_holding_the_stack_s_role_or_policy_loses_them_but_another_stack_s_user_is_not_touched() -> None:
    users = [
        user("u-john", role="r-content", token="**********"),
        user("u-admin", role="r-admin"),
        user("u-eve", role="r-content", token="**********"),
        user("u-mallory"),
        user("u-other", role="r-other", token="**********", tags=[TAG, stack_tag("other")]),
        user("u-gone", role="r-content", status="suspended"),
    ]
    access = [
        {"id": "x1", "role": None, "user": "u-mallory", "policy": "p-content"},
        {"id": "x2", "role": None, "user": "u-other", "policy": "p-admin"},
        {"id": "x3", "role": None, "user": "u-admin", "policy": "p-content"},  # the provisioning user: expected
    ]
    assert decide(report(users=users, access=access)) == [
        ("outsider-mcp-access", CLEAR_ROLE, "u-eve"),
        ("outsider-mcp-access", DELETE_ACCESS, "x1"),
    ]


def test_the_stack_s_policy_on_public_is_detached_and_deletes_turned_on_are_turned_off() -> None:
    r = report(access=[{"id": "x", "role": None, "user": None, "policy": "p-content"}])
    assert decide(r) == [("public-mcp-policy", DELETE_ACCESS, "x")]
    assert decide(report(), deletes=True) == [("mcp-deletes-on", RESTORE_SETTING, "settings")]
    allowed = Declarations(**{**DECLARATIONS.__dict__, "allow_deletes": True})
    assert enforcement(report(), allowed, ALL, live_allow_deletes=True, now=NOW) == []
    unmanaged = Declarations(**{**DECLARATIONS.__dict__, "manage_settings": False})
    assert enforcement(report(), unmanaged, ALL, live_allow_deletes=True, now=NOW) == []


def test_the_recorder_expected_but_missing_is_a_finding_as_drift_counts_it() -> None:
    from dataclasses import replace

    from components.ops.drift.recorder import ExtensionStatus

    missing = replace(report(), recorder=ExtensionStatus(installed=False, expected="1.0.0"), recorder_expected=True)
    found = findings_of(missing)
    assert len(found) == missing.findings == 1
    assert (found[0].kind, found[0].object, found[0].severity) == (
        "recorder-extension",
        "mcp-access-recorder",
        "warning",
    )
    assert findings_of(replace(missing, recorder_expected=False)) == []
