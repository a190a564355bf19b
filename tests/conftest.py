"""Shared fixtures: a real Directus for the slow suites (see :mod:`tests.helpers.directus`), an admin client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from components.directus.client import DirectusClient
from components.localdev import server
from tests.helpers.directus import session_directus


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    """The Directus the whole session shares (``DIRECTUS_MCP_ACCESS_TEST_URL``: one already running)."""
    # File imports from 127.0.0.1 are allowed so that tests can upload through MCP from a local file server
    # (Directus refuses imports from local addresses by default).
    with session_directus(tmp_path_factory.mktemp("directus"), {"IMPORT_IP_DENY_LIST": "169.254.169.254"}) as instance:
        yield instance


@pytest.fixture
def admin(directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(directus.url, directus.admin_token) as client:
        yield client
