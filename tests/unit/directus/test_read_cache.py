"""A client with a read cache: GET answers kept until a rule drops them, writes empty it, errors on its own token
are never kept. Pure logic against a fake HTTP server that counts what it was sent."""

from __future__ import annotations

import threading

import httpx
import pytest

from components.directus.client import DirectusClient, RetryPolicy
from components.directus.errors import DirectusAuthError, DirectusError
from components.directus.read_cache import ReadCache

TOKEN = "watch-token-value-1234567890"
MEMBER_TOKEN = "member-token-value-0987654321"


class FakeDirectus:
    """Answers ``/users`` with the current rows and ``/users/me`` by token; counts requests per path."""

    def __init__(self) -> None:
        self.users = [{"id": "u1", "status": "active"}]
        self.valid_tokens = {MEMBER_TOKEN: "u1", TOKEN: "watch"}
        self.sent: list[str] = []
        self.hold: threading.Event | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        if request.method != "GET":
            return httpx.Response(204)
        if request.url.path == "/users/me":
            token = request.headers["Authorization"].removeprefix("Bearer ")
            if token not in self.valid_tokens:
                body = {
                    "errors": [{"message": "Invalid user credentials.", "extensions": {"code": "INVALID_CREDENTIALS"}}]
                }
                return httpx.Response(401, json=body)
            return httpx.Response(200, json={"data": {"id": self.valid_tokens[token]}})
        rows = [dict(row) for row in self.users]
        if self.hold is not None:
            self.hold.wait(5)
        return httpx.Response(200, json={"data": rows})


@pytest.fixture
def directus() -> FakeDirectus:
    return FakeDirectus()


@pytest.fixture
def client(directus: FakeDirectus) -> DirectusClient:
    client = DirectusClient(
        "http://directus.test", TOKEN, transport=httpx.MockTransport(directus), retry=RetryPolicy(attempts=1)
    )
    client.use_read_cache(ReadCache())
    return client


def users_dropped(entry: object) -> bool:
    return getattr(entry, "path", "") == "/users"


def test_a_kept_answer_is_not_sent_again_and_cannot_be_changed_by_a_caller(
    client: DirectusClient, directus: FakeDirectus
) -> None:
    first = client.list_objects("/users", fields=["id", "status"])
    first[0]["status"] = "suspended"  # a caller changing its copy
    second = client.list_objects("/users", fields=["id", "status"])
    assert second == [{"id": "u1", "status": "active"}]
    assert directus.sent == ["GET /users"]


def test_a_dropped_answer_is_read_again_with_the_change(client: DirectusClient, directus: FakeDirectus) -> None:
    client.list_objects("/users", fields=["id", "status"])
    directus.users[0]["status"] = "suspended"
    assert client._read_cache is not None
    assert client._read_cache.drop(users_dropped) == 1
    assert client.list_objects("/users", fields=["id", "status"]) == [{"id": "u1", "status": "suspended"}]
    assert directus.sent == ["GET /users", "GET /users"]


def test_a_write_empties_the_cache(client: DirectusClient, directus: FakeDirectus) -> None:
    client.list_objects("/users", fields=["id"])
    client.update("/users", "u1", {"status": "suspended"})
    client.list_objects("/users", fields=["id"])
    assert directus.sent == ["GET /users", "PATCH /users/u1", "GET /users"]


def test_an_answer_under_way_when_its_kind_is_dropped_is_not_kept(
    client: DirectusClient, directus: FakeDirectus
) -> None:
    """The listing may predate the change the event announced: keeping it would hide the change until the poll."""
    directus.hold = threading.Event()
    reader = threading.Thread(target=client.list_objects, args=("/users",), kwargs={"fields": ["id"]})
    reader.start()
    while not directus.sent:
        threading.Event().wait(0.01)
    assert client._read_cache is not None
    client._read_cache.drop(users_dropped)  # the event arrives while the request is under way
    directus.hold.set()
    reader.join()
    client.list_objects("/users", fields=["id"])
    assert directus.sent == ["GET /users", "GET /users"]


def test_a_member_tokens_401_is_kept_with_no_owner_and_raised_again(
    client: DirectusClient, directus: FakeDirectus
) -> None:
    for _ in range(2):
        with pytest.raises(DirectusAuthError):
            client.whoami("hand-set-or-revoked-token")
    assert directus.sent == ["GET /users/me"]
    assert client.whoami(MEMBER_TOKEN)["id"] == "u1"
    cache = client._read_cache
    assert cache is not None
    owners = sorted(str(entry.owner) for entry in (kept.entry for kept in cache._kept.values()))
    assert owners == ["None", "u1"]


def test_the_clients_own_401_is_never_kept(directus: FakeDirectus) -> None:
    """A revoked watch token must fail every check, not be answered from memory."""
    client = DirectusClient(
        "http://directus.test", "revoked", transport=httpx.MockTransport(directus), retry=RetryPolicy(attempts=1)
    )
    client.use_read_cache(ReadCache())
    for _ in range(2):
        with pytest.raises(DirectusAuthError):
            client.whoami()
    assert directus.sent == ["GET /users/me", "GET /users/me"]


def test_no_token_is_kept_in_the_cache_keys(client: DirectusClient) -> None:
    client.whoami(MEMBER_TOKEN)
    assert client._read_cache is not None
    assert MEMBER_TOKEN not in repr(list(client._read_cache._kept))


def test_a_narrower_listing_is_cut_from_a_kept_wider_one(client: DirectusClient, directus: FakeDirectus) -> None:
    """The providers list users with more fields than the scan: the scan's listing costs no request."""
    client.list_objects("/users", fields=["id", "status"])
    assert client.list_objects("/users", fields=["status"]) == [{"status": "active"}]
    client.list_objects("/users", fields=["status", "id"])  # the same fields in another order: the same request
    assert directus.sent == ["GET /users"]
    client.list_objects("/users", fields=["id", "email"])  # a field the kept listing lacks
    client.list_objects("/users", fields=["id"], filter={"status": {"_eq": "active"}})  # another filter
    assert directus.sent == ["GET /users"] * 3


def test_a_forbidden_or_missing_route_is_kept_as_an_answer(directus: FakeDirectus) -> None:
    """``/mcp-oauth/clients`` answers 404 on a server without OAuth: asked once, not on every check."""

    def handler(request: httpx.Request) -> httpx.Response:
        directus.sent.append(request.url.path)
        return httpx.Response(
            404, json={"errors": [{"message": "no route", "extensions": {"code": "ROUTE_NOT_FOUND"}}]}
        )

    client = DirectusClient(
        "http://directus.test", TOKEN, transport=httpx.MockTransport(handler), retry=RetryPolicy(attempts=1)
    )
    client.use_read_cache(ReadCache())
    for _ in range(2):
        with pytest.raises(DirectusError) as caught:
            client.list_objects("/mcp-oauth/clients")
        assert caught.value.code == "ROUTE_NOT_FOUND"
    assert directus.sent == ["/mcp-oauth/clients"]


def test_without_a_cache_every_get_is_sent(directus: FakeDirectus) -> None:
    client = DirectusClient("http://directus.test", TOKEN, transport=httpx.MockTransport(directus))
    client.list_objects("/users")
    client.list_objects("/users")
    assert directus.sent == ["GET /users", "GET /users"]
