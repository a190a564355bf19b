"""Providers' ``check`` refuses bad input with the field and value, before any request (no client exists here)."""

from __future__ import annotations

from typing import Any

import pytest

from components.model.marker import describe, user_tags
from components.providers.access import AccessLinkProvider
from components.providers.base import UNKNOWN, DirectusProvider
from components.providers.mcp_settings import McpSettingsProvider
from components.providers.permissions import PermissionSetProvider, normalize_all
from components.providers.policy import PolicyProvider
from components.providers.token import StaticTokenProvider, generate_token
from components.providers.user import UserProvider

POLICY = {
    "name": "MCP reader",
    "icon": "x",
    "description": describe("d", "test"),
    "admin_access": False,
    "app_access": False,
    "enforce_tfa": False,
    "ip_access": None,
}
USER = {
    "email": "ai-john@company.com",
    "first_name": "J",
    "last_name": "S",
    "status": "active",
    "role": None,
    "tags": user_tags("test"),
}


def failures(provider: DirectusProvider, news: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, news).failures]


@pytest.mark.parametrize(
    ("provider", "news", "field", "fragment"),
    [
        (UserProvider(), {**USER, "email": "ai-john@"}, "email", "'ai-john@' is not a valid email"),
        (UserProvider(), {**USER, "status": "enabled"}, "status", "'enabled'"),
        (UserProvider(), {**USER, "tags": []}, "tags", "marker"),
        (PolicyProvider(), {**POLICY, "ip_access": ["300.1.1.1"]}, "ip_access", "'300.1.1.1'"),
        (PolicyProvider(), {**POLICY, "admin_access": "maybe"}, "admin_access", "'maybe' is not a boolean"),
        (PolicyProvider(), {**POLICY, "name": " "}, "name", "empty"),
        (AccessLinkProvider(), {"policy": "p", "role": None, "user": None}, "role", "Public"),
        (McpSettingsProvider(), {"mcp_enabled": "yes"}, "mcp_enabled", "'yes' is not a boolean"),
        (StaticTokenProvider(), {"user_id": "u", "rotate_after_days": 0}, "rotate_after_days", "0"),
        (
            PermissionSetProvider(),
            {"policy_id": "p", "permissions": [{"collection": "articles", "action": "destroy"}]},
            "permissions[0].action",
            "'destroy' is not a Directus action",
        ),
    ],
)
def test_check_names_field_and_value(
    provider: DirectusProvider, news: dict[str, Any], field: str, fragment: str
) -> None:
    found = failures(provider, news)
    assert any(prop == field and fragment in reason for prop, reason in found), found


def test_check_tolerates_unknown_values_during_preview() -> None:
    assert failures(AccessLinkProvider(), {"policy": UNKNOWN, "user": UNKNOWN, "role": None}) == []
    assert failures(UserProvider(), {**USER, "role": UNKNOWN}) == []


def test_duplicate_declared_permission_is_refused() -> None:
    perms = [{"collection": "a", "action": "read"}, {"collection": "a", "action": "read"}]
    assert failures(PermissionSetProvider(), {"policy_id": "p", "permissions": perms})


def test_generated_tokens_are_long_and_distinct() -> None:
    tokens = {generate_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes, url-safe base64


def test_permission_normalisation_makes_order_and_defaults_irrelevant() -> None:
    a = normalize_all([{"collection": "b", "action": "read"}, {"collection": "a", "action": "read", "fields": None}])
    b = normalize_all(
        [
            {"collection": "a", "action": "read", "fields": ["*"], "permissions": {}},
            {"collection": "b", "action": "read"},
        ]
    )
    assert a == b


def test_provider_instances_hold_no_state_to_pickle() -> None:
    import dill  # the serializer Pulumi uses for __provider

    for provider in (UserProvider(), StaticTokenProvider(), PolicyProvider(), AccessLinkProvider()):
        assert vars(provider) == {}
        assert len(dill.dumps(provider, recurse=True)) < 2000  # pickled by reference, not by value
