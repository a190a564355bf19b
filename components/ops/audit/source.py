"""What the audit reads from Directus: the managed users' activity over a period, and their live status.

Reads go through the provisioning (admin) token. The activity is read page by page in id order (ids only
grow, so a row written while reading cannot shift a page), and the revisions are read only for the rows that
can be a suspension (updates of the user by itself): the other revisions hold item data the audit never needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from components.directus.client import DirectusClient
from components.kinds import USERS_PATH
from components.ops.audit.rules import OAUTH_TOKENS_COLLECTION, USERS_COLLECTION, Activity

ACTIVITY_FIELDS = ("id", "action", "collection", "item", "timestamp", "user", "ip", "user_agent", "origin")
PAGE_SIZE = 1000
#: User ids per activity query: the ids go into the URL, which Directus (Node) caps at 16 KiB with the headers.
USERS_PER_QUERY = 100
#: Directus without a license answers ``/activity`` for the last 30 days only (entitlement
#: ``activity_historical_timeframe``): older rows are filtered out silently, even if they are stored.
UNLICENSED_ACTIVITY_DAYS = 30


def directus_time(moment: datetime) -> str:
    """An aware datetime as the UTC ISO text Directus filters compare with (millisecond precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.astimezone(UTC).microsecond // 1000:03d}Z"


def parse_directus_time(text: str) -> datetime:
    """Directus timestamps are UTC (``...Z``); SQLite may give them without a zone, which also means UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(raw: dict[str, Any], statuses: dict[int, str]) -> Activity:
    return Activity(
        id=int(raw["id"]),
        action=str(raw["action"]),
        collection=str(raw.get("collection") or ""),
        item=None if raw.get("item") is None else str(raw["item"]),
        timestamp=parse_directus_time(str(raw["timestamp"])),
        user=str(raw["user"]),
        ip=raw.get("ip"),
        user_agent=raw.get("user_agent"),
        origin=raw.get("origin"),
        new_status=statuses.get(int(raw["id"])),
    )


def read_activity(
    client: DirectusClient,
    user_ids: Sequence[str],
    since: datetime,
    until: datetime,
    *,
    page_size: int = PAGE_SIZE,
) -> list[Activity]:
    """Every activity row of ``user_ids`` with ``since <= timestamp < until``, oldest first."""
    raw_rows: list[dict[str, Any]] = []
    for start in range(0, len(user_ids), USERS_PER_QUERY):
        raw_rows += _read_pages(client, user_ids[start : start + USERS_PER_QUERY], since, until, page_size)
    statuses = _status_changes(client, [r for r in raw_rows if _may_be_suspension(r)])
    return sorted((_row(r, statuses) for r in raw_rows), key=lambda a: (a.timestamp, a.id))


def _read_pages(
    client: DirectusClient, user_ids: Sequence[str], since: datetime, until: datetime, page_size: int
) -> list[dict[str, Any]]:
    filter_ = {
        "user": {"_in": list(user_ids)},
        "timestamp": {"_gte": directus_time(since), "_lt": directus_time(until)},
    }
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = client.list_objects(
            "/activity",
            filter=filter_,
            fields=ACTIVITY_FIELDS,
            limit=page_size,
            extra={"sort": "id", "page": str(page)},
        )
        rows += batch
        if len(batch) < page_size:
            return rows
        page += 1


def _may_be_suspension(raw: dict[str, Any]) -> bool:
    return (
        raw.get("action") == "update" and raw.get("collection") == USERS_COLLECTION and raw.get("item") == raw["user"]
    )


def _status_changes(client: DirectusClient, rows: Sequence[dict[str, Any]]) -> dict[int, str]:
    """activity id -> the ``status`` its revision set, for the given rows (one request)."""
    if not rows:
        return {}
    # Few rows (one per suspension); a user suspended again and again is still far below a URL's limit.
    revisions = client.list_objects(
        "/revisions",
        filter={"activity": {"_in": [r["id"] for r in rows]}},
        fields=("activity", "delta"),
    )
    changes: dict[int, str] = {}
    for revision in revisions:
        delta = revision.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("status"), str):
            changes[int(revision["activity"])] = delta["status"]
    return changes


def read_user_statuses(client: DirectusClient, user_ids: Sequence[str]) -> dict[str, str]:
    """user id -> live ``status``; users that no longer exist are absent."""
    statuses: dict[str, str] = {}
    for start in range(0, len(user_ids), USERS_PER_QUERY):
        chunk = list(user_ids[start : start + USERS_PER_QUERY])
        rows = client.list_objects(USERS_PATH, filter={"id": {"_in": chunk}}, fields=("id", "status"))
        statuses.update({str(r["id"]): str(r["status"]) for r in rows})
    return statuses


def read_login_attempts(client: DirectusClient) -> int | None:
    """``auth_login_attempts``: failed password logins before Directus suspends a user (``None``: never)."""
    settings = client.get("/settings", params={"fields": "auth_login_attempts"}) or {}
    value = settings.get("auth_login_attempts")
    return int(value) if value is not None else None


def read_oauth_activity(client: DirectusClient, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Every OAuth token Directus issued in the period, to any user (``login`` rows on ``directus_oauth_tokens``),
    with the user's email. Consents leave no row of their own: each approved consent ends in such a token."""
    return client.list_objects(
        "/activity",
        filter={
            "collection": {"_eq": OAUTH_TOKENS_COLLECTION},
            "action": {"_eq": "login"},
            "timestamp": {"_gte": directus_time(since), "_lt": directus_time(until)},
        },
        fields=("timestamp", "user.email", "user.id", "item", "ip", "user_agent"),
        extra={"sort": "id"},
    )
