"""``McpMember`` on its own: a member's MCP user and, while enabled, its static token."""

from __future__ import annotations

import pulumi

from components.kinds import STATIC_TOKEN, USER
from components.names import MEMBER_COMPONENT
from components.program.member import McpMember
from tests.helpers.pulumi_mocks import Declared, Exported, Run, rotation_due, run_program, token_value

STACK = "production"


def declare(*, enabled: bool) -> Run:
    def program() -> None:
        member = McpMember(
            "john",
            stack=STACK,
            mcp_email="ai-john@example.com",
            first_name="John",
            last_name="Doe",
            role_id="role-7",
            rotate_after_days=30,
            enabled=enabled,
        )
        pulumi.export("userId", member.user_id)
        pulumi.export("email", member.email)
        pulumi.export("token", member.token)
        pulumi.export("rotationDue", member.rotation_due)

    return run_program(program, stack=STACK)


def one(run: Run, type_: str) -> Declared:
    (found,) = run.of_type(type_)
    return found


def test_an_enabled_member_is_a_user_and_its_token_under_the_component() -> None:
    run = declare(enabled=True)
    component = one(run, MEMBER_COMPONENT)
    assert component.name == "john"
    assert sorted((d.type, d.name) for d in run.children_of(component)) == [
        (STATIC_TOKEN.type, "john-token"),
        (USER.type, "john-user"),
    ]
    user = one(run, USER.type)
    assert user.inputs["first_name"] == "John"
    assert user.inputs["last_name"] == "Doe"
    assert user.inputs["linked_policies"] == []  # its access comes from its role only


def test_the_token_belongs_to_that_user_and_is_a_secret_output() -> None:
    run = declare(enabled=True)
    user, token = one(run, USER.type), one(run, STATIC_TOKEN.type)
    assert token.inputs["user_id"] == user.id
    assert user.urn in token.dependencies
    assert token.inputs["rotate_after_days"] == 30
    assert "token" in token.additional_secret_outputs  # the engine stores the generated value encrypted
    assert set(token.inputs) == {"user_id", "rotate_after_days", "__provider"}  # the value is never an input
    assert run.exports["userId"].value == user.id
    assert run.exports["email"].value == "ai-john@example.com"
    assert run.exports["token"].value == token_value(user.id)
    assert run.exports["rotationDue"].value == rotation_due(30)


def test_a_disabled_member_keeps_its_user_but_has_no_token() -> None:
    run = declare(enabled=False)
    assert [d.type for d in run.children_of(one(run, MEMBER_COMPONENT))] == [USER.type]
    assert run.exports["token"] == Exported(None, secret=False)
    assert run.exports["rotationDue"] == Exported(None, secret=False)
