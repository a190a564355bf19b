"""PolicyProvider against a fake Directus: flags and ip_access, adoption, and the links that attach the policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.model.marker import describe
from components.providers.base import UNKNOWN, ForeignObjectError
from components.providers.policy import PolicyProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

NAME = "MCP content reader"


def declared(**changes: Any) -> dict[str, Any]:
    props = {
        "name": NAME,
        "icon": "smart_toy",
        "description": describe("Content template", "unit"),
        "admin_access": False,
        "app_access": False,
        "enforce_tfa": False,
        "ip_access": ["10.0.0.0/8", "192.0.2.7"],
        "linked_to": [],
    }
    return {**props, **changes}


def test_create_makes_the_policy_with_flags_and_allowlist(configured: Configure, fake: FakeDirectus) -> None:
    created = configured(PolicyProvider).create(declared(app_access=False, enforce_tfa=True))
    live = fake.row("policies", created.id)
    assert live is not None
    assert (live["name"], live["admin_access"], live["app_access"], live["enforce_tfa"]) == (NAME, False, False, True)
    assert live["ip_access"] == ["10.0.0.0/8", "192.0.2.7"]
    assert outs(created)["policy_id"] == created.id and outs(created)["links"] == []
    assert fake.calls("GET", "/access") == []  # nothing is attached to a policy created just now


def test_create_stores_an_empty_allowlist_as_no_restriction(configured: Configure, fake: FakeDirectus) -> None:
    created = configured(PolicyProvider).create(declared(ip_access=[]))
    live = fake.row("policies", created.id)
    assert live is not None and live["ip_access"] is None
    assert outs(created)["ip_access"] is None


def test_create_adopts_our_policy_and_reports_its_links_public_included(
    configured: Configure, fake: FakeDirectus
) -> None:
    orphan = fake.add("policies", name=NAME, description=describe("older", "unit"), admin_access=True)
    user = fake.add("users", email="ai-john@company.com")
    fake.add("access", policy=orphan["id"], user=user["id"])
    fake.add("access", policy=orphan["id"])  # attaches the policy to Public
    policies = configured(PolicyProvider)

    adopted = policies.create(declared())

    assert adopted.id == orphan["id"] and len(fake.rows("policies")) == 1
    live = fake.row("policies", orphan["id"])
    assert live is not None and live["admin_access"] is False
    assert outs(adopted)["links"] == ["public", f"user:{user['id']}"]
    assert policies.diff(adopted.id, outs(adopted), declared(linked_to=[f"user:{user['id']}"])).changes


def test_create_refuses_a_hand_made_policy_with_the_same_name(configured: Configure, fake: FakeDirectus) -> None:
    theirs = fake.add("policies", name=NAME, description="made in the app", admin_access=True)
    with pytest.raises(ForeignObjectError) as caught:
        configured(PolicyProvider).create(declared())
    assert NAME in str(caught.value) and theirs["id"] in str(caught.value)
    assert fake.row("policies", theirs["id"]) == theirs
    assert fake.calls("PATCH") == [] and fake.calls("POST") == []


def test_read_returns_live_flags_and_every_link(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    policies = configured(PolicyProvider)
    created = policies.create(declared())
    role = fake.add("roles", name="MCP content")
    user = fake.add("users", email="ai-john@company.com")
    fake.add("access", policy=created.id, role=role["id"])
    fake.add("access", policy=created.id, user=user["id"])
    fake.add("access", policy=created.id)
    fake.change("policies", created.id, admin_access=True)
    new_process()

    read = policies.read(created.id, outs(created))

    assert outs(read)["admin_access"] is True
    assert outs(read)["links"] == ["public", f"role:{role['id']}", f"user:{user['id']}"]
    assert policies.diff(created.id, outs(read), declared()).changes


def test_read_treats_an_empty_allowlist_like_none(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    policies = configured(PolicyProvider)
    created = policies.create(declared(ip_access=None))
    fake.change("policies", created.id, ip_access=[])
    new_process()
    read = policies.read(created.id, outs(created))
    assert outs(read)["ip_access"] is None
    assert not policies.diff(created.id, outs(read), declared(ip_access=None)).changes


def test_read_of_a_policy_deleted_out_of_band_says_gone(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    policies = configured(PolicyProvider)
    created = policies.create(declared())
    fake.remove("policies", created.id)
    new_process()
    assert policies.read(created.id, outs(created)).id == ""


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure) -> None:
    policies = configured(PolicyProvider)
    live = {**declared(), "policy_id": "p1", "links": ["role:r1"]}
    diff = policies.diff("p1", live, declared(linked_to=["role:r1"]))
    assert not diff.changes and diff.stables == ["policy_id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("admin_access", True), ("app_access", True), ("enforce_tfa", True), ("ip_access", None), ("name", "MCP x")],
)
def test_diff_updates_in_place_when_a_managed_field_differs(configured: Configure, field: str, value: Any) -> None:
    policies = configured(PolicyProvider)
    diff = policies.diff("p1", {**declared(), "links": []}, declared(**{field: value}))
    assert diff.changes and diff.replaces == []


def test_diff_reports_links_nobody_declared(configured: Configure) -> None:
    policies = configured(PolicyProvider)
    declared_links = ["role:r1"]
    public = {**declared(), "links": ["public", "role:r1"]}
    stranger = {**declared(), "links": ["role:r1", "user:u-hand"]}
    assert policies.diff("p1", public, declared(linked_to=declared_links)).changes
    assert policies.diff("p1", stranger, declared(linked_to=declared_links)).changes
    # A declared link still missing is the access-link resource's business.
    assert not policies.diff("p1", {**declared(), "links": []}, declared(linked_to=declared_links)).changes


def test_diff_in_preview_still_reports_a_public_link_but_no_other(configured: Configure) -> None:
    policies = configured(PolicyProvider)
    stranger = {**declared(), "links": ["user:u-hand"]}
    public = {**declared(), "links": ["public"]}
    for unknown in (UNKNOWN, ["role:r1", UNKNOWN]):
        assert not policies.diff("p1", stranger, declared(linked_to=unknown)).changes
        assert policies.diff("p1", public, declared(linked_to=unknown)).changes


def test_update_applies_flags_and_removes_undeclared_links(configured: Configure, fake: FakeDirectus) -> None:
    policies = configured(PolicyProvider)
    created = policies.create(declared())
    role = fake.add("roles", name="MCP content")
    hand = fake.add("users", email="someone@company.com")
    kept = fake.add("access", policy=created.id, role=role["id"])
    fake.add("access", policy=created.id, user=hand["id"])
    fake.add("access", policy=created.id)
    other = fake.add("policies", name="Other")
    untouched = fake.add("access", policy=other["id"])  # another policy's rows are not ours to judge

    updated = policies.update(
        created.id, outs(created), declared(enforce_tfa=True, ip_access=[], linked_to=[f"role:{role['id']}"])
    )

    live = fake.row("policies", created.id)
    assert live is not None and (live["enforce_tfa"], live["ip_access"]) == (True, None)
    assert [row["id"] for row in fake.rows("access", policy=created.id)] == [kept["id"]]
    assert fake.row("access", untouched["id"]) is not None
    assert outs(updated)["links"] == [f"role:{role['id']}"] and outs(updated)["policy_id"] == created.id


def test_delete_removes_the_policy_and_is_idempotent(configured: Configure, fake: FakeDirectus) -> None:
    policies = configured(PolicyProvider)
    created = policies.create(declared())
    policies.delete(created.id, outs(created))
    assert fake.row("policies", created.id) is None
    policies.delete(created.id, outs(created))
