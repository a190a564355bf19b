"""The guardrail rules on hand-built resources: unknown preview values, pack settings, the email pattern."""

from __future__ import annotations

import json
from typing import Any

from components.guardrails.pack import settings_from
from components.guardrails.rules import (
    UNKNOWN,
    PlannedResource,
    RuleSettings,
    email_regex,
    evaluate,
)
from components.names import DYNAMIC_PREFIX as TYPE_PREFIX
from components.names import MEMBER_COMPONENT, TEMPLATE_COMPONENT


def resource(kind: str, logical: str, parent: str, stack: str = "team", **props: Any) -> PlannedResource:
    parent_type = MEMBER_COMPONENT if kind in ("User", "StaticToken") else TEMPLATE_COMPONENT
    return PlannedResource(
        urn=f"urn:pulumi:{stack}::directus-mcp-access::{parent_type}${TYPE_PREFIX}{kind}::{logical}",
        type=f"{TYPE_PREFIX}{kind}",
        name=logical,
        props=props,
        parent_type=parent_type,
        parent_name=parent,
    )


def provider_with_guardrails(guardrails: dict[str, Any]) -> PlannedResource:
    return PlannedResource(
        urn="urn:pulumi:team::directus-mcp-access::pulumi:providers:pulumi-python::default",
        type="pulumi:providers:pulumi-python",
        name="default",
        props={"directus-mcp-access:guardrails": json.dumps(guardrails)},
    )


def rules(found: list[Any]) -> list[str]:
    return sorted(v.rule for v in found)


def test_unknown_values_are_not_violations() -> None:
    resources = [
        resource("Policy", "content-policy", "content", admin_access=UNKNOWN, app_access=UNKNOWN, ip_access=UNKNOWN),
        resource("StaticToken", "john-token", "john", rotate_after_days=UNKNOWN, user_id=UNKNOWN),
        resource("User", "john-user", "john", email=UNKNOWN),
    ]
    assert evaluate(resources, RuleSettings(production_stacks=("team",))) == []


def test_the_developer_opt_in_comes_from_the_stack_config_the_provider_receives() -> None:
    policy = resource("Policy", "developer-policy", "developer", admin_access=True, name="MCP developer (team)")
    assert rules(evaluate([policy])) == ["mcp-no-admin-access"]
    assert rules(evaluate([policy, provider_with_guardrails({"allowAdminAccess": False})])) == ["mcp-no-admin-access"]
    assert evaluate([policy, provider_with_guardrails({"allowAdminAccess": True})]) == []
    content = resource("Policy", "content-policy", "content", admin_access=True, name="MCP content (team)")
    assert rules(evaluate([content, provider_with_guardrails({"allowAdminAccess": True})])) == ["mcp-no-admin-access"]


def test_production_is_the_pack_setting_not_the_stack_name_alone() -> None:
    settings = resource("McpSettings", "mcp-settings", "", stack="prod-eu", mcp_allow_deletes=True)
    assert evaluate([settings]) == []
    found = evaluate([settings], RuleSettings(production_stacks=("prod-eu",)))
    assert [v.message for v in found] == [
        "stack 'prod-eu' is production: deletes through MCP must be off (mcp.allowDeletes: false)"
    ]


def test_production_opens_dynamic_client_registration_only_when_the_stack_says_so() -> None:
    dcr = resource(
        "McpSettings", "mcp-settings", "", stack="production", mcp_oauth_enabled=True, mcp_oauth_dcr_enabled=True
    )
    found = evaluate([dcr])
    assert [(v.rule, v.message) for v in found] == [
        (
            "production-hardening",
            "stack 'production' is production: OAuth dynamic client registration is on "
            "(mcp.oauth.dynamicClientRegistration) without guardrails.allowDynamicClientRegistration: true",
        )
    ]
    assert rules(evaluate([dcr, provider_with_guardrails({"allowDynamicClientRegistration": False})])) == [
        "production-hardening"
    ]
    assert evaluate([dcr, provider_with_guardrails({"allowDynamicClientRegistration": True})]) == []
    cimd = resource("McpSettings", "mcp-settings", "", stack="production", mcp_oauth_cimd_enabled=True)
    unknown = resource("McpSettings", "mcp-settings", "", stack="production", mcp_oauth_dcr_enabled=UNKNOWN)
    staging = resource("McpSettings", "mcp-settings", "", stack="staging", mcp_oauth_dcr_enabled=True)
    assert evaluate([cimd]) == evaluate([unknown]) == evaluate([staging]) == []


