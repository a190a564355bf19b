"""``TemplateAccess`` on its own: one rendered role template becomes a role, a policy, its permissions, one link."""

from __future__ import annotations

import pytest

from components.kinds import ACCESS_LINK, PERMISSION_SET, POLICY, ROLE
from components.model.role_templates import RoleSpec
from components.names import TEMPLATE_COMPONENT
from components.program.template_access import TemplateAccess
from tests.helpers.pulumi_mocks import Declared, Run, run_program

STACK = "production"
SPEC = RoleSpec.model_validate(
    {
        "template": "editor",
        "description": "Edits articles.",
        "policy": {"admin_access": False, "app_access": False, "ip_access": ["10.0.0.0/8"]},
        "permissions": [{"collection": "articles", "actions": ["update", "read"]}],
    }
)


def declare(spec: RoleSpec) -> Run:
    return run_program(lambda: TemplateAccess(spec, stack=STACK), stack=STACK)


@pytest.fixture
def editor() -> Run:
    return declare(SPEC)


def one(run: Run, type_: str) -> Declared:
    (found,) = run.of_type(type_)
    return found


def test_declares_four_resources_under_one_component_named_after_the_template(editor: Run) -> None:
    component = one(editor, TEMPLATE_COMPONENT)
    assert component.name == "editor"
    assert sorted(d.name for d in editor.children_of(component)) == [
        "editor-access",
        "editor-permissions",
        "editor-policy",
        "editor-role",
    ]
    assert len(editor.declared) == 5


def test_role_and_policy_are_named_for_the_stack_and_carry_the_managed_by_marker(editor: Run) -> None:
    role, policy = one(editor, ROLE.type), one(editor, POLICY.type)
    description = "Edits articles.\n[managed-by:directus-mcp-access stack=production]"
    assert (role.inputs["name"], role.inputs["description"]) == ("MCP editor (production)", description)
    assert (policy.inputs["name"], policy.inputs["description"]) == ("MCP editor (production)", description)
    assert role.inputs["linked_policies"] == ["MCP editor (production)"]  # any other policy on it is drift


def test_policy_takes_the_specs_flags_and_ip_allowlist(editor: Run) -> None:
    policy = one(editor, POLICY.type)
    assert policy.inputs["admin_access"] is False
    assert policy.inputs["app_access"] is False
    assert policy.inputs["enforce_tfa"] is False
    assert policy.inputs["ip_access"] == ["10.0.0.0/8"]


def test_an_empty_allowlist_sets_no_ip_restriction() -> None:
    spec = SPEC.model_copy(update={"policy": SPEC.policy.model_copy(update={"ip_access": []})})
    assert "ip_access" not in one(declare(spec), POLICY.type).inputs


def test_permission_set_holds_the_specs_rows_on_that_policy(editor: Run) -> None:
    policy, permissions = one(editor, POLICY.type), one(editor, PERMISSION_SET.type)
    assert permissions.inputs["policy_id"] == policy.id
    assert permissions.inputs["permissions"] == [
        {"collection": "articles", "action": "read", "fields": ["*"]},
        {"collection": "articles", "action": "update", "fields": ["*"]},
    ]


def test_the_policy_is_attached_to_the_role_and_nothing_else(editor: Run) -> None:
    role, policy, link = one(editor, ROLE.type), one(editor, POLICY.type), one(editor, ACCESS_LINK.type)
    assert {k: v for k, v in link.inputs.items() if k != "__provider"} == {"policy": policy.id, "role": role.id}
    assert policy.inputs["linked_to"] == [f"role:{role.id}"]  # a link to a user, another role or Public is drift
