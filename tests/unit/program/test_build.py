"""What the program declares for a roster, as the owner of a Directus deployment reads it in a preview.

``build`` runs under Pulumi mocks (no engine, no Directus); the component files next to this one test each
component's own wiring. Roster: john and a disabled bob on ``content``, sarah on ``analysis`` (see conftest).
"""

from __future__ import annotations

import base64
import importlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import dill  # type: ignore[import-untyped]  # the serializer Pulumi uses for __provider
import pulumi
import pytest

from components.directus.errors import DirectusUnavailableError
from components.kinds import (
    ACCESS_LINK,
    KINDS,
    MCP_SETTINGS,
    PERMISSION_SET,
    POLICY,
    ROLE,
    STATIC_TOKEN,
    USER,
    kind_named,
)
from components.model.marker import user_tags
from components.names import MEMBER_COMPONENT, TEMPLATE_COMPONENT, UNTYPED_DYNAMIC, kind_of_type
from components.program import entry
from tests.helpers.program import STACK
from tests.helpers.pulumi_mocks import Declared, Exported, Run, rotation_due, run_program, token_value

MCP_URL = "https://cms.example.com/mcp"


def child(run: Run, parent: Declared, type_: str) -> Declared:
    (found,) = [d for d in run.children_of(parent) if d.type == type_]
    return found


def role_ids(run: Run) -> dict[str, str]:
    """Template -> id of the role its component declares."""
    return {access.name: child(run, access, ROLE.type).id for access in run.of_type(TEMPLATE_COMPONENT)}


def by_member(run: Run, type_: str) -> dict[str, Declared]:
    """Member -> its resource of ``type_`` (members without one are absent)."""
    found = {}
    for member in run.of_type(MEMBER_COMPONENT):
        resources = [d for d in run.children_of(member) if d.type == type_]
        assert len(resources) <= 1, resources
        if resources:
            found[member.name] = resources[0]
    return found


# --- MCP settings ---------------------------------------------------------------------------------------------


def test_one_mcp_settings_enabling_mcp_with_deletes_disallowed_by_default(declared: Run) -> None:
    (settings,) = declared.of_type(MCP_SETTINGS.type)
    assert settings.inputs["mcp_enabled"] is True
    assert settings.inputs["mcp_allow_deletes"] is False
    assert settings.inputs["mcp_system_prompt_enabled"] is True
    assert "mcp_system_prompt" not in settings.inputs  # none: Directus's built-in prompt
    assert (settings.inputs["mcp_oauth_enabled"], settings.inputs["mcp_oauth_dcr_enabled"]) == (False, False)
    assert settings.inputs["mcp_oauth_cimd_enabled"] is False
    assert "mcp_prompts_collection" not in settings.inputs  # none: Directus's default


def test_mcp_settings_take_the_stacks_values(declare: Callable[..., Run], roster: dict[str, Any]) -> None:
    roster["mcp"] = {
        "enabled": False,
        "allowDeletes": True,
        "systemPromptEnabled": False,
        "systemPrompt": "Be brief.",
        "oauth": {"enabled": True, "dynamicClientRegistration": True, "clientIdMetadata": True},
        "promptsCollection": "articles",
    }
    (settings,) = declare(roster).of_type(MCP_SETTINGS.type)
    assert {k: v for k, v in settings.inputs.items() if k.startswith("mcp_")} == {
        "mcp_enabled": False,
        "mcp_allow_deletes": True,
        "mcp_system_prompt_enabled": False,
        "mcp_system_prompt": "Be brief.",
        "mcp_oauth_enabled": True,
        "mcp_oauth_dcr_enabled": True,
        "mcp_oauth_cimd_enabled": True,
        "mcp_prompts_collection": "articles",
    }


def test_members_are_declared_once_the_mcp_settings_are(declared: Run) -> None:
    (settings,) = declared.of_type(MCP_SETTINGS.type)
    for member in declared.of_type(MEMBER_COMPONENT):
        assert settings.urn in member.dependencies, member.name


def test_a_stack_that_does_not_own_the_settings_declares_none(
    declare: Callable[..., Run], roster: dict[str, Any]
) -> None:
    roster["mcp"] = {"manageSettings": False, "allowDeletes": False}
    run = declare(roster)
    assert run.of_type(MCP_SETTINGS.type) == []
    assert sorted(m.name for m in run.of_type(MEMBER_COMPONENT)) == ["bob", "john", "sarah"]


# --- role templates -------------------------------------------------------------------------------------------


def test_one_role_policy_permission_set_and_link_per_template_in_use(declared: Run) -> None:
    access = {component.name: component for component in declared.of_type(TEMPLATE_COMPONENT)}
    assert sorted(access) == ["analysis", "content"]  # not developer: neither configured nor used
    for template, component in access.items():
        kinds = sorted(str(kind_of_type(d.type)) for d in declared.children_of(component))
        assert kinds == ["AccessLink", "PermissionSet", "Policy", "Role"], template


