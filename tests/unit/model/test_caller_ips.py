"""Members calling from outside the ip allowlist: the CIDR matching and the words drift and onboard share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from components.directus.callers import CallerAddress
from components.model.caller_ips import (
    ENABLE_STEP,
    INSTALL_STEP,
    NOT_INSTALLED,
    call_from_words,
    cannot_tell_words,
    inside,
    inside_words,
    outside_callers,
    outside_words,
)

MORNING = datetime(2026, 12, 7, 9, 15, tzinfo=UTC)
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ALLOWLIST = ["10.20.0.0/16", "2001:db8:5::/48"]
MEMBERS = {"u-ann": "ann", "u-bob": "bob"}


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("10.20.3.4", True),
        ("10.21.0.1", False),
        ("::ffff:10.20.3.4", True),  # Node's IPv4-mapped form of an IPv4 caller
        ("::ffff:127.0.0.1", False),
        ("2001:db8:5::17", True),
        ("2001:db8:6::17", False),
        ("not-an-address", False),
        (" 10.20.0.1 ", True),
    ],
)
def test_an_address_is_inside_when_a_cidr_of_its_version_holds_it(ip: str, expected: bool) -> None:
    assert inside(ip, ALLOWLIST) is expected


def test_only_members_outside_are_named_with_their_busiest_address_first() -> None:
    called = [
        CallerAddress("u-ann", "10.20.1.1", 40, NOON),  # inside
        CallerAddress("u-bob", "192.168.1.9", 2, MORNING),
        CallerAddress("u-bob", "::ffff:127.0.0.1", 5, NOON),
        CallerAddress("u-stranger", "8.8.8.8", 9, NOON),  # not an enabled member of this stack
    ]
    (bob,) = outside_callers(called, ALLOWLIST, MEMBERS)
    assert bob.member == "bob" and [a.ip for a in bob.addresses] == ["::ffff:127.0.0.1", "192.168.1.9"]
    assert bob.count == 7 and bob.last_seen == NOON
    assert outside_callers(called, [], MEMBERS) == []  # no allowlist restricts nothing


def test_the_words_name_member_addresses_count_last_seen_and_what_to_do() -> None:
    (bob,) = outside_callers([CallerAddress("u-bob", "192.168.1.9", 1, MORNING)], ALLOWLIST, MEMBERS)
    assert outside_words(bob, ALLOWLIST) == (
        "member bob: 1 recorded request in the last 7 days came from outside the stack's ipAllowlist "
        "(10.20.0.0/16, 2001:db8:5::/48): 192.168.1.9 (1 request, last 2026-12-07 09:15 UTC); last seen "
        "2026-12-07 09:15 UTC. Directus refuses every read from this address. If the member's assistant runs there "
        "(office, VPN, the assistant's host), add the address to ipAllowlist in the stack file and run `up`; if not, "
        "find out who calls with this member's token from there (and `rotate` the member)"
    )


def test_onboard_names_the_allowlist_and_what_the_recorded_requests_say() -> None:
    assert call_from_words("ann", ["10.20.0.0/16"]) == (
        "member ann's MCP client must call Directus from 10.20.0.0/16 (the stack's ipAllowlist): from anywhere else "
        "it can list the tools but every read is refused"
    )
    assert inside_words("ann", ["10.20.0.0/16"], 3).endswith(
        "; none of its 3 requests recorded in the last 7 days came from outside it"
    )
    assert "no request of it was recorded in the last 7 days" in inside_words("ann", ["10.20.0.0/16"], 0)


def test_cannot_tell_says_why_and_how_to_let_it() -> None:
    words = cannot_tell_words(NOT_INSTALLED, [INSTALL_STEP, ENABLE_STEP])
    assert words.startswith(
        "whether members' requests come from outside the ipAllowlist cannot be told: the recorder extension is not "
        "installed on this Directus. To let it: `mcp-access extension --out DIR`"
    )
    assert "set recorder.enabled: true in the stack file and run `up`" in words
