"""Directus's WebSocket subscriptions, as the watch uses them: events as triggers, never as data.

The protocol (verified on Directus 12.4.1 with ``WEBSOCKETS_ENABLED=true``, see ``docs/watch.md``): at
``ws(s)://HOST/websocket`` the client sends ``{"type": "auth", "access_token": T}`` and gets
``{"type": "auth", "status": "ok"}``; each ``{"type": "subscribe", "collection": C, "uid": C, "query": ...}`` is
answered by an ``init`` event, then ``create``/``update``/``delete`` events follow each change. The server's
``{"type": "ping"}`` must be answered with ``{"type": "pong"}`` or it drops the connection.

Only ``id`` is asked for: the watch re-reads what it checks through REST (the same reads as ``drift``), so an
event's payload is never trusted, shown or kept. The token is sent in the first message, never in the URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from components.errors import McpAccessError
from components.ops.watch.invalidation import PATHS

#: Every system collection the drift findings depend on (named once, with their REST paths, in ``invalidation``).
COLLECTIONS = tuple(PATHS)
OPEN_TIMEOUT = 10.0
#: After this many seconds without a message the watch sends Directus's own ``{"type": "ping"}`` (Directus 12.4.1
#: ignores WebSocket protocol pings, so the library's keepalive would close a healthy connection after 40 s)...
KEEPALIVE = 20.0
#: ... and a ping unanswered this long means the connection is dead (reconnect and resync).
DEAD_AFTER = 20.0
#: The init events of large listings (users at 1000 members) exceed the library's default 1 MiB frame limit.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class WatchConnectionError(McpAccessError):
    """The WebSocket could not be opened or was lost: the watch reconnects with backoff."""


class WebSocketsOffError(McpAccessError):
    """Directus does not serve ``/websocket`` (``WEBSOCKETS_ENABLED`` is off): fatal unless ``--poll``."""


class WatchAuthError(McpAccessError):
    """Directus refused the watch's token (wrong, expired or revoked): one clear error, no retry."""


class SubscriptionRefusedError(McpAccessError):
    """Directus refused a subscription (the token may not read that collection)."""


@dataclass(frozen=True)
class Event:
    collection: str
    event: str
    count: int
    #: The ids the event names (``None`` when it names none the watch can read: every object may have changed).
    keys: frozenset[str] | None = None


def event_keys(data: Any) -> frozenset[str] | None:
    """The ids in an event's ``data``: objects with an ``id`` (create, update) or bare keys (delete)."""
    items = data if isinstance(data, list) else [data]
    keys: set[str] = set()
    for item in items:
        value = item.get("id") if isinstance(item, dict) else item
        if value is None or isinstance(value, (dict, list)):
            return None
        keys.add(str(value))
    return frozenset(keys) if keys else None


def websocket_url(directus_url: str) -> str:
    """``https://cms.example.com`` -> ``wss://cms.example.com/websocket``."""
    base = directus_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/websocket"
    return "ws://" + base.removeprefix("http://") + "/websocket"


