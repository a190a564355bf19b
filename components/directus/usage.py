"""The last sign of use Directus keeps for each of some users, and where it comes from (admin reads only).

What Directus records (verified in ``@directus/api`` 12.4.1 and on the server):

- ``directus_activity``: every write (``create``/``update``/``delete``, through REST or an MCP tool call alike)
  and every password ``login``, with the acting user. **Reads are not recorded**: a member who only reads
  through MCP leaves no row. Unlicensed Directus answers the last 30 days only.
- ``directus_users.last_access``: set on a password login and on a session refresh, **not** when a static
  token is used.
- OAuth token rows (``GET /mcp-oauth/clients``, 12.0+): ``date_created`` is the last issue or refresh.

A static token used only for reads is therefore invisible: "no sign of use" means "no recorded sign".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from components.directus.client import DirectusClient, encode_filter
from components.directus.oauth import parse_time, read_oauth

USERS_PER_QUERY = 100


@dataclass(frozen=True)
class Sign:
    """The latest sign of use of one user, and its source in words."""

    moment: datetime
    source: str


def _later(current: Sign | None, candidate: Sign) -> Sign:
    return candidate if current is None or candidate.moment > current.moment else current


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + USERS_PER_QUERY] for i in range(0, len(ids), USERS_PER_QUERY)]


def last_signs(client: DirectusClient, user_ids: Sequence[str]) -> dict[str, Sign]:
    """The latest recorded sign of use per user (users with none are absent). Three requests per 100 users,
    plus one for OAuth: the activity grouped by user, action and collection (``aggregate[max]=timestamp``),
    ``last_access``, and the OAuth token rows.
    """
    signs: dict[str, Sign] = {}
    for chunk in _chunks(list(user_ids)):
        params = {
            "aggregate[max]": "timestamp",
            "groupBy": "user,action,collection",
            "limit": "-1",
            **encode_filter({"user": {"_in": list(chunk)}}),
        }
        for row in client.get("/activity", params) or []:
            moment = (row.get("max") or {}).get("timestamp")
            if row.get("user") and moment:
                source = f"activity: {row.get('action')} on {row.get('collection')}"
                signs[str(row["user"])] = _later(signs.get(str(row["user"])), Sign(parse_time(moment), source))
        users = client.list_objects("/users", filter={"id": {"_in": list(chunk)}}, fields=["id", "last_access"])
        for user in users:
            if user.get("last_access"):
                sign = Sign(parse_time(user["last_access"]), "last sign-in or session refresh (last_access)")
                signs[str(user["id"])] = _later(signs.get(str(user["id"])), sign)
    wanted = set(user_ids)
    listing = read_oauth(client)
    for grant in listing.grants:
        if grant.user in wanted:
            signs[grant.user] = _later(
                signs.get(grant.user), Sign(grant.last_activity, f"OAuth token issued or refreshed ({grant.client})")
            )
    return signs


def created_at(client: DirectusClient, user_ids: Sequence[str]) -> dict[str, datetime]:
    """When each user was created, from its ``create`` activity row (absent: older than the visible activity)."""
    found: dict[str, datetime] = {}
    for chunk in _chunks(list(user_ids)):
        rows = client.list_objects(
            "/activity",
            filter={"collection": {"_eq": "directus_users"}, "action": {"_eq": "create"}, "item": {"_in": list(chunk)}},
            fields=["item", "timestamp"],
        )
        for row in rows:
            found[str(row["item"])] = parse_time(row["timestamp"])
    return found