def test_pack_config_overrides_the_defaults() -> None:
    assert settings_from({}) == RuleSettings()
    custom = settings_from({"productionStacks": ["prod"], "maxDays": 30, "pattern": "mcp.{local}@{domain}"})
    assert custom == RuleSettings(
        production_stacks=("prod",), max_rotation_days=30, email_pattern="mcp.{local}@{domain}"
    )
    token = resource("StaticToken", "john-token", "john", rotate_after_days=45.0, user_id="u1")
    assert [v.message for v in evaluate([token], custom)] == [
        "member 'john': token rotates after 45 days; at most 30 are allowed"
    ]


def test_email_pattern_placeholders_match_one_part_each() -> None:
    pattern = email_regex("ai-{local}@{domain}")
    assert pattern.match("ai-john@company.com")
    assert pattern.match("AI-John.Doe@Company.co.uk")
    assert not pattern.match("john@company.com")
    assert not pattern.match("ai-john@company")
    assert not pattern.match("ai-jo@hn@company.com")
    fixed = email_regex("ai-{local}@company.com")
    assert fixed.match("ai-sarah@company.com")
    assert not fixed.match("ai-sarah@companyXcom")


def provider_with(**settings: Any) -> PlannedResource:
    return PlannedResource(
        urn="urn:pulumi:production::directus-mcp-access::pulumi:providers:pulumi-python::default",
        type="pulumi:providers:pulumi-python",
        name="default",
        props={f"directus-mcp-access:{key}": json.dumps(value) for key, value in settings.items()},
    )


def test_the_pack_refuses_a_developer_elevation_on_production_without_end_or_reason_or_too_long(
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("MCP_ACCESS_NOW", "2027-03-10T12:00:00Z")
    users = [resource("User", f"{m}-user", m, stack="production", email=f"ai-{m}@x.com") for m in ("kim", "lee", "max")]
    elevations = [
        {"member": "kim", "template": "developer"},
        {"member": "lee", "template": "developer", "until": "2027-03-11T12:00:00Z", "reason": "migration"},
        {"member": "max", "template": "developer", "until": "2027-03-10T18:00:00Z", "reason": "migration"},
    ]
    found = [
        v.message
        for v in evaluate([*users, provider_with(elevations=elevations, guardrails={})])
        if v.rule == "elevation-time-box"
    ]
    assert found == [
        "member 'kim': elevation to 'developer' on production stack 'production' has no reason",
        "member 'kim': elevation to 'developer' on production stack 'production' has no end (until); at most 8 hours "
        "are allowed",
        "member 'lee': elevation to 'developer' on production stack 'production' lasts 24.0 more hours; at most 8 are "
        "allowed",
    ]
    staging = [resource("User", "kim-user", "kim", stack="staging", email="ai-kim@x.com")]
    assert [
        v for v in evaluate([*staging, provider_with(elevations=elevations)]) if v.rule == "elevation-time-box"
    ] == []
    tighter = [
        v.message
        for v in evaluate([users[2], provider_with(elevations=elevations, guardrails={"maxElevationHours": 4})])
        if v.rule == "elevation-time-box"
    ]
    assert tighter == [
        "member 'max': elevation to 'developer' on production stack 'production' lasts 6.0 more hours; at most 4 are "
        "allowed"
    ]
