"""The Directus client's retry, error and redaction behaviour, against scripted HTTP answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from components.directus.client import DirectusClient, RetryPolicy, encode_filter
from components.directus.errors import (
    DirectusAuthError,
    DirectusForbiddenError,
    DirectusLicenseError,
    DirectusUnavailableError,
    DirectusValidationError,
)

TOKEN = "provisioning-token-value-1234567890"


def error(status: int, code: str, message: str = "boom", headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return httpx.Response(status, json=body, headers=headers)


def scripted(answers: list[httpx.Response | Exception]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def make_client(transport: httpx.MockTransport, sleeps: list[float], **retry: float) -> DirectusClient:
    sleep: Callable[[float], None] = sleeps.append
    policy = RetryPolicy(**retry) if retry else RetryPolicy()  # type: ignore[arg-type]
    return DirectusClient("http://directus.test", TOKEN, transport=transport, retry=policy, sleep=sleep)


def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    transport, seen = scripted(
        [error(429, "REQUESTS_EXCEEDED", headers={"Retry-After": "3"}), httpx.Response(200, json={"data": []})]
    )
    sleeps: list[float] = []
    assert make_client(transport, sleeps).list_objects("/users") == []
    assert len(seen) == 2
    assert sleeps == [3.0]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_retries_gateway_errors_with_backoff(status: int) -> None:
    transport, seen = scripted([httpx.Response(status), httpx.Response(status), httpx.Response(200, json={"data": {}})])
    sleeps: list[float] = []
    make_client(transport, sleeps).get("/settings")
    assert len(seen) == 3
    assert sleeps == [0.25, 0.5]


def test_connection_errors_are_retried() -> None:
    transport, seen = scripted([httpx.ConnectError("refused"), httpx.Response(200, json={"data": {"id": 1}})])
    assert make_client(transport, []).get("/users/me") == {"id": 1}
    assert len(seen) == 2


def test_post_is_not_retried_on_502_so_a_create_never_duplicates() -> None:
    transport, seen = scripted([httpx.Response(502), httpx.Response(200, json={"data": {"id": 1}})])
    with pytest.raises(DirectusUnavailableError):
        make_client(transport, []).create("/users", {"email": "a@b.co"})
    assert len(seen) == 1


def test_persistent_503_gives_up_after_bounded_attempts_naming_the_endpoint() -> None:
    transport, seen = scripted([httpx.Response(503) for _ in range(10)])
    sleeps: list[float] = []
    with pytest.raises(DirectusUnavailableError) as caught:
        make_client(transport, sleeps, attempts=4).get("/policies")
    assert len(seen) == 4
    assert "GET /policies" in str(caught.value)
    assert "gave up after 4 attempts" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "INVALID_CREDENTIALS", DirectusAuthError),
        (403, "FORBIDDEN", DirectusForbiddenError),
        (403, "RESOURCE_RESTRICTED", DirectusLicenseError),
        (400, "RECORD_NOT_UNIQUE", DirectusValidationError),
        (400, "INVALID_PAYLOAD", DirectusValidationError),
    ],
)
def test_error_envelope_maps_to_typed_exceptions(status: int, code: str, cls: type[Exception]) -> None:
    transport, _ = scripted([error(status, code, "explained")])
    with pytest.raises(cls) as caught:
        make_client(transport, []).get("/users")
    assert code in str(caught.value) and "explained" in str(caught.value)


def test_token_never_appears_in_error_messages() -> None:
    transport, _ = scripted([error(400, "INVALID_PAYLOAD", f"bad value {TOKEN} and user-token-abcdefghijk")])
    client = make_client(transport, [])
    client.register_secret("user-token-abcdefghijk")
    with pytest.raises(DirectusValidationError) as caught:
        client.get("/users")
    assert TOKEN not in str(caught.value)
    assert "user-token-abcdefghijk" not in str(caught.value)
    assert TOKEN not in repr(client)


def test_bearer_token_is_sent_and_override_for_probes() -> None:
    transport, seen = scripted([httpx.Response(200, json={"data": {"id": "u"}})] * 2)
    client = make_client(transport, [])
    client.get("/users/me")
    client.whoami("someone-elses-token-123")
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen[1].headers["Authorization"] == "Bearer someone-elses-token-123"


def test_delete_of_forbidden_but_missing_object_is_success() -> None:
    transport, seen = scripted([error(403, "FORBIDDEN"), httpx.Response(200, json={"data": []})])
    make_client(transport, []).delete("/users", "gone-id")
    assert seen[1].url.params["filter[id][_eq]"] == "gone-id"


def test_encode_filter_nests_and_joins_lists() -> None:
    assert encode_filter({"policy": {"_eq": "p1"}, "id": {"_in": [1, 2]}, "role": {"_null": True}}) == {
        "filter[policy][_eq]": "p1",
        "filter[id][_in]": "1,2",
        "filter[role][_null]": "true",
    }
