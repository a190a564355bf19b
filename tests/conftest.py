"""Shared fixtures: a real Directus for the slow suites (see :mod:`tests.helpers.directus`), an admin client.

The session's Directus is chosen with ``--directus-profile`` (``sqlite``, the default, or ``postgres-redis``:
two instances on PostgreSQL sharing Redis) and ``--directus-line`` (``12``, the default, or ``11``). ``make test``
runs the whole suite on the defaults, then the tests marked ``core`` on the other combinations; tests marked
``cluster`` need several instances and are deselected (not skipped) on a single-instance profile; tests marked
``directus_line("11")`` (or ``"12"``) are about one line's behaviour and are deselected on the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from components.directus.client import DirectusClient
from components.localdev import server
from components.localdev.profiles import DEFAULT_PROFILE, PROFILES
from tests.helpers.directus import DirectusChoice, session_directus


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("directus", "the Directus the slow suites run against")
    group.addoption("--directus-profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE)
    group.addoption("--directus-line", choices=sorted(server.DIRECTUS_LINES), default=server.DEFAULT_LINE)


def pytest_report_header(config: pytest.Config) -> str:
    return f"directus: profile {config.getoption('directus_profile')}, line {config.getoption('directus_line')}.x"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)
    line = config.getoption("directus_line")
    single_instance = config.getoption("directus_profile") == "sqlite"

    def elsewhere(item: pytest.Item) -> bool:
        only = item.get_closest_marker("directus_line")
        return (single_instance and item.get_closest_marker("cluster") is not None) or (
            only is not None and line not in only.args
        )

    deselected = [item for item in items if elsewhere(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not elsewhere(item)]


@pytest.fixture(scope="session")
def directus_choice(request: pytest.FixtureRequest) -> DirectusChoice:
    return DirectusChoice(
        profile=request.config.getoption("directus_profile"), line=request.config.getoption("directus_line")
    )


@pytest.fixture(scope="session")
def directus(
    tmp_path_factory: pytest.TempPathFactory, directus_choice: DirectusChoice
) -> Iterator[server.DirectusInstance]:
    """The Directus the whole session shares (``DIRECTUS_MCP_ACCESS_TEST_URL``: one already running)."""
    # File imports from 127.0.0.1 are allowed so that tests can upload through MCP from a local file server
    # (Directus refuses imports from local addresses by default). WebSockets are on for `mcp-access watch`'s tests
    # (the cluster case subscribes on one instance and changes through the other).
    settings = {"IMPORT_IP_DENY_LIST": "169.254.169.254", "WEBSOCKETS_ENABLED": "true"}
    with session_directus(tmp_path_factory.mktemp("directus"), settings, directus_choice) as instance:
        yield instance


@pytest.fixture
def admin(directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(directus.url, directus.admin_token) as client:
        yield client
