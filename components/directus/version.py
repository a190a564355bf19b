"""The Directus version a server runs, read once from ``/server/info``, and what depends on it.

Version-specific behaviour has one place: this module (verified on 11.17.4 and 12.4.x, see
``docs/production.md``):

- **custom permission rules** (field lists other than ``*``, item filters, validation, presets): the unlicensed
  12.x "core" tier refuses to create them (403 RESOURCE_RESTRICTED) and ignores existing ones; 11.x has no
  license tiers and enforces them;
- **MCP OAuth** (``mcp_oauth_*`` settings, ``/mcp-oauth/*``): 12.0 and later only;
- **ip_access** results were cached without the caller's IP before 12.4.0.

 ``/server/info`` reports ``version`` to an admin token
(the provisioning token is one; unauthenticated callers get only ``project`` and ``license``); an older or
restricted answer without it gives ``None``. On 12.4.1 it also reports ``mcp_oauth_enabled``,
``mcp_oauth_dcr_enabled`` and ``mcp_oauth_cimd_enabled``: these mirror the server *environment*
(``MCP_OAUTH_ENABLED`` & co), not the settings of the same names (verified: settings on, environment off ->
``false``; environment on, settings off -> ``true``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class ServerInfo:
    """What ``/server/info`` says about the server: its version and whether its environment enables MCP OAuth."""

    version: Version | None
    #: ``MCP_OAUTH_ENABLED`` (``None``: not reported, e.g. before 12.0).
    oauth_available: bool | None = None
    dcr_available: bool | None = None
    cimd_available: bool | None = None
    #: On 12.x, the license entitlements it reports (``license.entitlements``).
    entitlements: dict[str, object] = field(default_factory=dict)

    @property
    def major(self) -> int | None:
        return self.version.major if self.version else None

    @property
    def custom_permission_rules(self) -> bool:
        """Whether permissions may limit fields or filter items: 11.x, or 12.x with the entitlement
        ``custom_permission_rules_enabled`` (the category of the core tier's RESOURCE_RESTRICTED answer)."""
        if self.version is None:
            return False
        return self.version.major < 12 or self.entitlements.get("custom_permission_rules_enabled") is True

    @property
    def mcp_oauth(self) -> bool | None:
        """Whether the MCP OAuth server (and its settings) exists: 12.0 and later (``None``: version unknown)."""
        return None if self.version is None else self.version >= MCP_OAUTH_SINCE

    def describe(self) -> str:
        return f"Directus {self.version}" if self.version else "Directus (version not reported)"


def server_info(client: DirectusClient) -> ServerInfo:
    """One ``GET /server/info``."""
    data = client.get("/server/info")
    info = data if isinstance(data, dict) else {}
    license_ = info.get("license")
    entitlements = license_.get("entitlements") if isinstance(license_, dict) else None

    def flag(key: str) -> bool | None:
        value = info.get(key)
        return value if isinstance(value, bool) else None

    return ServerInfo(
        version=parse_version(info.get("version")),
        oauth_available=flag("mcp_oauth_enabled"),
        dcr_available=flag("mcp_oauth_dcr_enabled"),
        cimd_available=flag("mcp_oauth_cimd_enabled"),
        entitlements=dict(entitlements or {}),
    )


def server_version(client: DirectusClient) -> Version | None:
    """The version the server reports in ``/server/info`` (one request), or ``None`` when it does not say."""
    return server_info(client).version


def ip_access_cache_ignores_caller_ip(version: Version | None) -> bool:
    """Whether this Directus may reuse one caller's ``ip_access`` result for another IP (older than 12.4.0)."""
    return version is not None and version < IP_ACCESS_CACHE_FIXED
