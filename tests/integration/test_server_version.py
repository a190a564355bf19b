"""The Directus the suites run is the pinned version of the session's line, as its own ``/server/info`` says."""

from __future__ import annotations

from packaging.version import Version

from components.directus.client import DirectusClient
from components.directus.version import ip_access_cache_ignores_caller_ip, server_version
from components.localdev.server import pinned_version
from tests.helpers.directus import DirectusChoice


def test_the_running_server_reports_the_pinned_version(admin: DirectusClient, directus_choice: DirectusChoice) -> None:
    version = server_version(admin)
    assert version == Version(pinned_version(directus_choice.line))  # 12.4.1, or 11.17.4 with --directus-line 11
    assert ip_access_cache_ignores_caller_ip(version) is (directus_choice.line == "11")
