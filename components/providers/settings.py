"""Where a dynamic provider finds the Directus URL and provisioning token.

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

from components.directus.client import DirectusClient
from components.directus.snapshot import Snapshot

CONFIG_NAMESPACE = "directus-mcp-access"
URL_KEY = f"{CONFIG_NAMESPACE}:directusUrl"
TOKEN_KEY = f"{CONFIG_NAMESPACE}:provisioningToken"
TOKEN_ENV = "DIRECTUS_PROVISIONING_TOKEN"  # noqa: S105 (a variable name, not a secret)
URL_ENV = "DIRECTUS_URL"


class ProvisioningConfigError(RuntimeError):
    """The Directus URL or provisioning token is missing."""


@dataclass(frozen=True)
class Connection:
    url: str
    token: str

    def __repr__(self) -> str:
        return f"Connection(url={self.url!r})"


def connection_from(get: Callable[[str], Any]) -> Connection:
    """Build the connection from a config getter (``req.config.get`` or ``pulumi.Config``-like)."""
    url = get(URL_KEY) or os.environ.get(URL_ENV)
    token = get(TOKEN_KEY) or os.environ.get(TOKEN_ENV)
    if not url:
        raise ProvisioningConfigError(f"stack config '{URL_KEY}' is not set (nor {URL_ENV})")
    if not token:
        raise ProvisioningConfigError(
            f"no provisioning token: set the secret stack config '{TOKEN_KEY}' "
            f"(pulumi config set --secret {TOKEN_KEY.split(':', 1)[1]} ...) or the environment variable {TOKEN_ENV}"
        )
    return Connection(url=str(url), token=str(token))


_clients: dict[tuple[str, str], DirectusClient] = {}
_snapshots: dict[int, Snapshot] = {}
_clients_lock = threading.Lock()


def client_for(connection: Connection) -> DirectusClient:
    """One shared client per (URL, token) in this process; built lazily, never pickled."""
    key = (connection.url, hashlib.sha256(connection.token.encode()).hexdigest())
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = DirectusClient(connection.url, connection.token)
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
