"""The Directus the suites run is the pinned 12.4.1, as its own ``/server/info`` says."""

from __future__ import annotations

from packaging.version import Version

from components.directus.client import DirectusClient
from components.directus.version import ip_access_cache_ignores_caller_ip, server_version
from components.localdev.server import DIRECTUS_VERSION


def test_the_running_server_reports_12_4_1(admin: DirectusClient) -> None:
    version = server_version(admin)
    assert version == Version(DIRECTUS_VERSION)
    assert not ip_access_cache_ignores_caller_ip(version)
