"""Providers called directly against a real Directus: create, read, adopt, refuse foreign, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.directus.client import DirectusClient
from components.model.marker import describe, user_tags
from components.providers.access import AccessLinkProvider
from components.providers.base import DirectusProvider, ForeignObjectError
from components.providers.permissions import LicenseRestrictionError, PermissionSetProvider
from components.providers.policy import PolicyProvider
from components.providers.role import RoleProvider
from components.providers.token import INVALID, VALID, StaticTokenProvider
from components.providers.user import UserProvider

Build = Callable[[type[DirectusProvider]], Any]


def user_props(email: str) -> dict[str, Any]:
    return {
        "email": email,
        "first_name": "AI",
        "last_name": "Test",
        "status": "active",
        "role": None,
        "tags": user_tags("it"),
    }


def test_user_create_read_and_idempotent_delete(configured: Build, admin: DirectusClient) -> None:
    users = configured(UserProvider)
    created = users.create(user_props("ai-create@example.com"))
    live = admin.get_by_id("/users", created.id, fields=["email", "status", "tags"])
    assert live == {"email": "ai-create@example.com", "status": "active", "tags": user_tags("it")}
    admin.update("/users", created.id, {"status": "suspended"})
    assert users.read(created.id, created.outs).outs["status"] == "suspended"
    users.delete(created.id, created.outs)
    users.delete(created.id, created.outs)  # already gone: still success
    assert users.read(created.id, created.outs).id == ""


def test_user_create_adopts_our_own_half_created_user(configured: Build, admin: DirectusClient) -> None:
    # Simulates a run that died after Directus created the user but before Pulumi recorded it.
    orphan = admin.create("/users", {**user_props("ai-orphan@example.com"), "first_name": "Old"})
    created = configured(UserProvider).create(user_props("ai-orphan@example.com"))
    assert created.id == orphan["id"]
    assert admin.list_objects("/users", filter={"email": {"_eq": "ai-orphan@example.com"}}, fields=["first_name"]) == [
        {"first_name": "AI"}
    ]


def test_user_adoption_reads_back_policies_attached_meanwhile(configured: Build, admin: DirectusClient) -> None:
    # A fresh create reports no attached policy without asking; an adopted user may carry one, which must show
    # (as drift) so the next `up` detaches it.
    users = configured(UserProvider)
    fresh = users.create({**user_props("ai-fresh@example.com"), "linked_policies": []})
    assert fresh.outs["policies"] == []
    orphan = admin.create("/users", user_props("ai-adopted-links@example.com"))
    policy = admin.create("/policies", {"name": "IT attached by hand", "app_access": False, "admin_access": False})
    admin.create("/access", {"user": orphan["id"], "policy": policy["id"]})
    props = {**user_props("ai-adopted-links@example.com"), "linked_policies": []}
    adopted = users.create(props)
    assert adopted.id == orphan["id"] and adopted.outs["policies"] == ["IT attached by hand"]
    assert users.diff(adopted.id, adopted.outs, props).changes
    for user_id in (fresh.id, adopted.id):
        users.delete(user_id, {})
    admin.delete("/policies", policy["id"])


def test_user_create_refuses_a_foreign_user_and_leaves_it_alone(configured: Build, admin: DirectusClient) -> None:
    foreign = admin.create("/users", {"email": "ai-foreign@example.com", "first_name": "Human"})
    with pytest.raises(ForeignObjectError) as caught:
        configured(UserProvider).create(user_props("ai-foreign@example.com"))
    assert "ai-foreign@example.com" in str(caught.value) and foreign["id"] in str(caught.value)
    assert admin.get_by_id("/users", foreign["id"], fields=["first_name", "tags"]) == {
        "first_name": "Human",
        "tags": None,
    }


def test_token_is_issued_probed_and_cleared(configured: Build, admin: DirectusClient) -> None:
    user = configured(UserProvider).create(user_props("ai-token@example.com"))
    tokens = configured(StaticTokenProvider)
    issued = tokens.create({"user_id": user.id, "rotate_after_days": 30})
    token = issued.outs["token"]
    assert len(token) >= 43
    assert admin.whoami(token)["id"] == user.id
    assert tokens.read(issued.id, issued.outs).outs["status"] == VALID
    admin.update("/users", user.id, {"token": "changed-by-hand-0123456789"})
    assert tokens.read(issued.id, issued.outs).outs["status"] == INVALID
    assert "token" in tokens.diff(issued.id, {**issued.outs, "status": INVALID}, issued.outs).replaces


def test_policy_permissions_and_access_link(configured: Build, admin: DirectusClient) -> None:
    policy = configured(PolicyProvider).create(
        {
            "name": "MCP it reader",
            "icon": "smart_toy",
            "description": describe("it", "it"),
            "admin_access": False,
            "app_access": False,
            "enforce_tfa": False,
            "ip_access": ["127.0.0.1", "10.0.0.0/8"],
        }
    )
    live = admin.get_by_id("/policies", policy.id, fields=["ip_access", "admin_access", "app_access"])
    assert live == {"ip_access": ["127.0.0.1", "10.0.0.0/8"], "admin_access": False, "app_access": False}

    permissions = configured(PermissionSetProvider)
    declared = [{"collection": "articles", "action": "read"}]
    made = permissions.create({"policy_id": policy.id, "permissions": declared})
    # A duplicate and a hand-added permission are drift, and update removes both.
    admin.create_many(
        "/permissions",
        [
            {"policy": policy.id, "collection": "articles", "action": "read", "fields": ["*"]},
            {"policy": policy.id, "collection": "internal_notes", "action": "read", "fields": ["*"]},
        ],
    )
    refreshed = permissions.read(made.id, made.outs).outs
    assert len(refreshed["permissions"]) == 3
    assert permissions.diff(made.id, refreshed, {"policy_id": policy.id, "permissions": declared}).changes
    permissions.update(made.id, refreshed, {"policy_id": policy.id, "permissions": declared})
    rows = admin.list_objects("/permissions", filter={"policy": {"_eq": policy.id}}, fields=["collection", "action"])
    assert rows == [{"collection": "articles", "action": "read"}]

    user = configured(UserProvider).create(user_props("ai-link@example.com"))
    links = configured(AccessLinkProvider)
    link = links.create({"policy": policy.id, "user": user.id, "role": None})
    again = links.create({"policy": policy.id, "user": user.id, "role": None})  # re-run after a crash
    assert again.id == link.id
    links.delete(link.id, link.outs)
    assert admin.exists("/access", link.id) is False


def test_permission_with_field_limits_names_the_license_restriction(configured: Build, admin: DirectusClient) -> None:
    policy = admin.create("/policies", {"name": "license probe", "description": describe("probe", "it")})
    permissions = configured(PermissionSetProvider)
    limited = [{"collection": "articles", "action": "read", "fields": ["title"]}]
    with pytest.raises(LicenseRestrictionError) as caught:
        permissions.create({"policy_id": policy["id"], "permissions": limited})
    message = str(caught.value)
    assert "license" in message and "RESOURCE_RESTRICTED" in message and "read on articles" in message
    admin.delete("/policies", policy["id"])


def test_role_create_adopt_foreign_and_delete(configured: Build, admin: DirectusClient) -> None:
    roles = configured(RoleProvider)
    props = {"name": "MCP it role", "icon": "smart_toy", "description": describe("role", "it")}
    role = roles.create(props)
    assert roles.create(props).id == role.id  # re-run after a crash adopts our own role
    admin.update("/roles", role.id, {"name": "renamed by hand"})
    assert roles.diff(role.id, roles.read(role.id, role.outs).outs, props).changes
    roles.delete(role.id, role.outs)
    assert roles.read(role.id, role.outs).id == ""
    admin.create("/roles", {"name": "MCP foreign role"})
    with pytest.raises(ForeignObjectError, match="MCP foreign role"):
        roles.create({**props, "name": "MCP foreign role"})


def test_bad_input_is_refused_in_check_before_any_request(configured: Build) -> None:
    users = configured(UserProvider)
    before = users.client.request_count
    result = users.check({}, {**user_props("ai-bad@example.com"), "email": "ai-bad@"})
    assert [f.property for f in result.failures] == ["email"]
    assert users.client.request_count == before
