"""The guard user (``guard.user``): a read-only identity the stack declares, its token a secret output.

Under Pulumi mocks: what ``build`` declares for it (no role, no app or admin access, read-only permissions with every
field and no filter on the system collections the read-only commands read, attached to the user only) and what
the pack and the config say about it. The end-to-end suite proves Directus refuses its writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.guardrails.rules import PlannedResource, evaluate
from components.kinds import ACCESS_LINK, PERMISSION_SET, POLICY, STATIC_TOKEN, USER
from components.model.stack_config import ConfigError, parse_config
from components.names import GUARD_COMPONENT
from components.program.guard import GUARD_READS
from tests.helpers.pulumi_mocks import Run

GUARD_EMAIL = "mcp-guard@example.com"


def planned_from_run(run: Run) -> list[PlannedResource]:
    """What the policy pack sees of the declared resources (inputs, parent component's type and name)."""
    by_urn = {d.urn: d for d in run.declared}
    return [
        PlannedResource(
            urn=d.urn,
            type=d.type,
            name=d.name,
            props=d.inputs,
            parent_type=by_urn[d.parent].type if d.parent in by_urn else None,
            parent_name=by_urn[d.parent].name if d.parent in by_urn else None,
        )
        for d in run.declared
        if d.custom
    ]


@pytest.fixture
def guarded(declare: Callable[..., Run], roster: dict[str, Any]) -> Run:
    return declare({**roster, "guard": {"user": GUARD_EMAIL}})


def guard_child(run: Run, type_: str) -> Any:
    (component,) = run.of_type(GUARD_COMPONENT)
    (found,) = [d for d in run.children_of(component) if d.type == type_]
    return found


def test_no_guard_declared_by_default(declared: Run) -> None:
    assert run_has_no_guard(declared)


def run_has_no_guard(run: Run) -> bool:
    return not run.of_type(GUARD_COMPONENT) and "guardToken" not in run.exports


def test_the_guard_user_reads_only_and_holds_nothing_else(guarded: Run) -> None:
    user = guard_child(guarded, USER.type)
    assert user.inputs["email"] == GUARD_EMAIL
    assert user.inputs.get("role") is None  # no role: nothing but its own policy
    policy = guard_child(guarded, POLICY.type)
    assert policy.inputs["admin_access"] is False and policy.inputs["app_access"] is False
    assert user.inputs["linked_policies"] == [policy.inputs["name"]]
    assert policy.inputs["linked_to"] == [f"user:{user.id}"]
    rows = guard_child(guarded, PERMISSION_SET.type).inputs["permissions"]
    assert {row["action"] for row in rows} == {"read"}
    assert all(row["fields"] == ["*"] and "permissions" not in row for row in rows)  # the core tier accepts these
    assert {row["collection"] for row in rows} == set(GUARD_READS)
    assert {"directus_users", "directus_policies", "directus_access", "directus_permissions"} <= set(GUARD_READS)
    link = guard_child(guarded, ACCESS_LINK.type)
    assert link.inputs["user"] == user.id and link.inputs.get("role") is None


def test_its_token_is_a_secret_output_and_never_in_the_members_tokens(guarded: Run) -> None:
    token = guard_child(guarded, STATIC_TOKEN.type)
    assert "token" in token.additional_secret_outputs
    assert guarded.exports["guardToken"].secret
    assert guarded.exports["guardToken"].value == token.outputs["token"]
    assert guarded.exports["guard"].value["email"] == GUARD_EMAIL
    assert token.outputs["token"] not in guarded.exports["tokens"].value.values()


def test_the_policy_pack_accepts_the_guard_user_outside_the_member_email_pattern(guarded: Run) -> None:
    assert evaluate(planned_from_run(guarded)) == []


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        ({"user": "not-an-email"}, "guard.user: 'not-an-email' is not a valid email address"),
        ({"user": "ai-john@example.com"}, "guard.user: 'ai-john@example.com' is also members[0] (john)"),
        ({"users": "x@example.com"}, "guard.users"),
    ],
)
def test_a_bad_guard_setting_names_the_field_and_value(
    roster: dict[str, Any], guard: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({**roster, "guard": guard})
    assert message in str(caught.value)