def test_policies_grant_no_admin_no_app_and_only_the_stacks_allowlist(declared: Run) -> None:
    policies = declared.of_type(POLICY.type)
    assert len(policies) == 2
    for policy in policies:
        assert policy.inputs["admin_access"] is False, policy.name
        assert policy.inputs["app_access"] is False, policy.name
        assert policy.inputs["ip_access"] == ["10.0.0.0/8", "192.0.2.7"], policy.name
        assert policy.inputs["description"].endswith(f"[managed-by:directus-mcp-access stack={STACK}]")
    for role in declared.of_type(ROLE.type):
        assert role.inputs["description"].endswith(f"[managed-by:directus-mcp-access stack={STACK}]")
        assert role.inputs["name"] in {f"MCP content ({STACK})", f"MCP analysis ({STACK})"}


def test_permission_sets_cover_the_templates_collections(declared: Run) -> None:
    actions: dict[str, set[str]] = {}
    for component in declared.of_type(TEMPLATE_COMPONENT):
        rows = child(declared, component, PERMISSION_SET.type).inputs["permissions"]
        actions[component.name] = {row["action"] for row in rows if row["collection"] == "articles"}
    assert actions == {"content": {"read", "create", "update"}, "analysis": {"read"}}


def test_every_access_link_attaches_a_policy_to_one_of_the_stacks_roles(declared: Run) -> None:
    roles = {role.id for role in declared.of_type(ROLE.type)}
    policies = {policy.id for policy in declared.of_type(POLICY.type)}
    links = declared.of_type(ACCESS_LINK.type)
    assert len(links) == 2
    for link in links:
        # a link with neither role nor user would attach the policy to Public
        assert link.inputs.get("role") in roles, link.name
        assert link.inputs.get("user") is None, link.name
        assert link.inputs["policy"] in policies, link.name


# --- members --------------------------------------------------------------------------------------------------


def test_each_member_gets_one_marked_user_with_its_templates_role(declared: Run) -> None:
    roles = role_ids(declared)
    users = by_member(declared, USER.type)
    assert {name: (u.inputs["email"], u.inputs["role"], u.inputs["status"]) for name, u in users.items()} == {
        "john": ("ai-john@example.com", roles["content"], "active"),
        "sarah": ("ai-sarah.lee@example.org", roles["analysis"], "active"),
        "bob": ("ai-bob@example.com", roles["content"], "suspended"),
    }
    for name, user in users.items():
        assert user.inputs["tags"] == user_tags(STACK) == ["managed-by:directus-mcp-access", f"mcp-stack:{STACK}"], name


def test_enabled_members_get_a_token_rotating_after_their_own_or_the_stacks_period(declared: Run) -> None:
    users = by_member(declared, USER.type)
    tokens = by_member(declared, STATIC_TOKEN.type)
    assert {name: token.inputs["rotate_after_days"] for name, token in tokens.items()} == {"john": 60, "sarah": 30}
    for name, token in tokens.items():
        assert token.inputs["user_id"] == users[name].id, name


# --- types ----------------------------------------------------------------------------------------------------


def test_resource_types_are_the_projects_kinds_and_components(declared: Run) -> None:
    assert Counter(d.type for d in declared.declared) == {
        "pulumi-python:dynamic/directus:McpSettings": 1,
        "pulumi-python:dynamic/directus:Role": 2,
        "pulumi-python:dynamic/directus:Policy": 2,
        "pulumi-python:dynamic/directus:PermissionSet": 2,
        "pulumi-python:dynamic/directus:AccessLink": 2,
        "pulumi-python:dynamic/directus:User": 3,
        "pulumi-python:dynamic/directus:StaticToken": 2,
        "directus-mcp-access:index:TemplateAccess": 2,
        "directus-mcp-access:index:McpMember": 3,
    }
    assert {kind.type for kind in KINDS} == {d.type for d in declared.declared if d.custom}


def test_each_resource_carries_its_kinds_provider_by_reference_and_nothing_else(declared: Run) -> None:
    for resource in (d for d in declared.declared if d.custom):
        kind = kind_named(kind_of_type(resource.type))
        assert kind is not None, resource.type
        provider = dill.loads(base64.b64decode(resource.inputs["__provider"]))  # noqa: S301 (our own pickle)
        # by reference: unpickling resolves the class at its path, the one refresh and delete will import
        expected = getattr(importlib.import_module(f"components.providers.{kind.module}"), kind.provider)
        assert type(provider) is expected, resource.name
        assert vars(provider) == {}, resource.name  # no client, connection or token travels in the state
        assert "__provider" in resource.secret_inputs
        # state written before the resources had their own type names carries over
        assert resource.alias_types == (UNTYPED_DYNAMIC,), resource.name


