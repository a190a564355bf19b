"""The plain words ``drift`` uses for steps of a refreshed preview, on hand-built engine step events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pulumi import automation as auto

from components.kinds import MCP_SETTINGS, PERMISSION_SET, POLICY, STATIC_TOKEN, USER, Kind
from components.ops.drift.preview import planned_step
from components.ops.drift.scan import rotation_findings
from components.ops.drift.wording import REVOKED, PlannedStep, describe, mark_revoked

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def step(kind: Kind, name: str, op: auto.OpType, live: dict[str, Any], declared: dict[str, Any]) -> PlannedStep:
    urn = f"urn:pulumi:team::directus-mcp-access::parent${kind.type}::{name}"

    def state(values: dict[str, Any], outputs: bool) -> auto.StepEventStateMetadata:
        return auto.StepEventStateMetadata(
            type=kind.type,
            urn=urn,
            id="x",
            parent="",
            provider="",
            inputs=None if outputs else values,
            outputs=values if outputs else None,
        )

    return planned_step(
        auto.StepEventMetadata(
            op=op, urn=urn, type=kind.type, provider="", old=state(live, True), new=state(declared, False), diffs=[]
        )
    )


def words(step: PlannedStep) -> str:
    return describe(step, lambda _urn: True, now=NOW).summary


TOKEN_DECLARED = {"user_id": "u1", "rotate_after_days": 90, "token": None, "rotation_due": None, "status": None}


def test_a_working_token_past_its_rotation_date_is_described_as_due_not_as_broken() -> None:
    live = {**TOKEN_DECLARED, "status": "valid", "rotation_due": (NOW - timedelta(days=2)).isoformat()}
    text = words(step(STATIC_TOKEN, "john-token", auto.OpType.REPLACE, live, TOKEN_DECLARED))
    assert text == "the token of member john is past its rotation date (2026-11-22): `up` issues a new one"


def test_a_token_that_fails_is_described_as_changed_by_hand_even_when_also_due() -> None:
    live = {**TOKEN_DECLARED, "status": "invalid", "rotation_due": (NOW - timedelta(days=2)).isoformat()}
    text = words(step(STATIC_TOKEN, "john-token", auto.OpType.CREATE_REPLACEMENT, live, TOKEN_DECLARED))
    assert text == (
        "the token of member john no longer works (changed, cleared or suspended by hand): `up` issues a new one"
    )


def test_a_policy_attached_by_hand_names_its_access_rows() -> None:
    declared = {"name": "MCP content (team)", "admin_access": False, "linked_to": ["role:r1"]}
    live = {**declared, "linked_to": ["role:r1"], "links": ["public", "role:r1", "user:u9"]}
    item = describe(step(POLICY, "content-policy", auto.OpType.UPDATE, live, declared), lambda _u: True, now=NOW)
    assert item.summary == (
        "the policy of template content differs in Directus (access rows): `up` restores the declared values"
    )
    assert item.details == (
        "attached to Public in Directus (anyone, without a token) but not declared",
        "attached to user u9 in Directus but not declared",
    )


def test_a_filter_or_field_list_changed_by_hand_names_the_row_and_both_values() -> None:
    published = {"status": {"_eq": "published"}}
    declared = {
        "policy_id": "p1",
        "permissions": [
            {"collection": "articles", "action": "read", "fields": ["id", "title"], "permissions": published},
            {"collection": "articles", "action": "update", "fields": ["*"], "permissions": published},
            {"collection": "directus_fields", "action": "read", "fields": ["*"]},  # no filter: as in old state
        ],
    }
    live = {
        "policy_id": "p1",
        "permissions": [  # as ``read`` reports them: the first filter widened, the second removed, null fields
            {"collection": "articles", "action": "read", "fields": ["body", "id", "title"], "permissions": {}},
            {"collection": "articles", "action": "update", "fields": ["*"]},
            {"collection": "directus_fields", "action": "read", "fields": None, "permissions": None},
        ],
    }
    item = describe(
        step(PERMISSION_SET, "content-permissions", auto.OpType.UPDATE, live, declared), lambda _u: True, now=NOW
    )
    assert item.summary == (
        "the permission set of template content differs in Directus (permissions): `up` restores the declared values"
    )
    assert item.details == (
        "fields of read on articles: ['body', 'id', 'title'] in Directus, ['id', 'title'] declared",
        'filter of read on articles: none (all items) in Directus, {"status": {"_eq": "published"}} declared',
        'filter of update on articles: none (all items) in Directus, {"status": {"_eq": "published"}} declared',
    )
    unchanged = {**live, "permissions": declared["permissions"]}
    same = describe(
        step(PERMISSION_SET, "content-permissions", auto.OpType.UPDATE, unchanged, declared), lambda _u: True, now=NOW
    )
    assert (same.properties, same.details) == ((), ())


def test_the_mcp_settings_name_their_stack_and_agree_in_number() -> None:
    declared = {"mcp_enabled": True, "mcp_allow_deletes": False}
    live = {"mcp_enabled": False, "mcp_allow_deletes": False}
    item = describe(step(MCP_SETTINGS, "mcp-settings", auto.OpType.UPDATE, live, declared), lambda _u: True, now=NOW)
    assert item.summary == (
        "the MCP settings of stack `team` differ in Directus (mcp_enabled): `up` restores the declared values"
    )
    assert item.details == ("mcp_enabled: False in Directus, True declared",)


def test_a_member_revoked_by_hand_is_named_so_with_its_token() -> None:
    tags = ["managed-by:directus-mcp-access", "mcp-stack:team"]
    declared = {"email": "ai-john@x.com", "status": "active", "tags": tags}
    live = {**declared, "status": "suspended", "tags": [*tags, "revoked-by:directus-mcp-access"]}
    user = describe(step(USER, "john-user", auto.OpType.UPDATE, live, declared), lambda _u: True, now=NOW)
    token_live = {**TOKEN_DECLARED, "status": "invalid", "rotation_due": (NOW + timedelta(days=9)).isoformat()}
    token = describe(
        step(STATIC_TOKEN, "john-token", auto.OpType.REPLACE, token_live, TOKEN_DECLARED), lambda _u: True, now=NOW
    )
    user, token = mark_revoked([user, token])
    assert (user.operation, token.operation) == (REVOKED, REVOKED)
    assert user.summary.startswith("member john was revoked by hand (`mcp-access revoke`: suspended, token cleared)")
    assert "set `enabled: false` for john" in user.summary and "mcp-access up --restore john" in user.summary
    assert token.summary.startswith("the token of member john was cleared by `mcp-access revoke`")
    # Once the code disables the member, the user's other differences are plain drift again.
    disabled = describe(
        step(USER, "john-user", auto.OpType.UPDATE, {**live, "role": None}, {**declared, "status": "suspended"}),
        lambda _u: True,
        now=NOW,
    )
    assert disabled.operation == "update"


def test_a_token_due_within_a_day_says_hours_not_zero_days() -> None:
    members = {
        "soon": {"rotationDue": (NOW + timedelta(hours=23, minutes=50)).isoformat(), "enabled": True},
        "now": {"rotationDue": (NOW + timedelta(minutes=20)).isoformat(), "enabled": True},
        "one": {"rotationDue": (NOW + timedelta(days=1, hours=3)).isoformat(), "enabled": True},
    }
    assert [f.message for f in rotation_findings(members, NOW, warn_days=14)] == [
        "the token of member now is due for rotation on 2026-11-24 (in less than an hour)",
        "the token of member one is due for rotation on 2026-11-25 (in 1 day)",
        "the token of member soon is due for rotation on 2026-11-25 (in 23 hours)",
    ]


def test_a_whole_number_reads_the_same_from_both_planning_paths() -> None:
    """The in-process plan may hold ``30.0`` where the engine's events give ``30``: the words must not differ
    (found by the e2e agreement case of a config change)."""
    from components.kinds import STATIC_TOKEN
    from components.ops.drift.wording import _value_details

    as_float = _value_details(
        {"rotate_after_days": 90}, {"rotate_after_days": 30.0}, ["rotate_after_days"], STATIC_TOKEN
    )
    as_int = _value_details({"rotate_after_days": 90}, {"rotate_after_days": 30}, ["rotate_after_days"], STATIC_TOKEN)
    assert as_float == as_int == ["rotate_after_days: 90 in Directus, 30 declared"]
