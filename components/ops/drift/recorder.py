"""Whether a Directus runs the recorder extension, from ``GET /extensions`` (admin): for ``drift``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.directus.client import DirectusClient
from components.directus.errors import DirectusError
from components.model.recorder_extension import FOLDER_NAME, expected_version, package_name

CLOUD_NOTE = (
    "Directus Cloud cannot load it: Cloud projects run no custom extension code, so on Cloud the MCP calls, reads, "
    "refusals and failed token logins stay unrecorded"
)


@dataclass(frozen=True)
class ExtensionStatus:
    """``installed``: listed by ``/extensions``; ``version`` as listed; ``enabled`` as its meta says."""

    installed: bool
    expected: str
    version: str | None = None
    enabled: bool = False
    #: ``GET /extensions`` failed (e.g. no admin token): the status is unknown.
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.installed and self.enabled and self.version == self.expected

    def describe(self) -> str:
        if self.error is not None:
            return f"unknown: GET /extensions failed ({self.error})"
        if not self.installed:
            return f"not installed (expected version {self.expected}; `mcp-access extension --out DIR` writes it)"
        if not self.enabled:
            return f"installed (version {self.version}) but disabled"
        if self.version != self.expected:
            return f"installed and enabled, version {self.version} (expected {self.expected}: update it)"
        return f"installed and enabled, version {self.version}"


def _ours(entry: dict[str, Any]) -> bool:
    schema = entry.get("schema") or {}
    names = {entry.get("id"), entry.get("name"), schema.get("name"), entry.get("bundle")}
    return bool(names & {FOLDER_NAME, package_name()})


def extension_status(client: DirectusClient) -> ExtensionStatus:
    expected = expected_version()
    try:
        listed = client.get("/extensions") or []
    except DirectusError as exc:
        return ExtensionStatus(installed=False, expected=expected, error=f"{exc.status} {exc.code}")
    for entry in listed:
        if isinstance(entry, dict) and _ours(entry):
            schema = entry.get("schema") or {}
            meta = entry.get("meta") or {}
            return ExtensionStatus(
                installed=True,
                expected=expected,
                version=str(schema.get("version")) if schema.get("version") else None,
                enabled=bool(meta.get("enabled", True)),
            )
    return ExtensionStatus(installed=False, expected=expected)
