"""The one place that talks HTTP to Directus.

Everything above this module (providers, operations, tests) goes through :class:`DirectusClient`, which owns
authentication, timeouts, retries with backoff, the error envelope, pagination and batch calls.

Retry rules (why they differ by method): a 429 or a 503 means the request was not processed, and a failed
connect means it was never sent, so every method is retried on those. A 502, a 504 or a connection dropped
mid-request may hide a request that *was* processed; only idempotent methods (GET, PATCH, DELETE) are
retried then. A POST is not, so a create never duplicates an object through a retry; the providers' create
adopts a half-done create on the next run instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from components.directus.errors import (
    DirectusAuthError,
    DirectusError,
    DirectusForbiddenError,
    DirectusUnavailableError,
    error_class_for,
    redact,
)
from components.directus.read_cache import ReadCache
from components.errors import HINT_PREFIX

JSON = Any
Filter = Mapping[str, Any]

_ALWAYS_RETRY_STATUS = frozenset({429, 503})
_IDEMPOTENT_RETRY_STATUS = frozenset({502, 504})
REQUEST_LOG_ENV = "DIRECTUS_MCP_ACCESS_REQUEST_LOG"
_IDEMPOTENT_METHODS = frozenset({"GET", "PATCH", "DELETE", "PUT", "HEAD"})
_SECRET_FIELDS = ("token", "password")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``max_wait`` bounds the whole retry loop of one request."""

    attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_wait: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff, or the server's Retry-After when it gives one (capped at ``max_delay``)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return float(min(self.base_delay * (2**attempt), self.max_delay))


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None  # an HTTP date: rare for Directus; fall back to backoff