class DirectusEvents:
    """One authenticated connection with a subscription per collection. Not thread-safe: one reader."""

    def __init__(
        self,
        directus_url: str,
        token: str,
        collections: Sequence[str] = COLLECTIONS,
        *,
        keepalive: float = KEEPALIVE,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        self.url = websocket_url(directus_url)
        self._keepalive, self._dead_after = keepalive, dead_after
        self._token = token
        self._collections = tuple(collections)
        self._socket: ClientConnection | None = None
        self._last_message = time.monotonic()
        self._ping_sent: float | None = None

    def __repr__(self) -> str:  # never show the token
        return f"DirectusEvents({self.url!r})"

    def open(self) -> None:
        """Connect, authenticate and subscribe; returns once every subscription's ``init`` event arrived."""
        try:
            self._socket = connect(  # a connection we close ourselves (``legacy=True``: no context manager)
                self.url,
                open_timeout=OPEN_TIMEOUT,
                close_timeout=2,
                max_size=MAX_MESSAGE_BYTES,
                ping_interval=None,  # Directus answers no protocol-level ping (verified): see KEEPALIVE
                legacy=True,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (404, 403, 400, 426):
                raise WebSocketsOffError(
                    f"Directus at {self.url} does not serve WebSockets (the upgrade answered HTTP {status})",
                    hint="set WEBSOCKETS_ENABLED=true in the Directus environment and restart it, or run the watch "
                    "with `--poll SECONDS` (the full check on an interval instead of events)",
                ) from None
            raise WatchConnectionError(f"the WebSocket upgrade at {self.url} answered HTTP {status}") from None
        except InvalidURI:
            raise WatchConnectionError(f"{self.url} is not a WebSocket address") from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise WatchConnectionError(f"cannot open {self.url}: {type(exc).__name__}: {exc}") from None
        try:
            self._send({"type": "auth", "access_token": self._token})
            self._await_auth()
            for collection in self._collections:
                query = {"fields": ["id"]}
                self._send({"type": "subscribe", "collection": collection, "uid": collection, "query": query})
            pending = set(self._collections)
            while pending:
                message = self._receive(OPEN_TIMEOUT)
                if message is None:
                    raise WatchConnectionError(
                        f"{self.url}: no answer to the subscriptions of {', '.join(sorted(pending))} within "
                        f"{OPEN_TIMEOUT:.0f} s"
                    )
                if message.get("type") == "subscribe" and message.get("status") == "error":
                    error = message.get("error") or {}
                    raise SubscriptionRefusedError(
                        f"Directus refused the subscription to {message.get('uid')}: "
                        f"{error.get('code', '?')} {error.get('message', '')}".rstrip(),
                        hint="the watch's token must be able to read every collection it watches "
                        f"({', '.join(self._collections)})",
                    )
                if message.get("type") == "subscription" and message.get("event") == "init":
                    pending.discard(str(message.get("uid")))
        except BaseException:
            self.close()
            raise

    def _send(self, message: dict[str, Any]) -> None:
        assert self._socket is not None
        try:
            self._socket.send(json.dumps(message))
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise WatchConnectionError(f"{self.url}: connection closed (code {code})") from None

    def _await_auth(self) -> None:
        message = self._receive(OPEN_TIMEOUT)
        if message is None:
            raise WatchConnectionError(f"{self.url}: no answer to the authentication within {OPEN_TIMEOUT:.0f} s")
        if message.get("type") == "auth" and message.get("status") == "ok":
            return
        error = message.get("error") or {}
        raise WatchAuthError(
            f"Directus at {self.url} refused the watch's token ({error.get('code', 'AUTH_FAILED')})",
            hint="the token is wrong, expired or revoked: set DIRECTUS_GUARD_TOKEN, the stack's guard token or its "
            "provisioning token to a valid one",
        )

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        """The next message that is not a ping (pings are answered here); ``None`` on timeout."""
        assert self._socket is not None
        now = time.monotonic()
        if self._ping_sent is not None and now - self._ping_sent > self._dead_after:
            raise WatchConnectionError(f"{self.url}: no answer to a ping within {self._dead_after:g} s")
        if self._ping_sent is None and now - self._last_message > self._keepalive:
            self._send({"type": "ping"})
            self._ping_sent = now
        try:
            text = self._socket.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise WatchConnectionError(f"{self.url}: connection closed (code {code})") from None
        self._last_message, self._ping_sent = time.monotonic(), None
        try:
            message = json.loads(text)
        except (TypeError, ValueError):
            return {}
        if not isinstance(message, dict):
            return {}
        if message.get("type") == "ping":
            self._send({"type": "pong"})
            return {}
        return message

    def next_event(self, timeout: float) -> Event | None:
        """The next change event, or ``None`` when ``timeout`` passed without one (or with another message)."""
        message = self._receive(timeout)
        if not message:
            return None
        if message.get("type") == "auth" and message.get("status") == "error":
            raise WatchAuthError(f"Directus at {self.url} no longer accepts the watch's token")
        if message.get("type") != "subscription" or message.get("event") not in ("create", "update", "delete"):
            return None
        data = message.get("data")
        count = len(data) if isinstance(data, list) else 1
        return Event(str(message.get("uid")), str(message["event"]), count, event_keys(data))

    def close(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            socket.close()
