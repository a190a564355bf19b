"""The addresses some users called Directus from, as the recorder extension's log collection holds them (admin
reads only; the log collection has no permission for any policy).

One grouped request per 100 users (``groupBy=user,ip`` with ``aggregate[count]`` and ``aggregate[max]=at_ms``):
one row per user and address, however many calls the window holds. Directus itself keeps no address for a read,
so without the extension there is nothing to read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from components.directus.client import DirectusClient, encode_filter

USERS_PER_QUERY = 100


@dataclass(frozen=True)
class CallerAddress:
    """``count`` recorded requests of ``user`` from ``ip`` in the window, the last one at ``last_seen`` (UTC)."""

    user: str
    ip: str
    count: int
    last_seen: datetime


def _number(value: Any) -> int:
    """An aggregate's value: a number, a string (PostgreSQL's bigint and count), or ``{"*": n}`` / ``{"id": n}``."""
    if isinstance(value, dict):
        value = next(iter(value.values()), 0)
    return int(value or 0)


def read_caller_addresses(
    client: DirectusClient, collection: str, user_ids: Sequence[str], since: datetime
) -> list[CallerAddress]:
    """Every (user, address) the log collection ``collection`` holds for ``user_ids`` since ``since``."""
    found: list[CallerAddress] = []
    ids = list(user_ids)
    for start in range(0, len(ids), USERS_PER_QUERY):
        chunk = ids[start : start + USERS_PER_QUERY]
        params = {
            "aggregate[count]": "*",
            "aggregate[max]": "at_ms",
            "groupBy": "user,ip",
            "limit": "-1",
            **encode_filter(
                {
                    "user": {"_in": chunk},
                    "ip": {"_nnull": True},
                    "at_ms": {"_gte": int(since.timestamp() * 1000)},
                }
            ),
        }
        for row in client.get(f"/items/{collection}", params) or []:
            if not row.get("user") or not row.get("ip"):
                continue
            last_ms = _number(row.get("max"))
            found.append(
                CallerAddress(
                    user=str(row["user"]),
                    ip=str(row["ip"]),
                    count=_number(row.get("count")),
                    last_seen=datetime.fromtimestamp(last_ms / 1000, UTC),
                )
            )
    return found
