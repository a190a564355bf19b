"""The Directus version a server runs, read once from ``/server/info``, and what depends on it.

Version-specific behaviour has one place: this module. ``/server/info`` reports ``version`` to an admin token
(the provisioning token is one); an older or restricted answer without it gives ``None``.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from components.directus.client import DirectusClient

#: Before 12.4.0 the global-access cache key did not include the caller's IP, so a policy's ``ip_access``
#: result could be reused for a request from another address (fixed in ``@directus/api`` 39.2.0 = Directus 12.4.0).
IP_ACCESS_CACHE_FIXED = Version("12.4.0")
#: The MCP OAuth server and its settings (``mcp_oauth_*``) came with Directus 12.0.
MCP_OAUTH_SINCE = Version("12.0.0")
#: ``?tool_mode=registry`` came with Directus 12.3.
REGISTRY_TOOL_MODE_SINCE = Version("12.3.0")


def parse_version(text: object) -> Version | None:
    """``"12.4.1"`` -> ``Version("12.4.1")``; anything else (missing, not a version) -> ``None``."""
    if not isinstance(text, str):
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def server_version(client: DirectusClient) -> Version | None:
    """The version the server reports in ``/server/info`` (one request), or ``None`` when it does not say."""
    info = client.get("/server/info") or {}
    return parse_version(info.get("version"))


def ip_access_cache_ignores_caller_ip(version: Version | None) -> bool:
    """Whether this Directus may reuse one caller's ``ip_access`` result for another IP (older than 12.4.0)."""
    return version is not None and version < IP_ACCESS_CACHE_FIXED
