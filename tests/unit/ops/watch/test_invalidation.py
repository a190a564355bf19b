"""Which kept answers an event makes old: only the collection that changed, its joins, and the touched users'
token probes; never what Directus pushes no event for."""

from __future__ import annotations

import pytest

from components.directus.read_cache import Entry
from components.ops.watch.invalidation import PATHS, made_old_by
from components.ops.watch.socket import COLLECTIONS, event_keys
from components.program.guard import GUARD_READS


def entry(path: str, fields: str = "", owner: str | None = None) -> Entry:
    return Entry(path, frozenset(f for f in fields.split(",") if f), owner)


USERS_LISTING = entry("/users", "id,email,status,role,tags")
ACCESS_LISTING = entry("/access", "id,role,user,policy")
ACCESS_WITH_POLICY_NAMES = entry("/access", "id,role,user,policy.id,policy.name")
FLOWS = entry("/flows", "id,name,operations.key,operations.type")
LAST_ACCESS = entry("/users", "id,last_access")
JOHN_PROBE = entry("/users/me", "id,email,status", owner="john")
SARAH_PROBE = entry("/users/me", "id,email,status", owner="sarah")
REFUSED_PROBE = entry("/users/me", "id,email,status", owner=None)
UNEVENTED = [
    entry("/server/info"),
    entry("/mcp-oauth/clients", "client_id,tokens.id,tokens.user"),
    entry("/activity", "user"),
    entry("/extensions"),
]


def test_a_user_change_drops_the_user_listings_and_only_that_users_probe() -> None:
    rule = made_old_by("directus_users", frozenset({"john"}))
    assert rule(USERS_LISTING) and rule(JOHN_PROBE)
    assert rule(REFUSED_PROBE)  # a 401 names no user: it may be john's
    assert not rule(SARAH_PROBE)
    assert not rule(ACCESS_LISTING)


def test_an_event_that_names_no_ids_drops_every_probe() -> None:
    rule = made_old_by("directus_users", None)
    assert rule(JOHN_PROBE) and rule(SARAH_PROBE)


def test_an_access_change_drops_the_access_listings_and_no_probe() -> None:
    rule = made_old_by("directus_access", frozenset({"17"}))
    assert rule(ACCESS_LISTING) and rule(ACCESS_WITH_POLICY_NAMES)
    assert not rule(JOHN_PROBE) and not rule(USERS_LISTING)


def test_a_policy_rename_drops_the_listings_that_join_policies() -> None:
    rule = made_old_by("directus_policies", frozenset({"p1"}))
    assert rule(ACCESS_WITH_POLICY_NAMES)
    assert not rule(ACCESS_LISTING)


def test_an_operation_change_drops_the_flows_listing() -> None:
    assert made_old_by("directus_operations", frozenset({"o1"}))(FLOWS)
    assert made_old_by("directus_flows", frozenset({"f1"}))(FLOWS)


def test_an_unknown_join_is_dropped_by_every_event() -> None:
    odd = entry("/users", "id,avatar.filename_disk")
    assert made_old_by("directus_settings", frozenset({"1"}))(odd)


@pytest.mark.parametrize("collection", list(PATHS))
def test_what_directus_pushes_no_event_for_is_left_to_the_poll(collection: str) -> None:
    rule = made_old_by(collection, None)
    assert not any(rule(kept) for kept in [*UNEVENTED, LAST_ACCESS])


def test_the_watch_subscribes_to_every_collection_it_drops_answers_for_and_the_guard_may_read_them() -> None:
    assert set(COLLECTIONS) == set(PATHS)
    assert set(COLLECTIONS) <= set(GUARD_READS)


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ([{"id": "a"}, {"id": 2}], frozenset({"a", "2"})),  # create, update: the objects with their ids
        (["a", "b"], frozenset({"a", "b"})),  # delete: the bare keys
        ({"id": 1}, frozenset({"1"})),  # one object
        ([{"name": "no id"}], None),  # nothing to go by: every object of the collection
        ([], None),
        (None, None),
    ],
)
def test_event_keys(data: object, keys: frozenset[str] | None) -> None:
    assert event_keys(data) == keys


def test_a_revoke_drops_that_members_listings_probe_and_the_oauth_listing() -> None:
    from components.ops.watch.invalidation import made_old_by_action
    from components.ops.watch.rules import DELETE_ACCESS, REVOKE, Action

    revoke = made_old_by_action(Action("member-token-by-hand", REVOKE, "u-john", "john", "hand-set token"), "john")
    assert revoke(USERS_LISTING) and revoke(JOHN_PROBE) and revoke(entry("/mcp-oauth/clients", "client_id"))
    assert not revoke(SARAH_PROBE) and not revoke(ACCESS_LISTING)
    unlink = made_old_by_action(Action("public-mcp-policy", DELETE_ACCESS, "17", None, "attached to Public"), None)
    assert unlink(ACCESS_LISTING) and not unlink(USERS_LISTING) and not unlink(JOHN_PROBE)
