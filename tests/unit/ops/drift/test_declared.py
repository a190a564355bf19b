"""The in-process declaration of ``drift``: the program under mocks, answered from a fixture state.

The fixture's URNs are written out as the engine writes them in a real state (``pulumi stack export``), so a
mismatch in how the mocks name resources would leave registrations unmatched (a false "create" per resource).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pulumi.output import Unknown

from components.model.role_specs import stack_role_specs
from components.model.role_templates import available_templates
from components.model.stack_config import parse_config
from components.ops.drift.declared import Registration, declare

STACK = "team"
PREFIX = f"urn:pulumi:{STACK}::directus-mcp-access::"
MEMBER = "directus-mcp-access:index:McpMember$pulumi-python:dynamic/directus"
TEMPLATE = "directus-mcp-access:index:TemplateAccess$pulumi-python:dynamic/directus"
#: The dynamic resources of the state of this roster, by URN, with the ids the engine recorded.
STATE_IDS = {
    f"{PREFIX}pulumi-python:dynamic/directus:McpSettings::mcp-settings": "directus-settings",
    f"{PREFIX}{TEMPLATE}:Role::content-role": "role-1",
    f"{PREFIX}{TEMPLATE}:Policy::content-policy": "policy-1",
    f"{PREFIX}{TEMPLATE}:PermissionSet::content-permissions": "permissions-policy-1",
    f"{PREFIX}{TEMPLATE}:AccessLink::content-access": "access-1",
    f"{PREFIX}{MEMBER}:User::john-user": "user-1",
    f"{PREFIX}{MEMBER}:StaticToken::john-token": "token-user-1-abcd",
    f"{PREFIX}{MEMBER}:User::bob-user": "user-2",
}
ROSTER: dict[str, Any] = {
    "directusUrl": "https://cms.example.com/",
    "members": [
        {"name": "john", "email": "john@example.com", "template": "content"},
        {"name": "bob", "email": "bob@example.com", "template": "content", "enabled": False},
    ],
    "templates": {"content": {"collections": ["articles"]}},
}


def run(unknown: frozenset[str] = frozenset()) -> dict[str, Registration]:
    """Declare ROSTER, answering each resource with its state id, or with none for the names in ``unknown``."""
    config = parse_config(ROSTER, templates=available_templates())
    seen: dict[str, Registration] = {}
    lock = threading.Lock()

    def answer(registration: Registration) -> tuple[str, dict[str, Any]]:
        with lock:
            seen[registration.name] = registration
        if not registration.custom or registration.name in unknown:
            return "", {}
        return STATE_IDS[registration.urn], {}

    declare(config, stack_role_specs(config, STACK), STACK, answer)
    return seen


def test_each_dynamic_resource_registers_under_its_state_urn_and_downstream_inputs_get_the_state_ids() -> None:
    seen = run()
    assert {r.urn for r in seen.values() if r.custom} == set(STATE_IDS)
    assert seen["john-user"].inputs["role"] == "role-1"
    assert seen["john-user"].inputs["status"] == "active"
    assert seen["bob-user"].inputs["status"] == "suspended"
    assert "bob-token" not in seen  # a disabled member has no token
    assert seen["john-token"].inputs["user_id"] == "user-1"
    assert seen["content-policy"].inputs["linked_to"] == ["role:role-1"]
    assert seen["content-permissions"].inputs["policy_id"] == "policy-1"
    assert (seen["content-access"].inputs["policy"], seen["content-access"].inputs["role"]) == ("policy-1", "role-1")
    # The legacy type is declared as an alias, so a state from before the kinds were named still matches.
    assert seen["john-user"].alias_urns == (
        f"{PREFIX}directus-mcp-access:index:McpMember$pulumi-python:dynamic:Resource::john-user",
    )


def test_a_resource_planned_for_creation_leaves_what_depends_on_its_id_unknown() -> None:
    seen = run(unknown=frozenset({"content-role"}))
    assert isinstance(seen["john-user"].inputs["role"], Unknown)
    assert isinstance(seen["bob-user"].inputs["role"], Unknown)
    assert isinstance(seen["content-policy"].inputs["linked_to"], Unknown)
    assert isinstance(seen["content-access"].inputs["role"], Unknown)
    assert seen["content-access"].inputs["policy"] == "policy-1"  # the policy stays: its id is known
    assert seen["john-token"].inputs["user_id"] == "user-1"


def test_an_error_in_the_answer_is_raised_after_the_program_ran() -> None:
    config = parse_config(ROSTER, templates=available_templates())

    def answer(registration: Registration) -> tuple[str, dict[str, Any]]:
        if registration.name == "john-token":
            raise RuntimeError("cannot answer john-token")
        return "", {}

    with pytest.raises(RuntimeError, match="cannot answer john-token"):
        declare(config, stack_role_specs(config, STACK), STACK, answer)
