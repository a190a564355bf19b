"""AccessLinkProvider against a fake Directus: one row attaching a policy to one role or user, never to Public."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.providers.access import AccessLinkProvider
from components.providers.base import UNKNOWN
from components.providers.policy import PolicyProvider
from components.providers.role import RoleProvider
from components.providers.user import UserProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs


@pytest.fixture
def ids(fake: FakeDirectus) -> dict[str, str]:
    """A policy, a second policy, a role and two users, existing in the fake."""
    return {
        "policy": fake.add("policies", name="MCP content reader")["id"],
        "policy2": fake.add("policies", name="MCP extra")["id"],
        "role": fake.add("roles", name="MCP content")["id"],
        "user": fake.add("users", email="ai-john@company.com")["id"],
        "user2": fake.add("users", email="ai-jane@company.com")["id"],
    }


def link(ids: dict[str, str], *, role: str | None = None, user: str | None = None) -> dict[str, Any]:
    return {"policy": ids["policy"], "role": ids[role] if role else None, "user": ids[user] if user else None}


def test_create_attaches_the_policy_to_the_user(configured: Configure, fake: FakeDirectus, ids: dict[str, str]) -> None:
    created = configured(AccessLinkProvider).create(link(ids, user="user"))
    row = fake.row("access", created.id)
    assert row is not None and (row["policy"], row["user"], row["role"]) == (ids["policy"], ids["user"], None)
    assert outs(created) == {**link(ids, user="user"), "access_id": created.id}


def test_create_after_an_interrupted_run_adopts_the_identical_row(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str]
) -> None:
    left = fake.add("access", policy=ids["policy"], role=ids["role"])
    created = configured(AccessLinkProvider).create(link(ids, role="role"))
    assert created.id == left["id"]
    assert fake.calls("POST") == [] and len(fake.rows("access")) == 1


def test_create_never_adopts_a_public_row_or_another_holders_row(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str]
) -> None:
    public = fake.add("access", policy=ids["policy"])  # neither role nor user: Public
    role_row = fake.add("access", policy=ids["policy"], role=ids["role"])
    other_user = fake.add("access", policy=ids["policy"], user=ids["user2"])
    other_policy = fake.add("access", policy=ids["policy2"], user=ids["user"])
    links = configured(AccessLinkProvider)

    for_user = links.create(link(ids, user="user"))
    for_role_row_exists = links.create(link(ids, role="role"))

    assert for_user.id not in {public["id"], role_row["id"], other_user["id"], other_policy["id"]}
    assert for_role_row_exists.id == role_row["id"]
    row = fake.row("access", for_user.id)
    assert row is not None and (row["policy"], row["user"], row["role"]) == (ids["policy"], ids["user"], None)


def test_create_never_adopts_a_row_that_names_both_a_role_and_a_user(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str]
) -> None:
    both = fake.add("access", policy=ids["policy"], role=ids["role"], user=ids["user2"])  # made by hand
    created = configured(AccessLinkProvider).create(link(ids, role="role"))
    assert created.id != both["id"]
    row = fake.row("access", created.id)
    assert row is not None and (row["role"], row["user"]) == (ids["role"], None)


def test_read_returns_the_live_row(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str], new_process: Callable[[], None]
) -> None:
    links = configured(AccessLinkProvider)
    created = links.create(link(ids, user="user"))
    fake.change("access", created.id, user=ids["user2"])  # re-pointed by hand
    new_process()

    read = links.read(created.id, outs(created))

    assert read.id == created.id
    assert (outs(read)["policy"], outs(read)["user"], outs(read)["role"]) == (ids["policy"], ids["user2"], None)
    assert links.diff(created.id, outs(read), link(ids, user="user")).replaces == ["user"]


def test_read_of_a_row_deleted_out_of_band_says_gone(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str], new_process: Callable[[], None]
) -> None:
    links = configured(AccessLinkProvider)
    created = links.create(link(ids, role="role"))
    fake.remove("access", created.id)
    new_process()
    assert links.read(created.id, outs(created)).id == ""


def test_reads_share_one_listing_of_access_rows(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str], new_process: Callable[[], None]
) -> None:
    links = configured(AccessLinkProvider)
    made = [links.create(link(ids, user="user")), links.create(link(ids, role="role"))]
    new_process()
    fake.requests.clear()
    assert [links.read(m.id, outs(m)).id for m in made] == [m.id for m in made]
    assert len(fake.calls("GET", "/access")) == 1


def test_every_kind_that_reads_access_rows_shares_the_one_listing(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str], new_process: Callable[[], None]
) -> None:
    made = configured(AccessLinkProvider).create(link(ids, user="user"))
    new_process()
    fake.requests.clear()
    user = configured(UserProvider).read(ids["user"], {})
    role = configured(RoleProvider).read(ids["role"], {})
    policy = configured(PolicyProvider).read(ids["policy"], {})
    access = configured(AccessLinkProvider).read(made.id, outs(made))
    assert outs(user)["policies"] == ["MCP content reader"] and outs(role)["policies"] == []
    assert outs(policy)["links"] == [f"user:{ids['user']}"] and access.id == made.id
    assert len(fake.calls("GET", "/access")) == 1


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure, ids: dict[str, str]) -> None:
    links = configured(AccessLinkProvider)
    live = {**link(ids, user="user"), "access_id": "a1"}
    diff = links.diff("a1", live, link(ids, user="user"))
    assert not diff.changes and not diff.replaces and diff.stables == ["access_id"]


@pytest.mark.parametrize(
    ("news", "replaced"),
    [
        ({"policy": "policy2"}, ["policy"]),
        ({"user": "user2"}, ["user"]),
        ({"user": None, "role": "role"}, ["role", "user"]),
    ],
)
def test_diff_replaces_the_row_when_its_policy_or_holder_changes(
    configured: Configure, ids: dict[str, str], news: dict[str, str | None], replaced: list[str]
) -> None:
    links = configured(AccessLinkProvider)
    live = {**link(ids, user="user"), "access_id": "a1"}
    diff = links.diff("a1", live, {**link(ids, user="user"), **{k: ids[v] if v else None for k, v in news.items()}})
    assert diff.changes and sorted(diff.replaces or []) == replaced
    assert diff.stables is None


def test_diff_with_ids_unknown_in_preview_replaces(configured: Configure, ids: dict[str, str]) -> None:
    links = configured(AccessLinkProvider)
    live = {**link(ids, user="user"), "access_id": "a1"}
    diff = links.diff("a1", live, {**link(ids, user="user"), "user": UNKNOWN})
    assert diff.changes and diff.replaces == ["user"]


def test_delete_removes_the_row_and_is_idempotent(
    configured: Configure, fake: FakeDirectus, ids: dict[str, str]
) -> None:
    links = configured(AccessLinkProvider)
    created = links.create(link(ids, user="user"))
    links.delete(created.id, outs(created))
    assert fake.row("access", created.id) is None
    links.delete(created.id, outs(created))
    assert fake.rows("policies", id=ids["policy"])  # only the link goes
