"""User statuses that silently cut an MCP member off, in words, with what to do (``drift`` and ``audit`` use them).

Directus honours a static token (and OAuth tokens) only for an ``active`` user. Directus 12 also sets users to
``inactive-license`` on its own (``@directus/api`` 39.2.1 ``USER_INACTIVE_LICENSE_STATUS``: the license check
finding more seat users than the license allows, an invite accepted beyond the seat limit, an SSO user without an
SSO license), and nobody is told: the member's assistant just gets 401.
"""

from __future__ import annotations

INACTIVE_LICENSE = "inactive-license"

#: status -> (what happened, what to do).
LOCKOUTS: dict[str, tuple[str, str]] = {
    INACTIVE_LICENSE: (
        "was set to inactive-license by Directus (more seat users than its license allows: the license check, an "
        "invite accepted beyond the limit, or SSO without an SSO license), so its token and OAuth grants are "
        "refused (401)",
        "free a seat or raise the license's seats (MCP users without app or admin access take none: check the "
        "user's role and policies), then run `up` to set it active again",
    ),
    "suspended": (
        "is suspended (by hand, or by Directus after repeated failed logins), so its token is refused (401)",
        "find out why (`mcp-access audit` lists suspensions and failed-login bursts); `up` sets it active again, "
        "or set `enabled: false` to keep it so",
    ),
    "draft": (
        "is a draft user, who cannot sign in: its token is refused",
        "run `up` to set it active (or find out who changed it: `mcp-access audit`)",
    ),
    "invited": (
        "is an invited user whose invite was not accepted, who cannot sign in: its token is refused",
        "run `up` to set it active; the invite is then void",
    ),
    "archived": (
        "is archived, which cannot sign in: its token is refused",
        "run `up` to set it active, or remove the member from the code if it left",
    ),
}


def lockout_words(status: object) -> tuple[str, str] | None:
    """``(what happened, what to do)`` for a status that locks a user out; ``None`` for ``active`` and unknowns."""
    return LOCKOUTS.get(str(status)) if status != "active" else None
