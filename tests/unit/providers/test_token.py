"""StaticTokenProvider against a fake Directus: issue, probe, rotate and revoke a user's static token."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from components.directus.errors import DirectusAuthError, DirectusError
from components.providers import token as token_module
from components.providers.base import UNKNOWN
from components.providers.token import INVALID, VALID, StaticTokenProvider
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """A fixed clock (``NOW``); call it to move the time."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(token_module, "_now", lambda: moment)

    set_to(NOW)
    return set_to


@pytest.fixture
def user(fake: FakeDirectus) -> str:
    return str(fake.add("users", email="ai-john@company.com", status="active")["id"])


def declared(user_id: str, days: Any = 30) -> dict[str, Any]:
    return {"user_id": user_id, "rotate_after_days": days}


# ----------------------------------------------------------------------------------------------------------
# create


def test_create_issues_a_strong_token_that_works_for_that_user(
    configured: Configure, fake: FakeDirectus, user: str
) -> None:
    created = configured(StaticTokenProvider).create(declared(user))
    token = outs(created)["token"]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 32
    live = fake.row("users", user)
    assert live is not None and live["token"] == token
    assert fake.client().whoami(token)["id"] == user
    assert outs(created)["status"] == VALID and outs(created)["user_id"] == user
    assert outs(created)["issued_at"] == "2026-11-24T12:00:00+00:00"
    assert outs(created)["rotation_due"] == "2026-12-24T12:00:00+00:00"
    assert user in created.id and token not in created.id


def test_every_token_is_fresh_and_never_shared_between_users(
    configured: Configure, fake: FakeDirectus, user: str
) -> None:
    other = str(fake.add("users", email="ai-jane@company.com")["id"])
    tokens = configured(StaticTokenProvider)
    first = tokens.create(declared(user))
    second = tokens.create(declared(user))  # a rotation: the new one replaces the old
    janes = tokens.create(declared(other))
    values = {outs(first)["token"], outs(second)["token"], outs(janes)["token"]}
    assert len(values) == 3
    assert first.id != second.id
    with pytest.raises(DirectusAuthError):
        fake.client().whoami(outs(first)["token"])  # the old token stops working at once


