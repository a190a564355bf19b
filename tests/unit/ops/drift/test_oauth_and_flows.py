"""drift's OAuth and flow rules on hand-built listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from components.directus.oauth import OAuthClient, OAuthGrant, OAuthListing
from components.ops.drift.flows import escalating_flows
from components.ops.drift.oauth import OAuthMembers, oauth_findings
from tests.unit.ops.drift.test_scan import DECLARED, live

NOW = datetime(2026, 11, 24, tzinfo=UTC)
USERS = [
    {"id": "u-admin", "email": "admin@x.com", "status": "active", "role": "r-admin"},
    {"id": "u-john", "email": "ai-john@x.com", "status": "active", "role": "r-content"},
    {"id": "u-old", "email": "ai-old@x.com", "status": "archived", "tags": ["mcp-stack:prod"]},
    {"id": "u-eve", "email": "eve@x.com", "status": "active"},
    {"id": "u-sue", "email": "ai-sue@x.com", "status": "suspended", "role": "r-content"},
]
MEMBERS = OAuthMembers(enabled={"u-john": "john"}, disabled={"u-sue": "sue"})


def grant(kind: str, user: str, client: str = "c1", days_ago: int = 1) -> OAuthGrant:
    return OAuthGrant(kind, f"{kind}-{user}", user, client, NOW - timedelta(days=days_ago))  # type: ignore[arg-type]


def listing(*grants: OAuthGrant, created_days_ago: int = 2) -> OAuthListing:
    clients = [OAuthClient("c1", "claude", "dcr", NOW - timedelta(days=created_days_ago))]
    return OAuthListing(available=True, clients=clients, grants=grants)


def kinds(found: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f.kind, f.subject) for f in found]


def test_member_grants_are_fine_and_everyone_elses_are_flagged_admins_first() -> None:
    grants = [grant("consent", u) for u in ("u-john", "u-admin", "u-eve", "u-sue", "u-old")]
    found = oauth_findings(listing(*grants), live(users=USERS), DECLARED, MEMBERS, now=NOW, unused_days=30)
    assert kinds(found) == [
        ("oauth-admin-grant", "admin@x.com"),
        ("oauth-undeclared-grant", "eve@x.com"),
        ("oauth-disabled-or-removed-member-grant", "ai-sue@x.com"),
        ("oauth-disabled-or-removed-member-grant", "ai-old@x.com"),
    ]
    assert "an assistant acting with admin rights" in found[0].message
    assert "'claude' (c1)" in found[0].message


def test_clients_unused_for_n_days_are_flagged() -> None:
    fresh = listing(grant("token", "u-john", days_ago=3), created_days_ago=60)
    assert oauth_findings(fresh, live(users=USERS), DECLARED, MEMBERS, now=NOW, unused_days=30) == []
    stale = listing(grant("token", "u-john", days_ago=31), created_days_ago=60)
    found = oauth_findings(stale, live(users=USERS), DECLARED, MEMBERS, now=NOW, unused_days=30)
    assert kinds(found) == [("oauth-unused-client", "c1")]
    assert "unused for 31 days" in found[0].message


def flow(permissions: str | None, status: str = "active", trigger: str = "manual") -> dict[str, object]:
    operation = {"key": "op", "type": "item-update", "options": {"collection": "articles", "permissions": permissions}}
    return {"id": "f1", "name": "Publish", "status": status, "trigger": trigger, "operations": [operation]}


def test_flows_that_run_above_the_caller_are_reported_for_members_who_can_read_flows() -> None:
    state = live(users=USERS)
    members = {"u-john": "john"}
    assert escalating_flows([flow("$full")], state, members, ["p-other"]) == []  # john cannot read flows
    found = escalating_flows([flow("$full")], state, members, ["p-content"])
    assert [f.subject for f in found] == ["Publish"]
    assert "member john" in found[0].message and "full access" in found[0].message and "'op'" in found[0].message
    assert "role 'Administrator'" in escalating_flows([flow("r-admin")], state, members, ["p-content"])[0].message
    for harmless in (flow("$trigger"), flow(None), flow("$full", status="inactive"), flow("$full", trigger="event")):
        assert escalating_flows([harmless], state, members, ["p-content"]) == []


DIRECTUS = "https://cms.example.com"


def manual(flow_id: str, *operations: dict[str, object], trigger: str = "manual") -> dict[str, object]:
    return {"id": flow_id, "name": flow_id.title(), "status": "active", "trigger": trigger, "operations": operations}


def test_flows_that_send_requests_or_run_scripts_are_reported_with_what_they_reach() -> None:
    """A `request` carrying an admin token to the Directus API is the worst case; the token itself is never shown."""
    state, members = live(users=USERS), {"u-john": "john"}
    admin_call = {
        "key": "call_api",
        "type": "request",
        "options": {
            "method": "POST",
            "url": f"{DIRECTUS}/users",
            "headers": [{"header": "Authorization", "value": "Bearer admin-secret-token"}],
        },
    }
    internal = {"key": "poke", "type": "request", "options": {"url": "http://10.0.0.5:6379/", "method": "GET"}}
    script = {"key": "script", "type": "exec", "options": {"code": "module.exports = async () => 1"}}
    flows = [manual("api", admin_call), manual("internal", internal), manual("code", script)]
    found = escalating_flows(flows, state, members, ["p-content"], DIRECTUS)
    by_subject = {f.subject: f for f in found}
    assert [(f.kind, f.subject) for f in found] == [
        ("flow-request", "Api"),
        ("flow-request", "Internal"),
        ("flow-exec", "Code"),
    ]
    assert (
        "its operation 'call_api' (request) sends a request to the Directus API itself (POST /users) with the "
        "Authorization header" in by_subject["Api"].message
    )
    assert "the internal address http://10.0.0.5:6379" in by_subject["Internal"].message
    assert "runs its JavaScript on the Directus server" in by_subject["Code"].message
    assert all("admin-secret-token" not in f.message for f in found)
    assert escalating_flows(flows, state, members, ["p-other"], DIRECTUS) == []  # john cannot read flows


def test_a_chain_of_trigger_operations_is_followed_to_what_it_runs() -> None:
    state, members = live(users=USERS), {"u-john": "john"}
    script = {"key": "script", "type": "exec", "options": {"code": "..."}}
    hop = {"key": "next", "type": "trigger", "options": {"flow": "inner"}}
    loop = {"key": "again", "type": "trigger", "options": {"flow": "outer"}}
    flows = [
        manual("outer", {"key": "go", "type": "trigger", "options": {"flow": "middle"}}),
        manual("middle", hop, trigger="operation"),
        manual("inner", script, loop, trigger="operation"),
    ]
    found = escalating_flows(flows, state, members, ["p-content"], DIRECTUS)
    assert [(f.kind, f.subject) for f in found] == [("flow-exec", "Outer")]
    assert "through 'go' (trigger) → flow 'Middle' → 'next' (trigger) → flow 'Inner', its operation 'script'" in (
        found[0].message
    )