def encode_filter(filter_: Filter, prefix: str = "filter") -> dict[str, str]:
    """Flatten a Directus filter object into ``filter[a][_eq]=b`` query parameters.

    Lists become comma-separated values, which is what Directus expects for ``_in``/``_nin``.
    """
    params: dict[str, str] = {}
    for key, value in filter_.items():
        name = f"{prefix}[{key}]"
        if isinstance(value, Mapping):
            params.update(encode_filter(value, name))
        elif isinstance(value, list | tuple):
            params[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif value is None:
            params[name] = "null"
        else:
            params[name] = str(value)
    return params


class DirectusClient:
    """A small synchronous Directus REST client.

    The token is kept private and scrubbed from every error message; ``repr`` never shows it.
    ``request_count`` counts HTTP requests actually sent (retries included), for budgets and benchmarks.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        auth_hint: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._retry = retry or RetryPolicy()
        # Appended to 401 errors on requests made with the client's own token (e.g. how to replace it).
        self._auth_hint = auth_hint
        self._sleep = sleep
        self._secrets: set[str] = {token}
        self.request_count = 0
        # The benchmark counts requests per phase across processes (program and provider): when this names a
        # file, each request appends "<pid> <METHOD> <path>" to it. Paths hold ids, never tokens.
        self._request_log = os.environ.get(REQUEST_LOG_ENV)
        self._write_listeners: list[Callable[[], None]] = []
        self._read_cache: ReadCache | None = None
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"DirectusClient(base_url={self.base_url!r})"

    def __enter__(self) -> DirectusClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    def add_write_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` around every request that may change something (any method but GET/HEAD)."""
        self._write_listeners.append(listener)

    def _notify_write(self) -> None:
        for listener in self._write_listeners:
            listener()

    def register_secret(self, value: str) -> None:
        """Mark a value (e.g. a generated user token) to be scrubbed from any error message."""
        self._secrets.add(value)

    def _register_body_secrets(self, body: JSON) -> None:
        """Directus echoes offending values in some errors (e.g. RECORD_NOT_UNIQUE on ``token``): scrub them."""
        items = body if isinstance(body, list) else [body]
        for item in items:
            if isinstance(item, Mapping):
                for key in _SECRET_FIELDS:
                    value = item.get(key)
                    if isinstance(value, str):
                        self.register_secret(value)

    # ----------------------------------------------------------------------------------------------------
    # core request

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: JSON = None,
        token: str | None = None,
    ) -> JSON:
        """Send one request and return the ``data`` member of the answer (``None`` for 204).

        ``token`` overrides the client's token for this request (used to probe a user's own token).
        """
        method = method.upper()
        if method == "GET" and self._read_cache is not None:
            return self._cached_get(self._read_cache, path, params, token)
        if method in ("GET", "HEAD"):
            return self._send(method, path, params=params, json=json, token=token)
        # Drop cached listings before the write (no read may see the old state once it is sent) and after it.
        self._notify_write()
        try:
            return self._send(method, path, params=params, json=json, token=token)
        finally:
            self._notify_write()

    def use_read_cache(self, cache: ReadCache | None, *, clear_on_write: bool = True) -> None:
        """Answer GET requests from ``cache`` (``None``: stop). Any write through this client empties it, unless
        ``clear_on_write`` is off: then the caller drops what its writes make old itself."""
        if cache is not None and cache is not self._read_cache and clear_on_write:
            self.add_write_listener(cache.clear)
        self._read_cache = cache

    def _cached_get(self, cache: ReadCache, path: str, params: Mapping[str, str] | None, token: str | None) -> JSON:
        found, data = cache.answer(path, params, token)
        if found:
            return data
        pending = cache.begin(path, params, token)
        try:
            data = self._send("GET", path, params=params, json=None, token=token)
        except DirectusUnavailableError:
            cache.forget(pending)
            raise
        except DirectusAuthError as exc:
            # Another token's 401 (a member token's probe) is an answer; the client's own must fail every time.
            if token is not None:
                cache.keep(pending, error=exc)
            else:
                cache.forget(pending)
            raise
        except DirectusError as exc:  # a 403 or a missing route: the same answer until something changes
            cache.keep(pending, error=exc)
            raise
        except BaseException:
            cache.forget(pending)
            raise
        cache.keep(pending, data)
        return data

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        json: JSON,
        token: str | None,
    ) -> JSON:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else None
        if token is not None:
            self.register_secret(token)
        self._register_body_secrets(json)
        started = time.monotonic()
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                self.request_count += 1
                if self._request_log:
                    self._log_request(method, path)
                response = self._http.request(method, path, params=params, json=json, headers=headers)
            except httpx.TimeoutException as exc:
                failure = self._transport_error(method, path, "TIMEOUT", exc)
                retryable = method in _IDEMPOTENT_METHODS or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                failure = self._transport_error(method, path, "CONNECTION_ERROR", exc)
                retryable = method in _IDEMPOTENT_METHODS or isinstance(exc, httpx.ConnectError)
            else:
                if response.status_code < 400:
                    return self._data(response)
                failure = self._http_error(method, path, response, own_token=token is None)
                status = response.status_code
                retryable = status in _ALWAYS_RETRY_STATUS or (
                    status in _IDEMPOTENT_RETRY_STATUS and method in _IDEMPOTENT_METHODS
                )
                retry_after = _retry_after_seconds(response)
            if not retryable:
                raise failure
            delay = self._retry.delay(attempt, retry_after)
            attempt += 1
            elapsed = time.monotonic() - started
            if attempt >= self._retry.attempts or elapsed + delay > self._retry.max_wait:
                raise DirectusUnavailableError(
                    method=method,
                    path=path,
                    status=failure.status,
                    code=failure.code,
                    message=f"{failure.message} (gave up after {attempt} attempts in {elapsed:.1f}s)",
                )
            self._sleep(delay)

    def _log_request(self, method: str, path: str) -> None:
        with open(self._request_log or os.devnull, "a") as log:
            log.write(f"{os.getpid()} {method} {path}\n")

    @staticmethod
    def _data(response: httpx.Response) -> JSON:
        if response.status_code == 204 or not response.content:
            return None
        body = response.json()
        return body.get("data") if isinstance(body, dict) else body

    def _transport_error(self, method: str, path: str, code: str, exc: Exception) -> DirectusError:
        detail = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, self._secrets)
        return DirectusUnavailableError(
            method=method, path=path, status=None, code=code, message=f"{detail} ({self.base_url})"
        )

    def _http_error(self, method: str, path: str, response: httpx.Response, own_token: bool = True) -> DirectusError:
        code, message = "HTTP_ERROR", response.reason_phrase or "error"
        try:
            body = response.json()
            first = body["errors"][0]
            message = str(first.get("message", message))
            code = str(first.get("extensions", {}).get("code", code))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            text = response.text.strip()
            if text:
                message = text[:200]
        cls = error_class_for(response.status_code, code)
        if cls is DirectusAuthError and own_token and self._auth_hint:
            message = f"{message.rstrip('.')}.\n{HINT_PREFIX}{self._auth_hint}"
        return cls(
            method=method,
            path=path,
            status=response.status_code,
            code=code,
            message=redact(message, self._secrets),
        )

    # ----------------------------------------------------------------------------------------------------
    # conveniences

    def get(self, path: str, params: Mapping[str, str] | None = None) -> JSON:
        return self.request("GET", path, params=params)

    def list_objects(
        self,
        path: str,
        *,
        filter: Filter | None = None,
        fields: Sequence[str] | None = None,
        limit: int = -1,
        extra: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """List objects of one kind. ``limit=-1`` (the default) returns all of them in one request."""
        params: dict[str, str] = {"limit": str(limit)}
        if fields:
            params["fields"] = ",".join(fields)
        if filter:
            params.update(encode_filter(filter))
        if extra:
            params.update(extra)
        data = self.request("GET", path, params=params)
        return [dict(row) for row in data or []]

    def find_one(self, path: str, filter: Filter, fields: Sequence[str] | None = None) -> dict[str, Any] | None:
        """The first object matching ``filter``, or ``None``. Never relies on 404 (Directus answers 403)."""
        rows = self.list_objects(path, filter=filter, fields=fields, limit=1)
        return rows[0] if rows else None

    def exists(self, path: str, id_: str | int) -> bool:
        """Whether ``path/id`` exists, told by a filtered list (a direct GET answers 403 for missing ids)."""
        return self.find_one(path, {"id": {"_eq": id_}}, fields=["id"]) is not None

    def get_by_id(self, path: str, id_: str | int, fields: Sequence[str] | None = None) -> dict[str, Any] | None:
        return self.find_one(path, {"id": {"_eq": id_}}, fields=fields)

    def create(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        data = self.request("POST", path, json=dict(body))
        return dict(data)

    def create_many(self, path: str, bodies: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        items = [dict(b) for b in bodies]
        if not items:
            return []
        return [dict(row) for row in self.request("POST", path, json=items) or []]

    def update(self, path: str, id_: str | int, body: Mapping[str, Any]) -> dict[str, Any] | None:
        data = self.request("PATCH", f"{path}/{id_}", json=dict(body))
        return dict(data) if data else None

    def delete(self, path: str, id_: str | int) -> None:
        """Delete one object. Directus answers 204 for a missing id, so already-gone is success."""
        try:
            self.request("DELETE", f"{path}/{id_}")
        except DirectusForbiddenError:
            # 403 may mean "does not exist"; only re-raise if the object is really still there.
            if self.exists(path, id_):
                raise

    def delete_many(self, path: str, ids: Iterable[str | int]) -> None:
        keys = list(ids)
        if keys:
            self.request("DELETE", path, json=keys)

    def whoami(self, token: str | None = None) -> dict[str, Any]:
        """``GET /users/me`` with the client's token or a given one: tells whether that token still works."""
        return dict(self.request("GET", "/users/me", params={"fields": "id,email,status"}, token=token))
