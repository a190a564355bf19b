"""``drift``'s line about the recorder extension, from ``GET /extensions`` answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from components.directus.client import DirectusClient
from components.model.recorder_extension import expected_version
from components.ops.drift.recorder import extension_status
from components.ops.drift.render import to_json, to_markdown
from components.ops.drift.run import DriftReport


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


def report(listed: Any, expected: bool) -> DriftReport:
    return DriftReport(
        stack="unit",
        directus_url="http://d",
        checked_at=datetime(2026, 12, 7, tzinfo=UTC),
        warn_days=14,
        recorder=extension_status(client(listed)),
        recorder_expected=expected,
    )


def test_drift_says_not_installed_and_that_cloud_cannot_load_it() -> None:
    text = to_markdown(report([], expected=False))
    assert "### Recorder extension" in text and "mcp-access-recorder: not installed" in text
    assert "Directus Cloud cannot load it" in text
    assert report([], expected=False).exit_code == 0  # the stack does not ask for it: a fact, not a finding


def test_a_stack_that_expects_the_recorder_has_a_finding_when_it_is_missing() -> None:
    missing = report([], expected=True)
    assert missing.exit_code == 1 and "⚠ mcp-access-recorder: not installed" in to_markdown(missing)
    assert json.loads(to_json(missing))["recorder"]["finding"] is True
    assert report([entry(expected_version())], expected=True).exit_code == 0
