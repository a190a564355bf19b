"""Pure validators shared by the config model and the providers' ``check``.

Each returns an error message naming the value, or ``None`` when the value is fine.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

# Deliberately strict: what a Directus user's email and our ai-<name>@domain pattern need.
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
USER_STATUSES = ("active", "suspended", "draft", "invited", "archived")
ACTIONS = ("create", "read", "update", "delete", "share")


def email_error(value: Any) -> str | None:
    if not isinstance(value, str) or not EMAIL_RE.match(value):
        return f"{value!r} is not a valid email address"
    return None


def cidr_error(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{value!r} is not an IP address or CIDR (expected a string)"
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"{value!r} is not an IP address or CIDR"
    return None


def check_cidrs(values: list[str]) -> list[str]:
    """For pydantic validators: ``values`` unchanged, or a ValueError listing every bad entry."""
    errors = [e for value in values if (e := cidr_error(value))]
    if errors:
        raise ValueError("; ".join(errors))
    return values


def bool_error(value: Any) -> str | None:
    if not isinstance(value, bool):
        return f"{value!r} is not a boolean (true/false)"
    return None


def name_error(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{value!r} is empty; a name is required"
    return None


def action_error(value: Any) -> str | None:
    if value not in ACTIONS:
        return f"{value!r} is not a Directus action (one of {', '.join(ACTIONS)})"
    return None


#: Address blocks reserved for documentation (RFC 5737, RFC 3849): no real request comes from them.
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def documentation_entries(allowlist: list[str]) -> list[str]:
    """The entries of an ip allowlist that lie inside documentation address blocks (copied from an example)."""
    found = []
    for entry in allowlist:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if any(network.version == d.version and network.subnet_of(d) for d in DOCUMENTATION_NETWORKS):  # type: ignore[arg-type]
            found.append(entry)
    return found


def documentation_allowlist_problem(allowlist: list[str]) -> str | None:
    """Words for an allowlist made only of documentation addresses: every member's requests are refused."""
    if not allowlist or documentation_entries(allowlist) != list(allowlist):
        return None
    return (
        f"ipAllowlist holds only documentation addresses ({', '.join(allowlist)}; RFC 5737/3849), which no real "
        "request comes from: every member's MCP requests come from outside it, so they can list the tools but every "
        "read is refused; set the addresses the members' assistants call Directus from"
    )
