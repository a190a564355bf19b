"""What ``expire`` ends, and that it patches only what still differs (so a second run changes nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from components.directus.client import DirectusClient
from components.model.stack_config import StackConfig, parse_config
from components.ops.expire.plan import due
from components.ops.expire.run import expire_due

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
ROLES = {"content": "role-content", "developer": "role-dev"}


def stack() -> StackConfig:
    members = [
        {"name": "kim", "email": "kim@company.com", "template": "content", "expires": "2027-03-01"},
        {"name": "lee", "email": "lee@company.com", "template": "content"},
        {"name": "max", "email": "max@company.com", "template": "content", "expires": "2027-06-01"},
        {"name": "new", "email": "new@company.com", "template": "content", "expires": "2027-01-01"},
    ]
    elevations = [
        {"member": "lee", "template": "developer", "until": "2027-03-10T11:00:00Z", "reason": "migration"},
        {"member": "max", "template": "developer", "until": "2027-03-10T14:00:00Z", "reason": "still running"},
    ]
    return parse_config(
        {"directusUrl": "https://c.example.com", "members": members, "elevations": elevations},
        templates=["content", "developer"],
    )


DEPLOYED = {
    name: {"userId": f"u-{name}", "mcpEmail": f"ai-{name}@company.com"} for name in ("kim", "lee", "max")
}  # `new` was never applied: `up` creates it as the code says


def test_due_names_expired_members_and_ended_elevations_only() -> None:
    found = {d.member: d for d in due(stack(), DEPLOYED, ROLES, NOW)}
    assert sorted(found) == ["kim", "lee"]
    assert found["kim"].expired_at == datetime(2027, 3, 1, tzinfo=UTC) and found["kim"].role_id is None
    assert found["lee"].expired_at is None and found["lee"].role_id == "role-content"
    assert found["kim"].words() == (
        "member kim (ai-kim@company.com) expired on 2027-03-01T00:00:00+00:00: user suspended, static token cleared"
    )
    assert found["lee"].words() == (
        "member lee (ai-lee@company.com) elevation to developer ended 2027-03-10T11:00:00+00:00: own role back"
    )


class FakeDirectus:
    """Records requests; users as Directus returns them (token masked when set)."""

    def __init__(self, users: dict[str, dict[str, Any]]) -> None:
        self.users = users
        self.requests: list[tuple[str, str]] = []

    def list_objects(self, path: str, **query: Any) -> list[dict[str, Any]]:
        self.requests.append(("GET", path))
        if path == "/mcp-oauth/clients":
            return []
        wanted = query["filter"]["id"]["_in"]
        return [dict(self.users[i], id=i) for i in wanted if i in self.users]

    def update(self, path: str, id_: str, body: dict[str, Any]) -> None:
        self.requests.append(("PATCH", f"{path}/{id_}"))
        self.users[id_].update(body)

    def delete(self, path: str, id_: str) -> None:
        self.requests.append(("DELETE", f"{path}/{id_}"))


def test_one_patch_per_member_then_nothing_left_to_do() -> None:
    fake = FakeDirectus(
        {
            "u-kim": {"status": "active", "token": "**********", "role": "role-content"},
            "u-lee": {"status": "active", "token": "**********", "role": "role-dev"},
        }
    )
    items = due(stack(), DEPLOYED, ROLES, NOW)
    client: DirectusClient = fake  # type: ignore[assignment]
    first = expire_due(client, "team", items, NOW)
    assert [d.member for d in first.ended] == ["kim", "lee"]
    patches = [r for r in fake.requests if r[0] == "PATCH"]
    assert patches == [("PATCH", "/users/u-kim"), ("PATCH", "/users/u-lee")]
    assert fake.users["u-kim"] == {"status": "suspended", "token": None, "role": "role-content"}
    assert fake.users["u-lee"] == {"status": "active", "token": "**********", "role": "role-content"}
    fake.requests.clear()
    second = expire_due(client, "team", items, NOW)
    assert second.ended == [] and [d.member for d in second.unchanged] == ["kim", "lee"]
    assert [r for r in fake.requests if r[0] != "GET"] == []
    assert second.lines()[-1].startswith("expire (stack 'team', now 2027-03-10T12:00:00+00:00): ended 0 members in ")
