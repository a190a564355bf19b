"""End to end: the real Pulumi CLI (through the Automation API) against a real Directus, proven through MCP."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError
from components.directus.mcp import McpError, call_tool, initialize, list_tools
from components.localdev.server import DirectusInstance
from tests.helpers.stacks import set_values

pytestmark = pytest.mark.core  # also run on PostgreSQL + Redis and on Directus 11.x


def test_up_gives_a_working_mcp_user_and_destroy_revokes_it(
    stack: auto.Stack, directus: DirectusInstance, admin: DirectusClient
) -> None:
    state_dir = Path(stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    result = stack.up(color="never")
    assert result.summary.result == "succeeded"
    john = result.outputs["members"].value["john"]
    token = result.outputs["tokens"].value["john"]
    mcp_url = result.outputs["mcpUrl"].value
    assert mcp_url == f"{directus.url}/mcp"
    assert john["mcpEmail"] == "ai-john@company.com"

    # The user: active, with the role of its template, no admin and no app access (no Data Studio, no seat).
    user = admin.get_by_id("/users", john["userId"], fields=["email", "status", "role.name", "tags"])
    assert user is not None and user["status"] == "active" and user["role"] == {"name": "MCP content (e2e)"}
    with DirectusClient(directus.url, token) as as_john:
        assert as_john.get("/policies/me/globals") == {"admin_access": False, "app_access": False, "enforce_tfa": False}

    # Through MCP, with that token: tools answer, the demo collection reads, anything else is refused.
    assert initialize(mcp_url, token)["serverInfo"]["name"]
    assert {"items", "schema"} <= set(list_tools(mcp_url, token))
    read = call_tool(mcp_url, token, "items", {"action": "read", "collection": "articles"})
    assert not read.is_error
    assert {"Welcome to Directus", "Rotate your tokens"} <= {row["title"] for row in read.json()["raw"]}
    refused = call_tool(mcp_url, token, "items", {"action": "read", "collection": "internal_notes"})
    assert refused.is_error and "FORBIDDEN" in refused.text
    write = call_tool(
        mcp_url, token, "items", {"action": "create", "collection": "internal_notes", "data": {"title": "x"}}
    )
    assert write.is_error

    # Neither the generated token nor the provisioning token is in the state in plaintext.
    # (The Automation API's export_stack() adds --show-secrets, so run the CLI's plain `pulumi stack export`.)
    workspace = stack.workspace
    exported = workspace.pulumi_command.run(
        ["stack", "export", "--stack", stack.name], workspace.work_dir, workspace.env_vars
    ).stdout
    assert '"ciphertext"' in exported
    state_files = "".join(p.read_text() for p in state_dir.rglob("*.json"))
    for text in (exported, state_files):
        assert token not in text
        assert directus.admin_token not in text

    # The pickled providers in `__provider` carry no credential either (they are pickled by reference).
    full = stack.export_stack().deployment  # the Automation API decrypts secrets here
    providers = [r["inputs"]["__provider"] for r in full["resources"] if "__provider" in r.get("inputs", {})]
    assert providers and all(directus.admin_token not in str(p) and token not in str(p) for p in providers)
    assert all(len(str(p)) < 400 for p in providers)

    # A second up with nothing changed changes nothing.
    again = stack.up(color="never")
    assert set(again.summary.resource_changes or {}) == {"same"}

    stack.destroy(color="never")
    with pytest.raises(DirectusAuthError):
        admin.whoami(token)
    with pytest.raises(McpError) as caught:
        initialize(mcp_url, token)
    assert caught.value.status == 401
    assert admin.list_objects("/users", filter={"email": {"_eq": "ai-john@company.com"}}) == []
    assert admin.list_objects("/policies", filter={"name": {"_contains": "(e2e)"}}) == []
    assert admin.list_objects("/roles", filter={"name": {"_contains": "(e2e)"}}) == []


def test_bad_config_fails_before_any_change(stack: auto.Stack, admin: DirectusClient) -> None:
    users_before = admin.list_objects("/users", fields=["id"])
    stack.set_config(
        "directus-mcp-access:members",
        auto.ConfigValue(
            '[{"name": "john", "email": "john@", "template": "content"},'
            ' {"name": "eve", "email": "eve@company.com", "template": "content"}]'
        ),
    )
    stack.set_config("directus-mcp-access:ipAllowlist", auto.ConfigValue('["10.0.0.300"]'))
    with pytest.raises(auto.CommandError) as caught:
        stack.up(color="never")
    message = str(caught.value)
    assert "members[0].email: 'john@' is not a valid email address" in message
    assert "ipAllowlist: '10.0.0.300' is not an IP address or CIDR" in message
    assert admin.list_objects("/users", fields=["id"]) == users_before


def test_guardrails_and_the_live_schema_stop_up_before_any_change(stack: auto.Stack, admin: DirectusClient) -> None:
    users_before = admin.list_objects("/users", fields=["id"])
    roles_before = admin.list_objects("/roles", fields=["id"])
    set_values(
        stack,
        members=[
            {"name": "john", "email": "john@company.com", "template": "content"},
            {"name": "lee", "email": "lee@company.com", "template": "developer"},
        ],
        templates={"content": {"collections": ["articles", "artciles"]}},
    )
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    assert "role template 'developer' needs admin_access" in str(caught.value)
    assert "(used by lee)" in str(caught.value)

    set_values(stack, members=[{"name": "john", "email": "john@company.com", "template": "content"}])
    with pytest.raises(auto.CommandError) as caught:
        stack.up(color="never")
    assert "templates.content.collections[1]: collection 'artciles' does not exist in the Directus at " in str(
        caught.value
    )
    assert admin.list_objects("/users", fields=["id"]) == users_before
    assert admin.list_objects("/roles", fields=["id"]) == roles_before
