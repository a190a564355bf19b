"""What each Directus line allows, decided from ``/server/info`` before any change."""

from __future__ import annotations

from typing import Any

import pytest

from components.directus.version import ServerInfo, parse_version
from components.model.role_templates import Grant, RoleSpec
from components.model.stack_config import parse_config
from components.program.server_checks import custom_rule_errors, oauth_settings_errors

URL = "https://cms.example.com"


def spec(fields: list[str], filter_: dict[str, Any] | None = None) -> dict[str, RoleSpec]:
    grant = Grant(collection="articles", actions=["read"], fields=fields, filter=filter_)
    return {"reader": RoleSpec(template="reader", description="reads", permissions=[grant])}


PUBLISHED = {"status": {"_eq": "published"}}


@pytest.mark.parametrize(
    ("version", "major", "rules", "oauth"),
    [("12.4.1", 12, False, True), ("11.17.4", 11, True, False), ("", None, False, None)],
)
def test_lines(version: str, major: int | None, rules: bool, oauth: bool | None) -> None:
    info = ServerInfo(parse_version(version))
    assert (info.major, info.custom_permission_rules, info.mcp_oauth) == (major, rules, oauth)


def test_field_list_is_refused_on_12_naming_template_collection_and_fields() -> None:
    [message] = custom_rule_errors(spec(["id", "title"]), ServerInfo(parse_version("12.4.0")), URL)
    assert "'reader'" in message and "'articles'" in message and "['id', 'title']" in message
    assert "Directus 12.4.0" in message and URL in message


def test_field_list_is_allowed_on_11_and_all_fields_everywhere() -> None:
    assert custom_rule_errors(spec(["id", "title"]), ServerInfo(parse_version("11.17.4")), URL) == []
    assert custom_rule_errors(spec(["*"]), ServerInfo(parse_version("12.4.0")), URL) == []


def test_a_licensed_12_with_the_entitlement_allows_field_lists_and_filters() -> None:
    licensed = ServerInfo(parse_version("12.4.0"), entitlements={"custom_permission_rules_enabled": True})
    assert licensed.custom_permission_rules
    assert custom_rule_errors(spec(["id", "title"], PUBLISHED), licensed, URL) == []


def test_an_item_filter_is_refused_on_12_naming_template_collection_and_filter() -> None:
    [message] = custom_rule_errors(spec(["*"], PUBLISHED), ServerInfo(parse_version("12.4.1")), URL)
    assert message == (
        'role template \'reader\': the grant on \'articles\' filters items with {"status": {"_eq": "published"}}, '
        f"which Directus 12.4.1 at {URL} refuses without a license (403 RESOURCE_RESTRICTED on the core tier: custom "
        "permission rules); use fields ['*'] and no filter there, or a licensed 12.x or an 11.x Directus"
    )


def test_a_grant_with_both_names_both_in_one_message_and_11_allows_it() -> None:
    [message] = custom_rule_errors(spec(["id"], PUBLISHED), ServerInfo(parse_version("12.4.1")), URL)
    assert "limits fields to ['id'] and filters items with {\"status\"" in message
    assert custom_rule_errors(spec(["id"], PUBLISHED), ServerInfo(parse_version("11.17.4")), URL) == []
    assert custom_rule_errors(spec(["*"], {}), ServerInfo(parse_version("12.4.1")), URL) == []  # {}: no filter


def test_oauth_settings_and_oauth_members_are_refused_on_11_naming_each_entry() -> None:
    config = parse_config(
        {
            "directusUrl": URL,
            "members": [
                {"name": "john", "email": "john@company.com", "template": "content"},
                {"name": "sarah", "email": "sarah@company.com", "template": "content", "auth": "oauth"},
            ],
            "mcp": {"oauth": {"enabled": True, "dynamicClientRegistration": True}},
        }
    )
    errors = oauth_settings_errors(config, ServerInfo(parse_version("11.17.4")), URL)
    assert errors == [
        f"mcp.oauth.enabled: Directus 11.17.4 at {URL} has no MCP OAuth server (Directus 12.0 and later)",
        f"mcp.oauth.dynamicClientRegistration: Directus 11.17.4 at {URL} has no MCP OAuth server (Directus 12.0 and "
        "later)",
        f"members[1].auth: Directus 11.17.4 at {URL} has no MCP OAuth server (Directus 12.0 and later)",
    ]
    assert oauth_settings_errors(config, ServerInfo(parse_version("12.4.1")), URL) == []
    assert oauth_settings_errors(config, ServerInfo(None), URL) == []  # version not reported: no guess
