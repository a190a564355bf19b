"""How the audit queries Directus (pages, filters, revisions only where needed), on scripted HTTP answers.

The answers mimic Directus 12.4.0's: the e2e test (tests/e2e/test_audit.py) checks the real thing, but with
fewer rows than a page, so paging and chunking are pinned here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from components.directus.client import DirectusClient
from components.ops.audit.source import directus_time, read_activity, read_user_statuses

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 24, 12, 30, 15, 123456, tzinfo=UTC)


def activity(id_: int, user: str, action: str = "create", collection: str = "articles", item: str = "1") -> Any:
    return {
        "id": id_,
        "action": action,
        "collection": collection,
        "item": item,
        "timestamp": f"2026-11-24T10:00:{id_:02d}.000Z",
        "user": user,
        "ip": "127.0.0.1",
        "user_agent": "claude-code/1.0",
        "origin": None,
    }


class FakeDirectus:
    def __init__(self, rows: list[dict[str, Any]], revisions: list[dict[str, Any]] | None = None) -> None:
        self.rows = rows
        self.revisions = revisions or []
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        if request.url.path == "/activity":
            users = params["filter[user][_in]"].split(",")
            mine = [r for r in self.rows if r["user"] in users]
            limit, page = int(params["limit"]), int(params["page"])
            return httpx.Response(200, json={"data": mine[(page - 1) * limit : page * limit]})
        if request.url.path == "/revisions":
            wanted = {int(a) for a in params["filter[activity][_in]"].split(",")}
            return httpx.Response(200, json={"data": [r for r in self.revisions if r["activity"] in wanted]})
        if request.url.path == "/users":
            ids = params["filter[id][_in]"].split(",")
            return httpx.Response(200, json={"data": [{"id": i, "status": "active"} for i in ids]})
        return httpx.Response(404)

    def client(self) -> DirectusClient:
        return DirectusClient(
            "http://directus.test", "admin-token-1234567890", transport=httpx.MockTransport(self.handler)
        )


def test_filters_by_users_and_period_and_reads_every_page_in_id_order() -> None:
    fake = FakeDirectus([activity(i, "u1") for i in range(1, 6)] + [activity(9, "u-other")])
    rows = read_activity(fake.client(), ["u1"], SINCE, UNTIL, page_size=2)
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    pages = [r for r in fake.requests if r.url.path == "/activity"]
    assert [r.url.params["page"] for r in pages] == ["1", "2", "3"]
    first = pages[0].url.params
    assert first["sort"] == "id"
    assert first["filter[timestamp][_gte]"] == "2026-11-01T00:00:00.000Z"
    assert first["filter[timestamp][_lt]"] == "2026-11-24T12:30:15.123Z"
    assert rows[0].timestamp == datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC)
    assert rows[0].user_agent == "claude-code/1.0"
    assert not any(r.url.path == "/revisions" for r in fake.requests)  # no self-update: no revision read


def test_revisions_are_read_only_for_updates_of_a_user_by_itself() -> None:
    rows = [
        activity(1, "u1", "update", "directus_users", item="u1"),  # a suspension after failed logins
        activity(2, "u1", "update", "articles"),
    ]
    fake = FakeDirectus(rows, revisions=[{"activity": 1, "delta": {"status": "suspended"}}])
    found = read_activity(fake.client(), ["u1"], SINCE, UNTIL)
    assert [r.is_self_suspension for r in found] == [True, False]
    [revisions] = [r for r in fake.requests if r.url.path == "/revisions"]
    assert revisions.url.params["filter[activity][_in]"] == "1"


def test_many_users_are_queried_in_chunks_and_no_users_means_no_request() -> None:
    fake = FakeDirectus([activity(1, "u0"), activity(2, "u150")])
    users = [f"u{i}" for i in range(250)]
    assert [r.user for r in read_activity(fake.client(), users, SINCE, UNTIL)] == ["u0", "u150"]
    assert len([r for r in fake.requests if r.url.path == "/activity"]) == 3
    assert len(read_user_statuses(fake.client(), users)) == 250
    empty = FakeDirectus([])
    assert read_activity(empty.client(), [], SINCE, UNTIL) == [] and empty.requests == []


def test_directus_time_is_utc_with_milliseconds() -> None:
    assert directus_time(datetime(2026, 3, 29, 3, 0, 0, 999999, tzinfo=UTC)) == "2026-03-29T03:00:00.999Z"
