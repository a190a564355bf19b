"""Whether members call Directus from outside the stack's ip allowlist (pure): the matching, and the words that
``drift`` and ``onboard`` share.

Directus applies a policy's ``ip_access`` to the caller's address. From outside it a member's token still
authenticates (the assistant lists the MCP tools), but every read is refused with "You don't have permission ...
or it does not exist", which says nothing about addresses. Directus keeps no address for a read; the recorder
extension does (the ``ip`` of each row, :mod:`components.directus.callers`), so only with it can a tool tell.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

#: The window ``drift`` and ``onboard`` look back over: recent enough that a fixed allowlist stops showing.
CALLER_WINDOW_DAYS = 7

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CalledLike(Protocol):
    """One user's recorded requests from one address (``components.directus.callers.CallerAddress``)."""

    @property
    def user(self) -> str: ...

    @property
    def ip(self) -> str: ...

    @property
    def count(self) -> int: ...

    @property
    def last_seen(self) -> datetime: ...


def parse_address(text: str) -> IpAddress | None:
    """The address of a recorded ``ip`` (an IPv4-mapped IPv6 address, ``::ffff:10.0.0.1``, is the IPv4 one);
    ``None`` when it is not an address."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def networks(allowlist: Sequence[str]) -> list[IpNetwork]:
    return [ipaddress.ip_network(entry, strict=False) for entry in allowlist]


def inside(ip: str, allowlist: Sequence[str]) -> bool:
    """Whether ``ip`` lies in one of the allowlist's CIDRs (an unreadable address is not inside any)."""
    address = parse_address(ip)
    return address is not None and any(
        address.version == network.version and address in network for network in networks(allowlist)
    )


@dataclass(frozen=True)
class OutsideAddress:
    ip: str
    count: int
    last_seen: datetime


@dataclass(frozen=True)
class OutsideCaller:
    """A member whose recorded requests came from addresses outside the allowlist, busiest address first."""

    member: str
    addresses: tuple[OutsideAddress, ...]

    @property
    def count(self) -> int:
        return sum(a.count for a in self.addresses)

    @property
    def last_seen(self) -> datetime:
        return max(a.last_seen for a in self.addresses)


def outside_callers(
    called: Iterable[CalledLike], allowlist: Sequence[str], members: Mapping[str, str]
) -> list[OutsideCaller]:
    """The members (``members``: user id -> member name) with recorded requests from outside ``allowlist``,
    by name. An empty allowlist restricts nothing: no one is outside it."""
    if not allowlist:
        return []
    found: dict[str, list[OutsideAddress]] = defaultdict(list)
    for row in called:
        member = members.get(row.user)
        if member is not None and not inside(row.ip, allowlist):
            found[member].append(OutsideAddress(row.ip, row.count, row.last_seen))
    return [OutsideCaller(name, tuple(sorted(found[name], key=lambda a: (-a.count, a.ip)))) for name in sorted(found)]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def outside_words(caller: OutsideCaller, allowlist: Sequence[str], days: int = CALLER_WINDOW_DAYS) -> str:
    """What ``drift`` and ``onboard`` say about a member calling from outside the allowlist, and what to do."""
    where = "; ".join(f"{a.ip} ({_plural(a.count, 'request')}, last {_when(a.last_seen)})" for a in caller.addresses)
    addresses = "this address" if len(caller.addresses) == 1 else "these addresses"
    return (
        f"member {caller.member}: {_plural(caller.count, 'recorded request')} in the last {days} days came from "
        f"outside the stack's ipAllowlist ({', '.join(allowlist)}): {where}; last seen {_when(caller.last_seen)}. "
        f"Directus refuses every read from {addresses}. If the member's assistant runs there (office, VPN, the "
        "assistant's host), add the address to ipAllowlist in the stack file and run `up`; if not, find out who "
        "calls with this member's token from there (and `rotate` the member)"
    )


def inside_words(member: str, allowlist: Sequence[str], recorded: int, days: int = CALLER_WINDOW_DAYS) -> str:
    """The member's client must call from the allowlist, and what its ``recorded`` requests of the window say."""
    if recorded == 0:
        seen = (
            f"no request of it was recorded in the last {days} days (the recorder records only where its extension "
            "runs: `mcp-access drift` says whether it does)"
        )
    else:
        seen = f"none of its {_plural(recorded, 'request')} recorded in the last {days} days came from outside it"
    return f"{call_from_words(member, allowlist)}; {seen}"


def call_from_words(member: str, allowlist: Sequence[str]) -> str:
    """Where the member's client must call Directus from (when no recorded request can tell more)."""
    return (
        f"member {member}'s MCP client must call Directus from {', '.join(allowlist)} (the stack's ipAllowlist): "
        "from anywhere else it can list the tools but every read is refused"
    )


#: The steps that let ``drift`` and ``onboard`` tell (``cannot_tell_words``'s ``steps``).
INSTALL_STEP = (
    "`mcp-access extension --out DIR` writes the recorder extension into Directus's extensions folder (then restart "
    "Directus)"
)
#: ``onboard`` does not read ``/extensions`` (one read only): it names the step with its condition.
INSTALL_IF_MISSING_STEP = (
    "unless `mcp-access drift` reports the recorder extension installed, `mcp-access extension --out DIR` writes it "
    "into Directus's extensions folder (then restart Directus)"
)
ENABLE_STEP = "set recorder.enabled: true in the stack file and run `up`"
TURN_ON_STEP = "enable the extension in Directus (Settings, Extensions: mcp-access-recorder)"
ADMIN_STEP = "run it with the provisioning (admin) token: only admins may read the log collection"
#: Reasons ``cannot_tell_words`` takes.
NOT_INSTALLED = "the recorder extension is not installed on this Directus"
DISABLED = "the recorder extension is installed but disabled on this Directus"
RECORDER_OFF = "the stack's recorder is off (recorder.enabled), so no log collection holds the callers' addresses"


def unreadable(collection: str, status: int | None, code: str | None) -> str:
    """The reason when reading the log collection failed."""
    return f"the log collection {collection!r} could not be read ({status} {code})"


def cannot_tell_words(reason: str, steps: Sequence[str] = (INSTALL_STEP, ENABLE_STEP)) -> str:
    """Why it cannot be told whether members call from outside the allowlist, and how to let it be told.

    ``reason``: e.g. "the recorder extension is not installed on this Directus".
    """
    how = "; ".join(steps)
    return (
        f"whether members' requests come from outside the ipAllowlist cannot be told: {reason}. To let it: {how} "
        "(docs/recorder.md)"
    )
