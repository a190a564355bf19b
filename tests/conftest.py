"""Shared fixtures: a real Directus started by the test suite, and an admin client for it.

Integration and end-to-end tests need the toolchain that ``tools/bootstrap.sh`` installs. When it is
missing they are skipped with the reason printed, except under CI (``CI=true``), where a missing toolchain
is a failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


@contextmanager
def fresh_directus(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[server.DirectusInstance]:
    """A fresh Directus 12.4.0 with a new SQLite database in ``data_dir`` and the demo collections."""
    require(server.directus_cli().exists(), f"Directus is not installed at {server.directus_cli()}")
    instance = server.start(data_dir, fresh=True, extra_env=extra_env)
    try:
        with DirectusClient(instance.url, instance.admin_token) as client:
            ensure_demo_collections(client)
        yield instance
    finally:
        server.stop(instance)


@pytest.fixture(scope="session")
def directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    """The Directus the whole session shares."""
    # File imports from 127.0.0.1 are allowed so that tests can upload through MCP from a local file server
    # (Directus refuses imports from local addresses by default).
    with fresh_directus(tmp_path_factory.mktemp("directus"), {"IMPORT_IP_DENY_LIST": "169.254.169.254"}) as instance:
        yield instance


@pytest.fixture
def admin(directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(directus.url, directus.admin_token) as client:
        yield client
