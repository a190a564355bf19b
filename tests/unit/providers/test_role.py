"""RoleProvider against a fake Directus: create/adopt/refuse, read and attached-policy drift, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.model.marker import describe
from components.providers.base import UNKNOWN, ForeignObjectError
from components.providers.role import RoleProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

NAME = "MCP content editor"


def declared(**changes: Any) -> dict[str, Any]:
    props = {
        "name": NAME,
        "icon": "smart_toy",
        "description": describe("Content template", "unit"),
        "linked_policies": ["MCP content editor"],
    }
    return {**props, **changes}


def attach(fake: FakeDirectus, role_id: str, policy_name: str) -> str:
    policy = fake.add("policies", name=policy_name)
    return str(fake.add("access", role=role_id, policy=policy["id"])["id"])


def test_create_makes_the_role_with_its_marker_and_no_policy(configured: Configure, fake: FakeDirectus) -> None:
    created = configured(RoleProvider).create(declared())
    live = fake.row("roles", created.id)
    assert live is not None
    assert (live["name"], live["icon"], live["description"]) == (NAME, "smart_toy", declared()["description"])
    assert outs(created)["role_id"] == created.id and outs(created)["policies"] == []


def test_create_adopts_a_role_carrying_our_marker(configured: Configure, fake: FakeDirectus) -> None:
    orphan = fake.add("roles", name=NAME, icon="old", description=describe("older text", "unit"))
    attach(fake, orphan["id"], "MCP content editor")
    attach(fake, orphan["id"], "Admin by hand")
    roles = configured(RoleProvider)

    adopted = roles.create(declared())

    assert adopted.id == orphan["id"] and len(fake.rows("roles")) == 1
    live = fake.row("roles", orphan["id"])
    assert live is not None and (live["icon"], live["description"]) == ("smart_toy", declared()["description"])
    assert outs(adopted)["policies"] == ["Admin by hand", "MCP content editor"]
    assert roles.diff(adopted.id, outs(adopted), declared()).changes


def test_create_refuses_a_hand_made_role_with_the_same_name(configured: Configure, fake: FakeDirectus) -> None:
    theirs = fake.add("roles", name=NAME, description="Editors of the marketing team")
    with pytest.raises(ForeignObjectError) as caught:
        configured(RoleProvider).create(declared())
    assert NAME in str(caught.value) and theirs["id"] in str(caught.value)
    assert fake.row("roles", theirs["id"]) == theirs
    assert fake.calls("PATCH") == [] and fake.calls("POST") == []


def test_read_returns_live_values_and_attached_policies(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    roles = configured(RoleProvider)
    created = roles.create(declared())
    attach(fake, created.id, "MCP content editor")
    fake.change("roles", created.id, icon="edited")
    new_process()

    read = roles.read(created.id, outs(created))

    assert outs(read)["icon"] == "edited" and outs(read)["policies"] == ["MCP content editor"]
    diff = roles.diff(created.id, outs(read), declared())
    assert diff.changes and not diff.replaces


def test_read_of_a_role_deleted_out_of_band_says_gone(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    roles = configured(RoleProvider)
    created = roles.create(declared())
    fake.remove("roles", created.id)
    new_process()
    assert roles.read(created.id, outs(created)).id == ""


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure) -> None:
    roles = configured(RoleProvider)
    live = {**declared(), "role_id": "r1", "policies": ["MCP content editor"]}
    diff = roles.diff("r1", live, declared())
    assert not diff.changes and diff.stables == ["role_id"]


@pytest.mark.parametrize(
    ("field", "value"), [("name", "MCP renamed"), ("icon", "bolt"), ("description", describe("new", "unit"))]
)
def test_diff_updates_in_place_when_a_managed_field_differs(configured: Configure, field: str, value: Any) -> None:
    roles = configured(RoleProvider)
    diff = roles.diff("r1", {**declared(), "policies": []}, declared(**{field: value}))
    assert diff.changes and diff.replaces == []


def test_diff_attached_policy_drift(configured: Configure) -> None:
    roles = configured(RoleProvider)
    live = {**declared(), "policies": ["Admin by hand", "MCP content editor"]}
    assert roles.diff("r1", live, declared()).changes
    assert not roles.diff("r1", live, declared(linked_policies=UNKNOWN)).changes
    assert roles.diff("r1", live, declared(name=UNKNOWN)).changes


def test_update_applies_fields_and_detaches_undeclared_policies(configured: Configure, fake: FakeDirectus) -> None:
    roles = configured(RoleProvider)
    created = roles.create(declared())
    kept = attach(fake, created.id, "MCP content editor")
    attach(fake, created.id, "Admin by hand")

    updated = roles.update(created.id, outs(created), declared(icon="bolt"))

    live = fake.row("roles", created.id)
    assert live is not None and live["icon"] == "bolt"
    assert [row["id"] for row in fake.rows("access", role=created.id)] == [kept]
    assert outs(updated)["policies"] == ["MCP content editor"] and outs(updated)["role_id"] == created.id


def test_delete_removes_the_role_and_is_idempotent(configured: Configure, fake: FakeDirectus) -> None:
    roles = configured(RoleProvider)
    created = roles.create(declared())
    roles.delete(created.id, outs(created))
    assert fake.row("roles", created.id) is None
    roles.delete(created.id, outs(created))  # already gone: still success
