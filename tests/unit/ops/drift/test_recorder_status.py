"""``drift``'s line about the recorder extension, from ``GET /extensions`` answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from components.directus.client import DirectusClient
from components.model.recorder_extension import expected_version
from components.ops.drift.recorder import extension_status


def client(listed: Any, status: int = 200) -> DirectusClient:
    def handler(_: httpx.Request) -> httpx.Response:
        if status != 200:
            return httpx.Response(status, json={"errors": [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]})
        return httpx.Response(200, json={"data": listed})

    return DirectusClient("http://d", "admin", transport=httpx.MockTransport(handler))


def entry(version: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "id": "x",
        "bundle": None,
        "schema": {"type": "hook", "local": True, "version": version, "name": "directus-extension-mcp-access-recorder"},
        "meta": {"enabled": enabled},
    }


@pytest.mark.parametrize(
    ("listed", "ok", "words"),
    [
        ([], False, "not installed (expected version"),
        ([entry(expected_version())], True, f"installed and enabled, version {expected_version()}"),
        ([entry(expected_version(), enabled=False)], False, "but disabled"),
        ([entry("0.0.1")], False, "(expected " + expected_version()),
    ],
)
def test_status_says_installed_enabled_and_version(listed: Any, ok: bool, words: str) -> None:
    status = extension_status(client(listed))
    assert status.ok is ok
    assert words in status.describe()


def test_a_refused_listing_is_unknown_not_installed() -> None:
    status = extension_status(client([], status=403))
    assert not status.ok and status.describe().startswith("unknown: GET /extensions failed (403 FORBIDDEN)")
