"""The connection: where a dynamic provider (and every command) finds the Directus URL and provisioning token.

They come from the stack configuration that the engine hands to ``configure`` (decrypted secrets included),
with the environment as a fallback for the token, never from resource inputs: inputs are written into every
resource's state and would go stale for refresh and delete.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.directus.client import DirectusClient, RetryPolicy
from components.directus.snapshot import Snapshot
from components.errors import McpAccessError
from components.names import TOKEN_KEY, URL_KEY

TOKEN_ENV = "DIRECTUS_PROVISIONING_TOKEN"  # noqa: S105 (a variable name, not a secret)
URL_ENV = "DIRECTUS_URL"
#: The URL of the running local Directus (``mcp-access local --port N``), set by this tool for the ``local`` stack
#: only (and emptied for every other stack): it wins over the stack file's ``directusUrl``.
LOCAL_URL_ENV = "DIRECTUS_MCP_ACCESS_LOCAL_URL"
# Per-request timeout and the bound on one request's retries, in seconds (defaults: 30 and 60).
TIMEOUT_ENV = "DIRECTUS_MCP_ACCESS_TIMEOUT"
RETRY_MAX_WAIT_ENV = "DIRECTUS_MCP_ACCESS_RETRY_MAX_WAIT"


#: How to give the provisioning token without typing it on a command line (shell history, process list).
SET_TOKEN_WAYS = (
    f"set the environment variable {TOKEN_ENV} from your secret store, or store it in the stack with "
    f"`mcp-access pulumi -s STACK -- config set --secret {TOKEN_KEY}` and no value: Pulumi asks for it without "
    "echo, or reads it from standard input (never type the token on the command line)"
)


class ProvisioningConfigError(McpAccessError):
    """The Directus URL or provisioning token is missing."""


@dataclass(frozen=True)
class Connection:
    url: str
    token: str

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r})"


def connection_from(get: Callable[[str], Any]) -> Connection:
    """Build the connection from a config getter (``req.config.get`` or ``pulumi.Config``-like)."""
    url = os.environ.get(LOCAL_URL_ENV) or get(URL_KEY) or os.environ.get(URL_ENV)
    token = get(TOKEN_KEY) or os.environ.get(TOKEN_ENV)
    if not url:
        raise ProvisioningConfigError(f"stack config '{URL_KEY}' is not set (nor {URL_ENV})")
    if not token:
        raise ProvisioningConfigError(f"no provisioning token: {SET_TOKEN_WAYS}")
    return Connection(url=str(url), token=str(token))


_clients: dict[tuple[str, str, float, float], DirectusClient] = {}
_snapshots: dict[int, Snapshot] = {}
_clients_lock = threading.Lock()


REJECTED_TOKEN_HINT = f"The provisioning token was rejected (revoked, expired or wrong): {SET_TOKEN_WAYS}"


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ProvisioningConfigError(f"{name}={value!r} is not a number of seconds") from None
    if seconds <= 0:
        raise ProvisioningConfigError(f"{name}={value!r} must be more than 0 seconds")
    return seconds


def client_for(connection: Connection) -> DirectusClient:
    """One shared client per (URL, token) in this process; built lazily, never pickled."""
    timeout = _seconds(TIMEOUT_ENV, 30.0)
    max_wait = _seconds(RETRY_MAX_WAIT_ENV, 60.0)
    key = (connection.url, hashlib.sha256(connection.token.encode()).hexdigest(), timeout, max_wait)
    with _clients_lock:
        client = _clients.get(key)
        if client is None or client.closed:  # shared: a caller that closed it must not break the next one
            client = DirectusClient(
                connection.url,
                connection.token,
                timeout=timeout,
                retry=RetryPolicy(max_wait=max_wait),
                auth_hint=REJECTED_TOKEN_HINT,
            )
            _clients[key] = client
        return client


def snapshot_for(connection: Connection) -> Snapshot:
    """The shared listings (see :mod:`components.directus.snapshot`) of the connection's client."""
    client = client_for(connection)
    with _clients_lock:
        snapshot = _snapshots.get(id(client))
        if snapshot is None:
            snapshot = Snapshot(client)
            _snapshots[id(client)] = snapshot
        return snapshot
