"""What ``onboard`` says about the member's network: drift's words, from one read of the member's recorded calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from components.directus.client import DirectusClient
from components.model.caller_ips import call_from_words
from components.model.stack_config import StackConfig, parse_config
from components.ops.onboarding.callers import network_note

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def config(allowlist: list[str], recorder: bool = True) -> StackConfig:
    return parse_config(
        {
            "directusUrl": "https://cms.example.com",
            "members": [{"name": "ann", "email": "ann@company.com", "template": "content"}],
            "ipAllowlist": allowlist,
            "recorder": {"enabled": recorder},
        },
        templates=["content"],
    )


def client(rows: list[dict[str, Any]], seen: list[httpx.Request]) -> DirectusClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": rows})

    return DirectusClient("http://d", "admin", transport=httpx.MockTransport(handler))


def test_a_member_recorded_outside_gets_drifts_words_from_one_filtered_read() -> None:
    seen: list[httpx.Request] = []
    rows = [{"user": "u-ann", "ip": "192.168.1.9", "count": 2, "max": {"at_ms": int(NOW.timestamp() * 1000)}}]
    note = network_note(client(rows, seen), config(["10.20.0.0/16"]), "ann", "u-ann", NOW)
    assert note is not None and note.startswith("member ann: 2 recorded requests in the last 7 days came from outside")
    (request,) = seen
    assert request.url.params["filter[user][_in]"] == "u-ann"


def test_with_the_recorder_off_it_names_the_allowlist_and_why_it_cannot_tell() -> None:
    seen: list[httpx.Request] = []
    note = network_note(client([], seen), config(["10.20.0.0/16"], recorder=False), "ann", "u-ann", NOW)
    assert seen == []
    assert note is not None and note.startswith(call_from_words("ann", ["10.20.0.0/16"]) + "; whether members'")
    assert "the stack's recorder is off" in note
    assert "unless `mcp-access drift` reports the recorder extension installed" in note


def test_no_allowlist_nothing_to_say() -> None:
    seen: list[httpx.Request] = []
    assert network_note(client([], seen), config([]), "ann", "u-ann", NOW) is None and seen == []
