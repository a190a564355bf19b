"""UserProvider against a fake Directus: create/adopt/refuse, read and drift, update, and delete that revokes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.directus.errors import DirectusAuthError
from components.model.marker import REMOVED_TAG, REVOKED_TAG, user_tags
from components.providers.base import UNKNOWN, ForeignObjectError
from components.providers.user import RevokedUserError, UserProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

TAGS = user_tags("unit")
EMAIL = "ai-john@company.com"


def declared(email: str = EMAIL, **changes: Any) -> dict[str, Any]:
    props = {
        "email": email,
        "first_name": "AI",
        "last_name": "John",
        "status": "active",
        "role": None,
        "tags": TAGS,
        "linked_policies": [],
    }
    return {**props, **changes}


def attach(fake: FakeDirectus, user_id: str, policy_name: str) -> str:
    policy = fake.add("policies", name=policy_name)
    return str(fake.add("access", user=user_id, policy=policy["id"])["id"])


# ----------------------------------------------------------------------------------------------------------
# create


def test_create_makes_the_user_as_declared_with_no_policy(configured: Configure, fake: FakeDirectus) -> None:
    created = configured(UserProvider).create(declared())
    live = fake.row("users", created.id)
    assert live is not None
    assert (live["email"], live["first_name"], live["status"], live["tags"]) == (EMAIL, "AI", "active", TAGS)
    assert outs(created)["user_id"] == created.id
    assert outs(created)["policies"] == []
    assert fake.calls("GET", "/access") == []  # nothing can point to a user created just now


def test_create_adopts_our_own_user_and_reports_policies_attached_to_it(
    configured: Configure, fake: FakeDirectus
) -> None:
    # Left by a run that died after Directus created it (or archived when its member was removed earlier).
    orphan = fake.add("users", email=EMAIL, first_name="Old", status="archived", tags=[*TAGS, REMOVED_TAG], role=None)
    attach(fake, orphan["id"], "Attached by hand")
    users = configured(UserProvider)

    adopted = users.create(declared())

    assert adopted.id == orphan["id"]
    assert len(fake.rows("users")) == 1
    live = fake.row("users", orphan["id"])
    assert live is not None
    assert (live["first_name"], live["status"], live["tags"]) == ("AI", "active", TAGS)  # removed tag dropped
    assert outs(adopted)["policies"] == ["Attached by hand"]
    assert users.diff(adopted.id, outs(adopted), declared()).changes  # so the next `up` detaches it


def test_create_refuses_a_user_it_did_not_make_and_leaves_it_untouched(
    configured: Configure, fake: FakeDirectus
) -> None:
    human = fake.add("users", email=EMAIL, first_name="Human", tags=None)
    with pytest.raises(ForeignObjectError) as caught:
        configured(UserProvider).create(declared())
    assert EMAIL in str(caught.value) and human["id"] in str(caught.value)
    assert fake.row("users", human["id"]) == human
    assert fake.calls("PATCH") == [] and fake.calls("POST") == []


# ----------------------------------------------------------------------------------------------------------
# read


def test_read_returns_live_values_and_attached_policies(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    fake.change("users", created.id, status="suspended", first_name="Renamed")
    attach(fake, created.id, "Widened by hand")
    new_process()

    read = users.read(created.id, outs(created))

    assert read.id == created.id
    assert (outs(read)["status"], outs(read)["first_name"]) == ("suspended", "Renamed")
    assert outs(read)["policies"] == ["Widened by hand"]
    assert outs(read)["user_id"] == created.id
    diff = users.diff(created.id, outs(read), declared())
    assert diff.changes and not diff.replaces


def test_read_of_a_user_deleted_out_of_band_says_gone(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    fake.remove("users", created.id)
    new_process()
    assert users.read(created.id, outs(created)).id == ""


def test_refresh_reads_all_users_from_one_listing_per_kind_until_a_write(
    configured: Configure, fake: FakeDirectus, new_process: Callable[[], None]
) -> None:
    users = configured(UserProvider)
    made = [users.create(declared(f"ai-{n}@company.com")) for n in ("ann", "bob", "cyd")]
    new_process()
    fake.requests.clear()

    reads = [users.read(m.id, outs(m)) for m in made]

    assert [outs(r)["email"] for r in reads] == ["ai-ann@company.com", "ai-bob@company.com", "ai-cyd@company.com"]
    assert len(fake.calls("GET", "/users")) == 1
    assert len(fake.calls("GET", "/access")) == 1
    # A write through the provider drops the listings: the next read sees it.
    users.update(made[0].id, outs(reads[0]), declared("ai-ann@company.com", first_name="Ann"))
    assert outs(users.read(made[0].id, outs(made[0])))["first_name"] == "Ann"
    # The update itself reads the one user first (is it revoked?), then the read lists all users again.
    assert len(fake.calls("GET", "/users")) == 3


# ----------------------------------------------------------------------------------------------------------
# diff


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    diff = users.diff(created.id, outs(created), declared())
    assert not diff.changes and not diff.replaces
    assert diff.stables is not None and "user_id" in diff.stables


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "Johnny"), ("status", "suspended"), ("role", "role-1"), ("tags", [*TAGS, "extra"])],
)
def test_diff_updates_in_place_when_a_managed_field_differs(configured: Configure, field: str, value: Any) -> None:
    users = configured(UserProvider)
    live = {**declared(), "user_id": "u1", "policies": []}
    diff = users.diff("u1", live, declared(**{field: value}))
    assert diff.changes and diff.replaces == []


def test_diff_with_a_role_unknown_in_preview_is_an_update_not_a_replacement(configured: Configure) -> None:
    users = configured(UserProvider)
    diff = users.diff("u1", {**declared(), "policies": []}, declared(role=UNKNOWN))
    assert diff.changes and diff.replaces == []


def test_diff_reports_a_policy_attached_but_not_declared(configured: Configure) -> None:
    users = configured(UserProvider)
    live = {**declared(), "policies": ["MCP extra", "Attached by hand"]}
    assert users.diff("u1", live, declared(linked_policies=["MCP extra"])).changes
    assert not users.diff("u1", live, declared(linked_policies=["Attached by hand", "MCP extra"])).changes
    # A declared link that is missing is the access-link resource's drift, not the user's.
    assert not users.diff("u1", {**declared(), "policies": []}, declared(linked_policies=["MCP extra"])).changes
    # While the declared list is unknown (preview), nothing is claimed.
    assert not users.diff("u1", live, declared(linked_policies=UNKNOWN)).changes


# ----------------------------------------------------------------------------------------------------------
# update


def test_update_applies_fields_and_detaches_undeclared_policies(configured: Configure, fake: FakeDirectus) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    kept = attach(fake, created.id, "MCP extra")
    attach(fake, created.id, "Attached by hand")

    updated = users.update(created.id, outs(created), declared(first_name="Johnny", linked_policies=["MCP extra"]))

    live = fake.row("users", created.id)
    assert live is not None and live["first_name"] == "Johnny"
    assert [row["id"] for row in fake.rows("access", user=created.id)] == [kept]
    assert fake.rows("policies", name="Attached by hand")  # only the link goes, not the policy
    assert outs(updated)["policies"] == ["MCP extra"]


def test_a_revoked_user_is_not_re_activated_but_matches_a_disabled_member(
    configured: Configure, fake: FakeDirectus
) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    # `mcp-access revoke`: suspended, token cleared, tagged, in one request.
    fake.tables["users"][created.id].update(status="suspended", token=None, tags=[*TAGS, REVOKED_TAG])
    live = {**outs(created), "status": "suspended", "tags": [*TAGS, REVOKED_TAG]}

    assert users.diff(created.id, live, declared()).changes  # the code still enables it: drift
    with pytest.raises(RevokedUserError, match=r"ai-john@company.com was revoked by hand .* --restore MEMBER"):
        users.update(created.id, live, declared(first_name="Johnny"))
    row = fake.row("users", created.id)
    assert row is not None and (row["status"], row["first_name"]) == ("suspended", "AI")  # nothing written

    # The code disables the member: the tag is not drift, and an update for another reason keeps it.
    assert not users.diff(created.id, live, declared(status="suspended")).changes
    users.update(created.id, live, declared(status="suspended", first_name="Johnny"))
    row = fake.row("users", created.id)
    assert row is not None and (row["status"], row["first_name"], row["tags"]) == (
        "suspended",
        "Johnny",
        [*TAGS, REVOKED_TAG],
    )

    # `up --restore` removed the tag: the update re-activates the user.
    fake.tables["users"][created.id]["tags"] = list(TAGS)
    users.update(created.id, live, declared())
    assert fake.row("users", created.id)["status"] == "active"  # type: ignore[index]


# ----------------------------------------------------------------------------------------------------------
# delete


def test_delete_revokes_the_token_and_suspends_before_deleting(configured: Configure, fake: FakeDirectus) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    fake.change("users", created.id, token="live-token-of-the-user-0123456789")

    users.delete(created.id, outs(created))

    assert fake.row("users", created.id) is None
    writes = [(c.method, c.body) for c in fake.requests if c.path == f"/users/{created.id}" and c.method != "GET"]
    assert writes == [("PATCH", {"token": None, "status": "suspended"}), ("DELETE", None)]


def test_delete_refused_by_directus_leaves_an_archived_powerless_user(
    configured: Configure, fake: FakeDirectus
) -> None:
    role = fake.add("roles", name="MCP content")
    users = configured(UserProvider)
    created = users.create(declared(role=role["id"]))
    token = "live-token-of-the-user-0123456789"
    fake.change("users", created.id, token=token)
    attach(fake, created.id, "MCP extra")
    # A file the MCP user uploaded still points to it (uploaded_by has no ON DELETE rule).
    fake.refuse(
        "DELETE", f"/users/{created.id}", 400, "INVALID_FOREIGN_KEY", 'Invalid foreign key for field "uploaded_by".'
    )

    users.delete(created.id, outs(created))

    live = fake.row("users", created.id)
    assert live is not None
    assert (live["status"], live["role"], live["token"]) == ("archived", None, None)
    assert live["tags"] == [*TAGS, REMOVED_TAG]
    assert fake.rows("access", user=created.id) == []
    with pytest.raises(DirectusAuthError):
        fake.client().whoami(token)  # access ended


def test_delete_of_a_user_already_gone_succeeds_without_writing(configured: Configure, fake: FakeDirectus) -> None:
    users = configured(UserProvider)
    created = users.create(declared())
    fake.remove("users", created.id)
    fake.requests.clear()
    users.delete(created.id, outs(created))
    assert [c.method for c in fake.requests] == ["GET"]
