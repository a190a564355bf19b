"""MCP OAuth end to end on a real Directus started with the OAuth environment, and flows that escalate.

An ``auth: oauth`` member gets no static token; its client registers by DCR, the consent is approved as the
member's dedicated user (``approve_consent``), the code is exchanged with the PKCE verifier, and the OAuth token
works on ``/mcp``. Disabling the member with ``up`` ends it (401) and removes the consent. ``drift`` flags a
consent approved by the admin user, and a manual flow that runs with full access.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.mcp import McpError, call_tool, list_tools, rpc
from components.directus.oauth import read_oauth
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.names import APPROVAL_USER_AGENT
from components.ops.audit.run import run_audit
from components.ops.drift.render import to_markdown
from components.ops.drift.run import run_drift
from components.ops.onboarding.oauth_consent import approve_consent
from tests.helpers.directus import require
from tests.helpers.oauth import (
    approve_as,
    exchange,
    oauth_environment,
    register_and_authorize,
)
from tests.helpers.stacks import make_stack, set_values

STACK = "oauth"
MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content", "auth": "oauth"},
    {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
]


@pytest.fixture(scope="module")
def oauth_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    require(server.directus_cli().exists(), f"Directus is not installed at {server.directus_cli()}")
    port = server.free_port()
    data_dir = tmp_path_factory.mktemp("oauth-directus")
    instance = server.start(data_dir, port=port, fresh=True, extra_env=oauth_environment(port))
    try:
        with DirectusClient(instance.url, instance.admin_token) as client:
            ensure_demo_collections(client)
        yield instance
    finally:
        server.stop(instance)


@pytest.fixture(scope="module")
def deployed(oauth_directus: server.DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> auto.Stack:
    templates = {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}}
    # The OAuth switches are stack settings (`mcp.oauth`): `up` turns them on, as a user's stack would.
    mcp = {"enabled": True, "allowDeletes": False, "oauth": {"enabled": True, "dynamicClientRegistration": True}}
    stack = make_stack(
        oauth_directus, tmp_path_factory.mktemp("oauth-stack"), STACK, members=MEMBERS, templates=templates, mcp=mcp
    )
    stack.up(color="never")
    return stack


@pytest.fixture
def admin(oauth_directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(oauth_directus.url, oauth_directus.admin_token) as client:
        yield client


def member(stack: auto.Stack, name: str) -> dict[str, Any]:
    return dict(stack.outputs()["members"].value[name])


def admin_password(directus: server.DirectusInstance) -> str:
    values = dict(line.split("=", 1) for line in (directus.data_dir / "instance.env").read_text().splitlines())
    return values["ADMIN_PASSWORD"]


def test_an_oauth_member_connects_by_oauth_and_disabling_it_ends_the_token_and_the_consent(
    oauth_directus: server.DirectusInstance,
    deployed: auto.Stack,
    admin: DirectusClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = oauth_directus.url
    john = member(deployed, "john")
    assert john["auth"] == "oauth"
    assert "john" not in deployed.outputs()["tokens"].value  # no static token for an OAuth member
    user = admin.get(f"/users/{john['userId']}", {"fields": "token,status"})
    assert user["token"] is None

    pending = register_and_authorize(url, "john's assistant")
    browsers: list[httpx.Client] = []

    class RecordedBrowser(httpx.Client):  # keeps the approval's session cookie for the check below
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if self.headers.get("user-agent") == APPROVAL_USER_AGENT:
                browsers.append(self)

    monkeypatch.setattr(httpx, "Client", RecordedBrowser)
    run = approve_consent(admin, url, john["userId"], john["mcpEmail"], pending.url)
    monkeypatch.undo()
    assert [status for _, _, status in run.steps] == [200, 200, 302], run.steps
    token_answer = exchange(url, pending, run.redirect)
    assert token_answer.status_code == 200, token_answer.text
    assert token_answer.json()["scope"] == "mcp:access"
    access_token = token_answer.json()["access_token"]

    mcp = f"{url}/mcp"
    assert "items" in list_tools(mcp, access_token)
    read = call_tool(mcp, access_token, "items", {"action": "read", "collection": "articles"})
    assert not read.is_error, read.text
    refused = call_tool(mcp, access_token, "items", {"action": "read", "collection": "internal_notes"})
    assert refused.is_error  # the OAuth token carries john's least-privilege policy, nothing more
    listing = read_oauth(admin)
    assert [(g.kind, g.client) for g in listing.grants_of(john["userId"])] == [("token", pending.client_id)]
    # The one-time password left no password and no password session behind: only the OAuth session is alive.
    assert admin.get(f"/users/{john['userId']}", {"fields": "password"})["password"] is None  # not even a mask
    (browser,) = browsers
    assert browser.cookies.get("directus_session_token"), "the approval logged in with a session"
    session_me = httpx.get(f"{url}/users/me", cookies=browser.cookies)
    assert session_me.status_code == 401, session_me.text

    set_values(deployed, members=[{**MEMBERS[0], "enabled": False}, MEMBERS[1]])
    deployed.up(color="never")

    with pytest.raises(McpError) as refused_after:
        rpc(mcp, access_token, "tools/list")
    assert refused_after.value.status == 401
    assert read_oauth(admin).grants_of(john["userId"]) == []  # the token is gone
    # john's client is deleted: the database cascades to its consent (which no API lets anyone read).
    assert pending.client_id not in {c.client_id for c in read_oauth(admin).clients}
    # ... and the audit of the period still lists its registration (Directus kept no trace; the tool recorded it).
    registered = [line for line in run_audit(deployed, days=1).oauth_clients or [] if pending.client_id in line]
    assert len(registered) == 1, registered
    assert "'john's assistant'" in registered[0] or '"john\'s assistant"' in registered[0]
    assert "deleted by mcp-access" in registered[0]


def test_drift_flags_a_consent_approved_by_the_admin_user(
    oauth_directus: server.DirectusInstance, deployed: auto.Stack, admin: DirectusClient
) -> None:
    url = oauth_directus.url
    pending = register_and_authorize(url, "personal claude")
    redirect = approve_as(url, "admin@example.com", admin_password(oauth_directus), pending.url)
    assert exchange(url, pending, redirect).status_code == 200
    try:
        report = run_drift(deployed, warn_days=1)
        flagged = [f for f in report.oauth if f.kind == "oauth-admin-grant"]
        assert {f.subject for f in flagged} == {"admin@example.com"}
        assert any("OAuth token" in f.message and "'personal claude'" in f.message for f in flagged)
        assert any("admin rights" in f.message for f in flagged)
        text = to_markdown(report)
        assert "### OAuth grants" in text and "personal claude" in text
        (Path(__file__).parent.parent.parent / "reports").mkdir(exist_ok=True)
        (Path(__file__).parent.parent.parent / "reports" / "drift-oauth-sample.md").write_text(text)
        assert report.exit_code == 1
    finally:
        admin.delete("/mcp-oauth/clients", pending.client_id)
    assert not [f for f in run_drift(deployed, warn_days=1).oauth if f.kind == "oauth-admin-grant"]


def test_a_manual_flow_with_full_access_lets_a_member_act_beyond_its_policy_and_drift_names_it(
    oauth_directus: server.DirectusInstance, deployed: auto.Stack, admin: DirectusClient
) -> None:
    """sarah (analysis: read only, no internal_notes) triggers a flow whose item-create runs with full access."""
    url = oauth_directus.url
    sarah = member(deployed, "sarah")
    token = deployed.outputs()["tokens"].value["sarah"]
    policy = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP analysis ({STACK})"}}, fields=["id"])[0]
    flow = admin.create(
        "/flows",
        {
            "name": "Stamp a note",
            "status": "active",
            "trigger": "manual",
            "accountability": "all",
            "options": {"collections": ["articles"], "requireSelection": False},
        },
    )
    operation = admin.create(
        "/operations",
        {
            "flow": flow["id"],
            "key": "write_note",
            "name": "Write note",
            "type": "item-create",
            "position_x": 19,
            "position_y": 1,
            "options": {
                "collection": "internal_notes",
                "permissions": "$full",
                "payload": {"title": "written by a flow"},
            },
        },
    )
    admin.update("/flows", flow["id"], {"operation": operation["id"]})
    reader = admin.create(
        "/permissions",
        {
            "policy": policy["id"],
            "collection": "directus_flows",
            "action": "read",
            "fields": ["*"],
            "permissions": {},
            "validation": {},
        },
    )
    try:
        mcp = f"{url}/mcp"
        assert call_tool(
            mcp, token, "items", {"action": "create", "collection": "internal_notes", "data": {"title": "direct"}}
        ).is_error
        before = len(admin.list_objects("/items/internal_notes", fields=["id"]))
        result = call_tool(mcp, token, "trigger-flow", {"id": flow["id"], "collection": "articles", "keys": []})
        assert not result.is_error, result.text
        notes = admin.list_objects("/items/internal_notes", fields=["id", "title"])
        assert len(notes) == before + 1 and notes[-1]["title"] == "written by a flow"

        report = run_drift(deployed, warn_days=1)
        messages = [f.message for f in report.flows]
        assert any(
            "member sarah" in m and "'Stamp a note'" in m and "'write_note'" in m and "full access" in m
            for m in messages
        ), messages
        assert report.exit_code == 1
        (Path(__file__).parent.parent.parent / "reports" / "drift-flow-sample.md").write_text(to_markdown(report))
        assert "escalatingFlows" in json.dumps({"escalatingFlows": [f.as_dict() for f in report.flows]})
    finally:
        admin.delete("/permissions", reader["id"])
        admin.delete("/flows", flow["id"])
    assert run_drift(deployed, warn_days=1).flows == []
    assert sarah["auth"] == "token"
    assert httpx.get(f"{url}/server/ping").status_code == 200
