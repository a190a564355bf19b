"""What the Directus server is, read once per run (``GET /server/info``), and what its version implies.

Every behaviour that differs between Directus lines goes through :class:`ServerInfo`, so that one place says
which line does what (verified on 11.17.4 and 12.4.x, see the README's "production" section):

- **custom permission rules** (field lists other than ``*``, item filters, validation, presets): the
  unlicensed 12.x "core" tier refuses to create them (403 RESOURCE_RESTRICTED) and ignores existing ones;
  11.x has no license tiers and enforces them;
- **MCP OAuth** (``mcp_oauth_*`` settings, ``/mcp-oauth/*``): 12.0 and later only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.directus.client import DirectusClient


@dataclass(frozen=True)
class ServerInfo:
    """The server's version (``""`` when Directus did not say, e.g. to a non-admin token) and, on 12.x, the
    license entitlements it reports (``license.entitlements`` of ``/server/info``)."""

    version: str
    entitlements: dict[str, object] = field(default_factory=dict)

    @property
    def major(self) -> int | None:
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else None

    @property
    def custom_permission_rules(self) -> bool:
        """Whether permissions may limit fields or filter items: 11.x, or 12.x with the entitlement
        ``custom_permission_rules_enabled`` (the category of the core tier's RESOURCE_RESTRICTED answer)."""
        if self.major is None:
            return False
        return self.major < 12 or self.entitlements.get("custom_permission_rules_enabled") is True

    @property
    def mcp_oauth(self) -> bool:
        """Whether the MCP OAuth server (and its settings) exists: 12.0 and later."""
        return self.major is not None and self.major >= 12

    def describe(self) -> str:
        return f"Directus {self.version}" if self.version else "Directus (version not reported)"


def read_server_info(client: DirectusClient) -> ServerInfo:
    """``GET /server/info``: ``version`` is reported to admin tokens (the provisioning token is one)."""
    data = client.get("/server/info")
    if not isinstance(data, dict):
        return ServerInfo(version="")
    version = data.get("version")
    license_ = data.get("license")
    entitlements = license_.get("entitlements") if isinstance(license_, dict) else None
    return ServerInfo(version=str(version) if version else "", entitlements=dict(entitlements or {}))
