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
