"""PermissionSetProvider against a fake Directus: the live set of a policy made equal to the declared one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.providers.base import UNKNOWN
from components.providers.permissions import LicenseRestrictionError, PermissionSetProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

DECLARED: list[dict[str, Any]] = [
    {"collection": "articles", "action": "read"},
    {"collection": "articles", "action": "update", "fields": ["title", "body"]},
    {"collection": "authors", "action": "read", "permissions": {"status": {"_eq": "published"}}},
]


def generated(policy: str) -> dict[str, Any]:
    """A generated row as Directus lists it: ``system: true``, no id (it cannot be deleted)."""
    return {"id": None, "policy": policy, "collection": "directus_users", "action": "read", "system": True}


@pytest.fixture
def policy(fake: FakeDirectus) -> str:
    return str(fake.add("policies", name="MCP content editor")["id"])


def live_set(fake: FakeDirectus, policy: str) -> list[tuple[str, str, Any, Any]]:
    rows = fake.rows("permissions", policy=policy)
    return sorted((r["collection"], r["action"], r["fields"], r["permissions"]) for r in rows)


EXPECTED = [
    ("articles", "read", ["*"], None),
    ("articles", "update", ["body", "title"], None),
    ("authors", "read", ["*"], {"status": {"_eq": "published"}}),
]


def test_create_makes_each_declared_permission_once(configured: Configure, fake: FakeDirectus, policy: str) -> None:
    created = configured(PermissionSetProvider).create({"policy_id": policy, "permissions": DECLARED})
    assert live_set(fake, policy) == EXPECTED
    assert created.id == f"permissions-{policy}"
    assert [(p["collection"], p["action"]) for p in outs(created)["permissions"]] == [
        ("articles", "read"),
        ("articles", "update"),
        ("authors", "read"),
    ]
    assert len(fake.calls("POST", "/permissions")) == 1  # one batch


def test_create_after_an_interrupted_run_does_not_duplicate(
    configured: Configure, fake: FakeDirectus, policy: str
) -> None:
    permissions = configured(PermissionSetProvider)
    permissions.create({"policy_id": policy, "permissions": DECLARED[:1]})
    ids_before = [r["id"] for r in fake.rows("permissions", policy=policy)]
    permissions.create({"policy_id": policy, "permissions": DECLARED})
    assert live_set(fake, policy) == EXPECTED
    assert ids_before[0] in [r["id"] for r in fake.rows("permissions", policy=policy)]


def test_update_reconciles_extra_duplicate_changed_and_missing_rows(
    configured: Configure, fake: FakeDirectus, policy: str
) -> None:
    keep = fake.add("permissions", policy=policy, collection="articles", action="read", fields=["*"])
    fake.add("permissions", policy=policy, collection="articles", action="read", fields=["*"])  # duplicate
    fake.add("permissions", policy=policy, collection="internal_notes", action="read", fields=["*"])  # by hand
    fake.add("permissions", policy=policy, collection="articles", action="update", fields=["*"])  # widened
    other = fake.add("policies", name="Someone else's")
    theirs = fake.add("permissions", policy=other["id"], collection="internal_notes", action="delete")
    fake.generated_permissions.append(generated(policy))
    permissions = configured(PermissionSetProvider)
    fake.requests.clear()

    updated = permissions.update(f"permissions-{policy}", {}, {"policy_id": policy, "permissions": DECLARED})

    assert live_set(fake, policy) == EXPECTED
    assert fake.row("permissions", keep["id"]) is not None  # a row already right is kept, not recreated
    assert fake.row("permissions", theirs["id"]) == theirs  # only this policy's rows are touched
    assert len(fake.calls("DELETE", "/permissions")) == 1 and len(fake.calls("POST", "/permissions")) == 1
    assert [(p["collection"], p["action"]) for p in outs(updated)["permissions"]] == [
        ("articles", "read"),
        ("articles", "update"),
        ("authors", "read"),
    ]


def test_update_with_nothing_to_change_sends_no_write(configured: Configure, fake: FakeDirectus, policy: str) -> None:
    permissions = configured(PermissionSetProvider)
    permissions.create({"policy_id": policy, "permissions": DECLARED})
    fake.requests.clear()
    permissions.update(f"permissions-{policy}", {}, {"policy_id": policy, "permissions": DECLARED})
    assert [c.method for c in fake.requests] == ["GET"]


def test_read_reports_every_live_row_but_not_generated_ones(
    configured: Configure, fake: FakeDirectus, policy: str, new_process: Callable[[], None]
) -> None:
    permissions = configured(PermissionSetProvider)
    created = permissions.create({"policy_id": policy, "permissions": DECLARED[:1]})
    fake.add("permissions", policy=policy, collection="articles", action="read", fields=["*"])
    fake.add("permissions", policy=policy, collection="internal_notes", action="read")
    fake.generated_permissions.append(generated(policy))
    new_process()

    read = permissions.read(created.id, outs(created))

    assert [(p["collection"], p["action"]) for p in outs(read)["permissions"]] == [
        ("articles", "read"),
        ("articles", "read"),
        ("internal_notes", "read"),
    ]
    assert permissions.diff(created.id, outs(read), {"policy_id": policy, "permissions": DECLARED[:1]}).changes


def test_read_after_the_policy_was_deleted_says_gone(
    configured: Configure, fake: FakeDirectus, policy: str, new_process: Callable[[], None]
) -> None:
    permissions = configured(PermissionSetProvider)
    created = permissions.create({"policy_id": policy, "permissions": DECLARED})
    fake.remove("policies", policy)
    new_process()
    assert permissions.read(created.id, outs(created)).id == ""


def test_reads_share_one_listing_per_kind(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    permissions = configured(PermissionSetProvider)
    policies = [str(fake.add("policies", name=f"MCP {n}")["id"]) for n in range(3)]
    made = [permissions.create({"policy_id": p, "permissions": DECLARED[:1]}) for p in policies]
    new_process()
    fake.requests.clear()
    assert all(len(outs(permissions.read(m.id, outs(m)))["permissions"]) == 1 for m in made)
    assert len(fake.calls("GET", "/permissions")) == 1 and len(fake.calls("GET", "/policies")) == 1


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure, policy: str) -> None:
    permissions = configured(PermissionSetProvider)
    live = [  # as Directus lists them: fields spelled out, rules null, another order
        {"collection": "authors", "action": "read", "fields": ["*"], "permissions": {"status": {"_eq": "published"}}},
        {"collection": "articles", "action": "update", "fields": ["title", "body"], "validation": None},
        {"collection": "articles", "action": "read", "fields": ["*"], "permissions": {}, "presets": None},
    ]
    diff = permissions.diff(
        "x", {"policy_id": policy, "permissions": live}, {"policy_id": policy, "permissions": DECLARED}
    )
    assert not diff.changes and not diff.replaces


@pytest.mark.parametrize(
    "live",
    [
        DECLARED[:2],  # one missing
        [*DECLARED, {"collection": "internal_notes", "action": "read"}],  # one extra
        [*DECLARED, DECLARED[0]],  # a duplicate
        [{**DECLARED[0], "fields": ["title"]}, *DECLARED[1:]],  # fields changed
        [DECLARED[0], DECLARED[1], {**DECLARED[2], "permissions": None}],  # filter removed
    ],
)
def test_diff_reports_any_difference_as_an_update(
    configured: Configure, policy: str, live: list[dict[str, Any]]
) -> None:
    permissions = configured(PermissionSetProvider)
    diff = permissions.diff(
        "x", {"policy_id": policy, "permissions": live}, {"policy_id": policy, "permissions": DECLARED}
    )
    assert diff.changes and not diff.replaces


def test_diff_replaces_the_set_when_its_policy_changes(configured: Configure, policy: str) -> None:
    permissions = configured(PermissionSetProvider)
    olds = {"policy_id": policy, "permissions": DECLARED}
    assert permissions.diff("x", olds, {"policy_id": "other", "permissions": DECLARED}).replaces == ["policy_id"]
    assert permissions.diff("x", olds, {"policy_id": UNKNOWN, "permissions": DECLARED}).replaces == ["policy_id"]
    unknown = permissions.diff("x", olds, {"policy_id": policy, "permissions": UNKNOWN})
    assert unknown.changes and not unknown.replaces


def test_license_refusal_names_the_restricted_entries(configured: Configure, fake: FakeDirectus, policy: str) -> None:
    fake.refuse("POST", "/permissions", 403, "RESOURCE_RESTRICTED", "Your license does not allow this.")
    with pytest.raises(LicenseRestrictionError) as caught:
        configured(PermissionSetProvider).create({"policy_id": policy, "permissions": DECLARED})
    message = str(caught.value)
    assert "RESOURCE_RESTRICTED" in message
    assert "update on articles" in message and "read on authors" in message
    assert "read on articles" not in message  # full-field, no rules: not the cause


def test_delete_removes_only_this_policys_permissions(configured: Configure, fake: FakeDirectus, policy: str) -> None:
    permissions = configured(PermissionSetProvider)
    created = permissions.create({"policy_id": policy, "permissions": DECLARED})
    fake.add("permissions", policy=policy, collection="internal_notes", action="read")  # added by hand
    fake.generated_permissions.append(generated(policy))
    other = fake.add("policies", name="Someone else's")
    theirs = fake.add("permissions", policy=other["id"], collection="articles", action="read")

    permissions.delete(created.id, outs(created))

    assert fake.rows("permissions", policy=policy) == []
    assert fake.row("permissions", theirs["id"]) == theirs
    assert fake.row("policies", policy) is not None  # the policy itself is the policy resource's


def test_a_filter_changed_or_removed_by_hand_is_read_as_drift_and_restored(
    configured: Configure, fake: FakeDirectus, policy: str, new_process: Callable[[], None]
) -> None:
    permissions = configured(PermissionSetProvider)
    created = permissions.create({"policy_id": policy, "permissions": DECLARED})
    filtered = fake.rows("permissions", policy=policy, collection="authors")[0]
    fake.change("permissions", filtered["id"], permissions={"status": {"_neq": "archived"}})  # widened by hand
    new_process()
    read = permissions.read(created.id, outs(created))
    assert [p.get("permissions") for p in outs(read)["permissions"]] == [None, None, {"status": {"_neq": "archived"}}]
    declared = {"policy_id": policy, "permissions": DECLARED}
    assert permissions.diff(created.id, outs(read), declared).changes

    permissions.update(created.id, outs(read), declared)
    assert live_set(fake, policy) == EXPECTED

    fake.change("permissions", fake.rows("permissions", policy=policy, collection="authors")[0]["id"], permissions={})
    new_process()
    assert permissions.diff(created.id, outs(permissions.read(created.id, outs(created))), declared).changes


def test_state_from_before_filters_shows_no_change_against_directus_null(configured: Configure, policy: str) -> None:
    """Rows in old state carry no ``permissions`` key; Directus 11.17.4 and 12.4.1 list ``"permissions": null``."""
    permissions = configured(PermissionSetProvider)
    old_state = [{"collection": "articles", "action": "read", "fields": ["*"]}]
    live = [{"collection": "articles", "action": "read", "fields": ["*"], "permissions": None, "validation": None}]
    assert not permissions.diff(
        "x", {"policy_id": policy, "permissions": live}, {"policy_id": policy, "permissions": old_state}
    ).changes
