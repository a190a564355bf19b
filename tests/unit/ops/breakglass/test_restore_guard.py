"""The restore guard reads every enabled member's user, in listings short enough for Directus at any roster size."""

from __future__ import annotations

from components.model.marker import REVOKED_TAG
from components.ops.breakglass.restore_guard import users_by_id
from tests.helpers.fake_directus import FakeDirectus


def test_a_large_roster_is_read_in_listings_of_at_most_100_users_and_none_is_missed() -> None:
    fake = FakeDirectus()
    ids = [str(fake.add("users", email=f"m{i}@company.com", tags=["managed-by"])["id"]) for i in range(250)]
    last = fake.add("users", email="revoked@company.com", tags=["managed-by", REVOKED_TAG])
    ids.append(str(last["id"]))

    found = users_by_id(fake.client(), ids)

    assert set(found) == set(ids)
    assert found[str(last["id"])]["tags"] == ["managed-by", REVOKED_TAG]
    listings = fake.calls("GET", "/users")
    assert len(listings) == 3  # 251 users: 100 + 100 + 51
    assert [len(call.params["filter[id][_in]"].split(",")) for call in listings] == [100, 100, 51]
