"""A real Directus for the slow suites: started fresh by the test suite, or one a contributor already runs.

Integration and end-to-end tests need the toolchain that ``tools/bootstrap.sh`` installs. When it is missing
they are skipped with the reason printed, except under CI (``CI=true``), where a missing toolchain is a
failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from components.directus.client import DirectusClient
from components.localdev import server
from components.localdev.demo import ensure_demo_collections


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must not skip this suite: run tools/bootstrap.sh)")
    pytest.skip(reason)


@contextmanager
def fresh_directus(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[server.DirectusInstance]:
    """A fresh Directus (the pinned version) with a new SQLite database in ``data_dir`` and the demo collections."""
    require(server.directus_cli().exists(), f"Directus is not installed at {server.directus_cli()}")
    instance = server.start(data_dir, fresh=True, extra_env=extra_env)
    try:
        with DirectusClient(instance.url, instance.admin_token) as client:
            ensure_demo_collections(client)
        yield instance
    finally:
        server.stop(instance)


#: A contributor's already running Directus for the integration tests (``make local`` gives one): its URL and an
#: admin token. Unset (always in CI): each test session starts a fresh Directus of its own.
EXTERNAL_URL_ENV = "DIRECTUS_MCP_ACCESS_TEST_URL"
EXTERNAL_TOKEN_ENV = "DIRECTUS_MCP_ACCESS_TEST_TOKEN"


def external_directus() -> server.DirectusInstance | None:
    """The Directus named by :data:`EXTERNAL_URL_ENV`, with the demo collections; ``None`` when unset."""
    url = os.environ.get(EXTERNAL_URL_ENV)
    if not url:
        return None
    token = os.environ.get(EXTERNAL_TOKEN_ENV)
    parsed = urlparse(url)
    if parsed.hostname != "127.0.0.1" or not parsed.port or not token:
        pytest.fail(
            f"{EXTERNAL_URL_ENV}={url!r}: give a local Directus as http://127.0.0.1:<port>, with an admin token in "
            f"{EXTERNAL_TOKEN_ENV}"
        )
    instance = server.DirectusInstance(port=parsed.port, data_dir=Path(), admin_token=token)
    with DirectusClient(instance.url, instance.admin_token) as client:
        ensure_demo_collections(client)
    return instance


@contextmanager
def session_directus(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[server.DirectusInstance]:
    """The Directus a test session shares: the contributor's (see :func:`external_directus`), else a fresh one."""
    if os.environ.get("CI") and os.environ.get(EXTERNAL_URL_ENV):
        pytest.fail(f"{EXTERNAL_URL_ENV} is set under CI: CI must test against a Directus of its own")
    external = external_directus()
    if external is not None:
        yield external
        return
    with fresh_directus(data_dir, extra_env) as instance:
        yield instance
