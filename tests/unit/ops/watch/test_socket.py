"""The subscription client against a local WebSocket server speaking Directus's protocol (a fake: the e2e suite
runs the real one): auth first, one subscription per collection, pings answered, events as triggers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from components.ops.watch.socket import (
    COLLECTIONS,
    DirectusEvents,
    Event,
    SubscriptionRefusedError,
    WatchAuthError,
    WatchConnectionError,
    WebSocketsOffError,
)

TOKEN = "the-watch-token"


@contextmanager
def fake_directus(script: Callable[[ServerConnection, list[dict[str, Any]]], None], **kwargs: Any) -> Iterator[str]:
    received: list[dict[str, Any]] = []

    def handler(connection: ServerConnection) -> None:
        script(connection, received)

    server: Server = serve(handler, "127.0.0.1", 0, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    finally:
        server.shutdown()


def directus_like(connection: ServerConnection, received: list[dict[str, Any]]) -> None:
    auth = json.loads(connection.recv())
    received.append(auth)
    if auth.get("access_token") != TOKEN:
        connection.send(json.dumps({"type": "auth", "status": "error", "error": {"code": "AUTH_FAILED"}}))
        return
    connection.send(json.dumps({"type": "auth", "status": "ok"}))
    for _ in COLLECTIONS:
        message = json.loads(connection.recv())
        received.append(message)
        connection.send(json.dumps({"type": "subscription", "event": "init", "data": [], "uid": message["uid"]}))
    connection.send(json.dumps({"type": "ping"}))
    received.append(json.loads(connection.recv()))  # the pong
    connection.send(
        json.dumps({"type": "subscription", "event": "update", "data": [{"id": 1}], "uid": "directus_access"})
    )
    connection.recv()  # until the client closes


def test_auth_subscriptions_pong_and_an_event() -> None:
    with fake_directus(directus_like) as url:
        events = DirectusEvents(url, TOKEN)
        events.open()
        found = None
        for _ in range(20):
            found = events.next_event(timeout=0.5)
            if found:
                break
        events.close()
    assert found == Event("directus_access", "update", 1, frozenset({"1"}))


def test_the_messages_sent_are_auth_then_one_id_only_subscription_per_collection_then_pong() -> None:
    record: list[dict[str, Any]] = []

    def recording(connection: ServerConnection, received: list[dict[str, Any]]) -> None:
        directus_like(connection, record)

    with fake_directus(recording) as url:
        events = DirectusEvents(url, TOKEN)
        events.open()
        while events.next_event(timeout=0.5) is None:
            pass
        events.close()
    assert record[0] == {"type": "auth", "access_token": TOKEN}
    assert [m["collection"] for m in record[1:-1]] == list(COLLECTIONS)
    assert all(m["type"] == "subscribe" and m["query"] == {"fields": ["id"]} for m in record[1:-1])
    assert record[-1] == {"type": "pong"}


def test_a_refused_token_is_one_clear_error_without_the_token() -> None:
    with fake_directus(directus_like) as url, pytest.raises(WatchAuthError) as caught:
        DirectusEvents(url, "wrong-token").open()
    assert "refused the watch's token (AUTH_FAILED)" in str(caught.value)
    assert "wrong-token" not in str(caught.value)


def test_a_refused_subscription_names_the_collection() -> None:
    def refusing(connection: ServerConnection, received: list[dict[str, Any]]) -> None:
        connection.recv()
        connection.send(json.dumps({"type": "auth", "status": "ok"}))
        message = json.loads(connection.recv())
        connection.send(
            json.dumps({"type": "subscribe", "status": "error", "uid": message["uid"], "error": {"code": "FORBIDDEN"}})
        )
        for _ in connection:  # as Directus: the connection stays open
            pass

    with fake_directus(refusing) as url, pytest.raises(SubscriptionRefusedError) as caught:
        DirectusEvents(url, TOKEN).open()
    assert "refused the subscription to directus_users: FORBIDDEN" in str(caught.value)


def test_an_upgrade_refused_with_404_names_websockets_enabled_and_poll() -> None:
    def not_found(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")

    with fake_directus(directus_like, process_request=not_found) as url, pytest.raises(WebSocketsOffError) as caught:
        DirectusEvents(url, TOKEN).open()
    assert "does not serve WebSockets (the upgrade answered HTTP 404)" in str(caught.value)
    assert "WEBSOCKETS_ENABLED=true" in str(caught.value) and "--poll SECONDS" in str(caught.value)


def test_nothing_listening_is_a_connection_error_the_watch_retries() -> None:
    with pytest.raises(WatchConnectionError):
        DirectusEvents("http://127.0.0.1:9", TOKEN).open()


def quiet_directus(answers_pings: bool) -> Callable[[ServerConnection, list[dict[str, Any]]], None]:
    """Authenticates and subscribes, then sends nothing; answers the client's ``ping`` message or not."""

    def script(connection: ServerConnection, received: list[dict[str, Any]]) -> None:
        connection.recv()
        connection.send(json.dumps({"type": "auth", "status": "ok"}))
        for _ in COLLECTIONS:
            uid = json.loads(connection.recv())["uid"]
            connection.send(json.dumps({"type": "subscription", "event": "init", "data": [], "uid": uid}))
        for text in connection:
            received.append(json.loads(text))
            if answers_pings and json.loads(text) == {"type": "ping"}:
                connection.send(json.dumps({"type": "pong"}))

    return script


def test_a_quiet_connection_is_kept_alive_by_directus_s_own_ping_message() -> None:
    with fake_directus(quiet_directus(answers_pings=True)) as url:
        events = DirectusEvents(url, TOKEN, keepalive=0.2, dead_after=0.5)
        events.open()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert events.next_event(timeout=0.1) is None  # no error: each ping was answered
        events.close()


def test_a_connection_whose_pings_go_unanswered_is_dead_and_reconnected() -> None:
    with fake_directus(quiet_directus(answers_pings=False)) as url:
        events = DirectusEvents(url, TOKEN, keepalive=0.2, dead_after=0.3)
        events.open()
        with pytest.raises(WatchConnectionError, match=r"no answer to a ping within 0\.3 s"):
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                events.next_event(timeout=0.1)
        events.close()