def test_a_refused_token_is_not_in_the_error_message(
    configured: Configure, fake: FakeDirectus, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Directus echoes the offending value in RECORD_NOT_UNIQUE; force a collision to get that answer.
    taken = "token-already-taken-by-someone-0123456789"
    fake.add("users", email="ai-jane@company.com", token=taken)
    monkeypatch.setattr(token_module, "generate_token", lambda: taken)
    with pytest.raises(DirectusError) as caught:
        configured(StaticTokenProvider).create(declared(user))
    assert caught.value.code == "RECORD_NOT_UNIQUE"
    assert taken not in str(caught.value)


# ----------------------------------------------------------------------------------------------------------
# read


def test_read_probes_the_token_and_reports_it_valid(configured: Configure, fake: FakeDirectus, user: str) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.requests.clear()
    read = tokens.read(created.id, outs(created))
    assert read.id == created.id and outs(read)["status"] == VALID
    assert outs(read)["token"] == outs(created)["token"]
    [probe] = fake.calls("GET", "/users/me")
    assert probe.params["fields"] == "id,email,status"


@pytest.mark.parametrize(
    "by_hand",
    [{"token": "changed-in-the-app-0123456789"}, {"token": None}, {"status": "suspended"}],
    ids=["changed", "cleared", "suspended"],
)
def test_read_reports_invalid_when_the_token_no_longer_works(
    configured: Configure, fake: FakeDirectus, user: str, new_process: Callable[[], None], by_hand: dict[str, Any]
) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.change("users", user, **by_hand)
    new_process()
    read = tokens.read(created.id, outs(created))
    assert outs(read)["status"] == INVALID
    assert "token" in (tokens.diff(created.id, outs(read), declared(user)).replaces or [])


def test_read_reports_invalid_when_the_token_now_opens_another_user(
    configured: Configure, fake: FakeDirectus, user: str, new_process: Callable[[], None]
) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.change("users", user, token=None)
    fake.add("users", email="someone@company.com", token=outs(created)["token"])  # moved by hand
    new_process()
    assert outs(tokens.read(created.id, outs(created)))["status"] == INVALID


def test_read_after_the_user_was_deleted_says_gone(
    configured: Configure, fake: FakeDirectus, user: str, new_process: Callable[[], None]
) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.remove("users", user)
    new_process()
    assert tokens.read(created.id, outs(created)).id == ""


# ----------------------------------------------------------------------------------------------------------
# diff and update


def issued(user_id: str, **changes: Any) -> dict[str, Any]:
    outs = {
        "user_id": user_id,
        "rotate_after_days": 30,
        "token": "the-issued-token-value-0123456789",
        "issued_at": "2026-11-20T12:00:00+00:00",
        "rotation_due": "2026-12-20T12:00:00+00:00",
        "status": VALID,
    }
    return {**outs, **changes}


def test_diff_reports_nothing_for_a_valid_token_not_yet_due(configured: Configure) -> None:
    diff = configured(StaticTokenProvider).diff("t", issued("u1"), declared("u1"))
    assert not diff.changes and not diff.replaces


def test_diff_replaces_an_invalid_token_creating_the_new_one_first(configured: Configure) -> None:
    diff = configured(StaticTokenProvider).diff("t", issued("u1", status=INVALID), declared("u1"))
    assert diff.changes and diff.replaces == ["token"]
    assert diff.delete_before_replace is False


def test_diff_replaces_once_the_rotation_is_due(configured: Configure, clock: Callable[[datetime], None]) -> None:
    tokens = configured(StaticTokenProvider)
    clock(datetime(2026, 12, 20, 11, 59, 59, tzinfo=UTC))
    assert not tokens.diff("t", issued("u1"), declared("u1")).changes
    clock(datetime(2026, 12, 20, 12, 0, 0, tzinfo=UTC))
    assert tokens.diff("t", issued("u1"), declared("u1")).replaces == ["rotation_due"]


def test_diff_replaces_when_the_user_changes_or_is_unknown(configured: Configure) -> None:
    tokens = configured(StaticTokenProvider)
    assert tokens.diff("t", issued("u1"), declared("u2")).replaces == ["user_id"]
    assert tokens.diff("t", issued("u1"), declared(UNKNOWN)).replaces == ["user_id"]


def test_a_new_rotation_period_only_moves_the_due_date(
    configured: Configure, fake: FakeDirectus, user: str, clock: Callable[[datetime], None]
) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user, days=30))
    clock(NOW + timedelta(days=3))
    diff = tokens.diff(created.id, outs(created), declared(user, days=7))
    assert diff.changes and diff.replaces == []
    fake.requests.clear()

    updated = tokens.update(created.id, outs(created), declared(user, days=7))

    assert outs(updated)["token"] == outs(created)["token"]
    assert outs(updated)["rotation_due"] == (NOW + timedelta(days=7)).isoformat()  # counted from the issue date
    assert outs(updated)["rotate_after_days"] == 7 and outs(updated)["status"] == VALID
    assert fake.requests == []  # the token in Directus is not touched
    live = fake.row("users", user)
    assert live is not None and live["token"] == outs(created)["token"]


# ----------------------------------------------------------------------------------------------------------
# delete


def test_delete_clears_the_token_still_in_use(configured: Configure, fake: FakeDirectus, user: str) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    tokens.delete(created.id, outs(created))
    live = fake.row("users", user)
    assert live is not None and live["token"] is None
    with pytest.raises(DirectusAuthError):
        fake.client().whoami(outs(created)["token"])


def test_delete_after_a_rotation_keeps_the_new_token(configured: Configure, fake: FakeDirectus, user: str) -> None:
    tokens = configured(StaticTokenProvider)
    old = tokens.create(declared(user))
    new = tokens.create(declared(user))  # the replacement is created before the old one is deleted
    tokens.delete(old.id, outs(old))
    live = fake.row("users", user)
    assert live is not None and live["token"] == outs(new)["token"]
    assert fake.client().whoami(outs(new)["token"])["id"] == user


def test_delete_clears_the_token_of_a_user_suspended_earlier_in_the_same_up(
    configured: Configure, fake: FakeDirectus, user: str
) -> None:
    """Disabling a member suspends its user (an update) before Pulumi deletes the token resource (deletes of
    removed resources run last); the probe then fails for the suspended user, yet the token must be cleared."""
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.change("users", user, status="suspended")  # UserProvider.update for `enabled: false`, before the delete

    tokens.delete(created.id, outs(created))

    live = fake.row("users", user)
    assert live is not None and live["token"] is None
    fake.change("users", user, status="active")  # re-enabled later, by hand or by the stack
    with pytest.raises(DirectusAuthError):
        fake.client().whoami(outs(created)["token"])  # the revoked token must not come back to life


def test_delete_for_a_user_already_gone_writes_nothing(configured: Configure, fake: FakeDirectus, user: str) -> None:
    tokens = configured(StaticTokenProvider)
    created = tokens.create(declared(user))
    fake.remove("users", user)
    fake.requests.clear()
    tokens.delete(created.id, outs(created))
    assert [c.method for c in fake.requests] == ["GET"]