# --- stack outputs --------------------------------------------------------------------------------------------


def test_exports_the_mcp_url_and_each_members_access(declared: Run) -> None:
    users = {name: user.id for name, user in by_member(declared, USER.type).items()}
    assert declared.exports["mcpUrl"] == Exported(MCP_URL, secret=False)
    members = declared.exports["members"]
    assert not members.secret
    expected = {
        "john": ("ai-john@example.com", "content", True, rotation_due(60)),
        "sarah": ("ai-sarah.lee@example.org", "analysis", True, rotation_due(30)),
        "bob": ("ai-bob@example.com", "content", False, None),
    }
    assert members.value == {
        name: {
            "userId": users[name],
            "mcpEmail": email,
            "template": template,
            "mcpUrl": MCP_URL,
            "enabled": enabled,
            "auth": "token",
            "rotationDue": due,
            "expires": None,
            "elevation": None,
        }
        for name, (email, template, enabled, due) in expected.items()
    }


def test_tokens_are_one_secret_output_holding_enabled_members_only(declared: Run) -> None:
    users = {name: user.id for name, user in by_member(declared, USER.type).items()}
    tokens = declared.exports["tokens"]
    assert tokens.secret
    assert tokens.value == {"john": token_value(users["john"]), "sarah": token_value(users["sarah"])}


def test_no_token_appears_outside_the_secret_output(declared: Run) -> None:
    public = repr({name: e.value for name, e in declared.exports.items() if not e.secret})
    public += repr([d.inputs for d in declared.declared])
    tokens = declared.exports["tokens"].value.values()
    assert tokens
    assert not [token for token in tokens if token in public]


def test_without_an_allowlist_the_policies_have_no_ip_restriction(
    declare: Callable[..., Run], roster: dict[str, Any]
) -> None:
    del roster["ipAllowlist"]
    assert [p.inputs.get("ip_access") for p in declare(roster).of_type(POLICY.type)] == [None, None]


# --- main: the entry point reads the stack config -------------------------------------------------------------


def summary(run: Run) -> list[tuple[str, str, str]]:
    return sorted(
        (d.type, d.name, repr({k: v for k, v in d.inputs.items() if k != "__provider"})) for d in run.declared
    )


def test_main_declares_what_build_declares_for_the_stacks_config(
    stack_config: Callable[[dict[str, Any]], None], roster: dict[str, Any], declared: Run
) -> None:
    stack_config(roster)
    run = run_program(entry.main, stack=STACK)
    assert summary(run) == summary(declared)
    assert run.exports["tokens"].secret


def test_main_refuses_a_bad_config_naming_the_field_and_value(
    stack_config: Callable[[dict[str, Any]], None], roster: dict[str, Any]
) -> None:
    roster["members"][1]["template"] = "analysys"
    stack_config(roster)
    with pytest.raises(pulumi.RunError, match=r"members\[1\]\.template: 'analysys' is not a role template"):
        run_program(entry.main, stack=STACK)


def test_main_refuses_a_collection_missing_from_the_live_directus(
    stack_config: Callable[[dict[str, Any]], None], roster: dict[str, Any]
) -> None:
    roster["templates"]["content"]["collections"].append("pages")
    stack_config(roster)
    with pytest.raises(pulumi.RunError, match=r"templates\.content\.collections\[1\]: collection 'pages' does not"):
        run_program(entry.main, stack=STACK)


def test_an_oauth_member_gets_its_user_but_no_static_token(declare: Callable[..., Run], roster: dict[str, Any]) -> None:
    members = [{**m, "auth": "oauth"} if m["name"] == "john" else m for m in roster["members"]]
    run = declare({**roster, "members": members})
    assert "john" in by_member(run, USER.type)
    assert "john" not in by_member(run, STATIC_TOKEN.type)
    assert "sarah" in by_member(run, STATIC_TOKEN.type)
    assert run.exports["members"].value["john"]["auth"] == "oauth"


def test_main_says_directus_is_unreachable_rather_than_blaming_the_config(
    stack_config: Callable[[dict[str, Any]], None], roster: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(_client: object) -> object:
        raise DirectusUnavailableError(
            method="GET", path="/server/info", status=503, code="SERVICE_UNAVAILABLE", message="gave up"
        )

    monkeypatch.setattr(entry, "server_info", unreachable)
    stack_config(roster)
    with pytest.raises(pulumi.RunError) as caught:
        run_program(entry.main, stack=STACK)
    assert "Directus GET /server/info failed: 503" in str(caught.value)
    assert "check that Directus is up and reachable" in str(caught.value)
    assert "fix it in stacks/" not in str(caught.value)
