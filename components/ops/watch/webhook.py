"""The watch's webhook: each event POSTed as JSON on a thread of its own, retried with backoff, never fatal.

A receiver that is down, slow or answering errors delays only its own deliveries: the watch keeps checking and
printing. After :data:`ATTEMPTS` failures a body is dropped, with one line on stderr saying so.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import httpx

ATTEMPTS = 6
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
TIMEOUT = 10.0


class Webhook:
    """Delivers bodies in order; :meth:`close` waits (bounded) for what is queued."""

    def __init__(
        self,
        url: str,
        *,
        say: Callable[[str], None],
        attempts: int = ATTEMPTS,
        first_delay: float = FIRST_DELAY,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self._say = say
        self._attempts = attempts
        self._first_delay = first_delay
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=TIMEOUT, transport=transport)
        self._thread = threading.Thread(target=self._deliver_all, name="watch-webhook", daemon=True)
        self._thread.start()

    def send(self, body: dict[str, Any]) -> None:
        self._queue.put(body)

    def _deliver_all(self) -> None:
        while True:
            body = self._queue.get()
            if body is None:
                return
            self._deliver(body)

    def _deliver(self, body: dict[str, Any]) -> None:
        delay = self._first_delay
        problem = ""
        for attempt in range(1, self._attempts + 1):
            try:
                answer = self._client.post(self._url, json=body)
                if answer.is_success:
                    return
                problem = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt < self._attempts and self._stop.wait(delay):
                break  # stopping: no more waiting
            delay = min(delay * 2, MAX_DELAY)
        self._say(f"webhook: gave up on one event after {self._attempts} attempts ({problem})")

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        self._stop.set()
        self._thread.join(1.0)
        self._client.close()
