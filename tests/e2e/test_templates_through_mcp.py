"""The role templates proven through Directus's MCP endpoint, with each member's own token.

One stack (content member john, analysis member sarah) is brought up once; the tests then change its config
and run ``up`` in order, as a team would over time. Every assertion is about what an AI assistant connected
with that member's token can or cannot do.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError, DirectusForbiddenError
from components.directus.mcp import McpError, ToolResult, call_tool, initialize, list_tools
from components.localdev.server import DirectusInstance
from components.model.stack_config import ConfigError
from components.ops.onboarding.render import client_config, render_onboarding
from components.ops.onboarding.run import onboarding_info
from tests.helpers.directus import DirectusChoice
from tests.helpers.stacks import make_stack, planned_changes, set_values

pytestmark = pytest.mark.core  # also run on PostgreSQL + Redis and on Directus 11.x

ANALYTICS = "page_views"
TEMPLATES = {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles", ANALYTICS]}}
MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content"},
    {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
]


@dataclass
class Assistant:
    """An AI assistant connected through MCP with one member's token."""

    url: str
    token: str

    def call(self, tool: str, **arguments: Any) -> ToolResult:
        return call_tool(self.url, self.token, tool, arguments)

    def items(self, action: str, collection: str, **arguments: Any) -> ToolResult:
        return self.call("items", action=action, collection=collection, **arguments)


def rows(result: ToolResult) -> list[dict[str, Any]]:
    assert not result.is_error, result.text
    data = result.json()
    data = data.get("raw", data.get("data", data)) if isinstance(data, dict) else data
    return data if isinstance(data, list) else [data]


@pytest.fixture(scope="module")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local web server with one small file, for the MCP files tool's import (Directus fetches the URL)."""
    root = tmp_path_factory.mktemp("files")
    (root / "brief.txt").write_text("A brief uploaded through MCP.\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/brief.txt"
    server.shutdown()


@pytest.fixture(scope="module")
def team(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    with DirectusClient(directus.url, directus.admin_token) as admin:
        if ANALYTICS not in {c["collection"] for c in admin.list_objects("/collections", fields=["collection"])}:
            admin.create(
                "/collections",
                {
                    "collection": ANALYTICS,
                    "schema": {},
                    "fields": [
                        {
                            "field": "id",
                            "type": "integer",
                            "schema": {"is_primary_key": True, "has_auto_increment": True},
                        },
                        {"field": "path", "type": "string", "schema": {}},
                    ],
                },
            )
            admin.create_many(f"/items/{ANALYTICS}", [{"path": "/"}, {"path": "/pricing"}])
    stack = make_stack(directus, tmp_path_factory.mktemp("team"), "team", templates=TEMPLATES, members=MEMBERS)
    stack.up(color="never")
    yield stack
    stack.destroy(color="never")


def assistant(stack: auto.Stack, member: str) -> Assistant:
    outputs = stack.outputs()
    return Assistant(outputs["mcpUrl"].value, outputs["tokens"].value[member])


def test_outputs_per_member(team: auto.Stack, directus: DirectusInstance, admin: DirectusClient) -> None:
    members = team.outputs()["members"].value
    john = members["john"]
    assert john["mcpEmail"] == "ai-john@company.com"
    assert john["template"] == "content"
    assert john["mcpUrl"] == f"{directus.url}/mcp"
    assert john["rotationDue"] > "2026"
    user = admin.get_by_id("/users", john["userId"], fields=["role.name", "status"])
    assert user == {"role": {"name": "MCP content (team)"}, "status": "active"}
    for name in ("john", "sarah"):
        token = team.outputs()["tokens"].value[name]
        with DirectusClient(directus.url, token) as as_member:
            assert as_member.get("/policies/me/globals") == {
                "admin_access": False,
                "app_access": False,
                "enforce_tfa": False,
            }


def test_content_member_reads_creates_updates_and_uploads(team: auto.Stack, file_server: str) -> None:
    john = assistant(team, "john")
    assert "Welcome to Directus" in {row["title"] for row in rows(john.items("read", "articles"))}

    created = rows(john.items("create", "articles", data={"title": "Drafted by an assistant"}))
    article_id = created[0]["id"] if isinstance(created[0], dict) else created[0]
    updated = john.items("update", "articles", keys=[article_id], data={"body": "Edited through MCP"})
    assert not updated.is_error, updated.text
    check = rows(john.items("read", "articles", keys=[article_id]))
    assert check[0]["body"] == "Edited through MCP"

    uploaded = john.call("files", action="import", data=[{"url": file_server, "file": {"title": "MCP brief"}}])
    assert not uploaded.is_error, uploaded.text
    files = rows(john.call("files", action="read", query={"filter": {"title": {"_eq": "MCP brief"}}}))
    assert files and files[0]["title"] == "MCP brief"


def test_content_member_cannot_read_other_collections_nor_user_data(
    team: auto.Stack, directus: DirectusInstance
) -> None:
    john = assistant(team, "john")
    for collection in ("internal_notes", ANALYTICS):
        refused = john.items("read", collection)
        assert refused.is_error and "FORBIDDEN" in refused.text, (collection, refused.text)
    assert john.items("read", "directus_users").is_error
    with DirectusClient(directus.url, john.token) as as_john, pytest.raises(DirectusForbiddenError):
        as_john.list_objects("/users", fields=["email"])


def test_analysis_member_reads_its_collections_and_every_write_fails(team: auto.Stack, file_server: str) -> None:
    sarah = assistant(team, "sarah")
    assert rows(sarah.items("read", "articles"))
    assert {row["path"] for row in rows(sarah.items("read", ANALYTICS))} == {"/", "/pricing"}
    assert sarah.items("read", "internal_notes").is_error

    first = rows(sarah.items("read", "articles"))[0]["id"]
    attempts = [
        sarah.items("create", "articles", data={"title": "not allowed"}),
        sarah.items("update", "articles", keys=[first], data={"title": "not allowed"}),
        sarah.items("delete", "articles", keys=[first]),
        sarah.items("create", ANALYTICS, data={"path": "/x"}),
        sarah.call("files", action="import", data=[{"url": file_server}]),
    ]
    assert all(result.is_error for result in attempts), [r.text for r in attempts]


def create_article(member: Assistant, title: str) -> Any:
    created = rows(member.items("create", "articles", data={"title": title}))[0]
    return created["id"] if isinstance(created, dict) else created


def article_exists(article_id: Any, admin: DirectusClient) -> bool:
    return bool(admin.list_objects("/items/articles", filter={"id": {"_eq": article_id}}, fields=["id"]))


def test_delete_is_refused_while_the_stack_has_deletes_off_and_allowed_once_on(
    team: auto.Stack, admin: DirectusClient
) -> None:
    john, sarah = assistant(team, "john"), assistant(team, "sarah")
    victim = create_article(john, "to be deleted")
    refused = john.items("delete", "articles", keys=[victim])
    assert refused.is_error, refused.text
    assert article_exists(victim, admin)

    set_values(team, mcp={"enabled": True, "allowDeletes": True})
    changes = planned_changes(team)
    assert {name: op for name, (op, _) in changes.items()} == {
        "mcp-settings": "update",
        "content-permissions": "update",
    }
    team.up(color="never")
    deleted = john.items("delete", "articles", keys=[victim])
    assert not deleted.is_error, deleted.text
    assert not article_exists(victim, admin)
    # The analysis template never grants delete, whatever the stack allows.
    assert sarah.items("delete", "articles", keys=[create_article(john, "kept")]).is_error

    set_values(team, mcp={"enabled": True, "allowDeletes": False})
    team.up(color="never")
    kept = create_article(john, "kept again")
    assert john.items("delete", "articles", keys=[kept]).is_error
    assert article_exists(kept, admin)


def test_changing_a_templates_collections_changes_what_mcp_allows_and_nothing_else(team: auto.Stack) -> None:
    john = assistant(team, "john")
    assert john.items("read", ANALYTICS).is_error

    set_values(team, templates={**TEMPLATES, "content": {"collections": ["articles", ANALYTICS]}})
    changes = planned_changes(team)
    assert {name: op for name, (op, _) in changes.items()} == {"content-permissions": "update"}
    result = team.up(color="never")
    assert dict(result.summary.resource_changes or {}).get("update") == 1
    assert not {"create", "delete", "replace"} & set(result.summary.resource_changes or {})

    assert {row["path"] for row in rows(john.items("read", ANALYTICS))} == {"/", "/pricing"}
    assert not john.items("create", ANALYTICS, data={"path": "/new"}).is_error
    assert assistant(team, "john").token == john.token  # the token was not replaced


def test_onboarding_config_connects_as_the_member(team: auto.Stack, directus_choice: DirectusChoice) -> None:
    info = onboarding_info(team, "john")
    assert (info.mcp_email, info.template, info.allow_deletes) == ("ai-john@company.com", "content", False)
    server = json.loads(client_config(info, "cursor"))["mcpServers"]["directus-team"]
    token = server["headers"]["Authorization"].removeprefix("Bearer ")
    pasted = Assistant(server["url"], token)
    assert rows(pasted.items("read", "articles"))
    argv = shlex.split(client_config(info, "claude-code"))
    assert argv[argv.index("--header") + 1] == f"Authorization: Bearer {token}"
    text = render_onboarding(info, "claude-desktop")
    assert "ai-john@company.com" in text and "'Always allow'" in text
    assert "Deletes are **off**" in text
    # The URL-token form (ChatGPT, Claude connectors, Raycast): no header, the token as ?access_token=.
    (line,) = [line for line in client_config(info, "raycast").splitlines() if line.startswith("URL: ")]
    url_with_token = line.removeprefix("URL: ")
    assert url_with_token == f"{info.mcp_url}?access_token={token}"
    assert "items" in list_tools(url_with_token, None)
    with pytest.raises(McpError) as refused:  # the bare URL without the token is refused
        list_tools(info.mcp_url, None)
    # Directus 12 answers 401 (its WWW-Authenticate names the OAuth resource metadata); 11.17.4 answers 403.
    assert refused.value.status == (403 if directus_choice.line == "11" else 401)
    if directus_choice.line == "11":
        return  # ?tool_mode=registry exists from Directus 12.3: 11.x ignores it
    # Registry tool mode: only search, execute and schema, in both forms.
    registry = replace(info, tool_mode="registry")
    cursor_url = json.loads(client_config(registry, "cursor"))["mcpServers"]["directus-team"]["url"]
    assert cursor_url == f"{info.mcp_url}?tool_mode=registry"
    assert sorted(list_tools(cursor_url, token)) == ["execute", "schema", "search"]
    (line,) = [line for line in client_config(registry, "chatgpt").splitlines() if "URL: " in line]
    assert sorted(list_tools(line.split("URL: ", 1)[1], None)) == ["execute", "schema", "search"]
    with pytest.raises(ConfigError, match=r"member 'nobody' is not in stack 'team' \(members: john, sarah\)"):
        onboarding_info(team, "nobody")


def test_moving_a_member_to_another_template_changes_only_its_user(team: auto.Stack) -> None:
    sarah = assistant(team, "sarah")
    assert sarah.items("create", "articles", data={"title": "not yet"}).is_error

    set_values(team, members=[MEMBERS[0], {**MEMBERS[1], "template": "content"}])
    changes = planned_changes(team)
    assert {name: op for name, (op, _) in changes.items()} == {"sarah-user": "update"}
    team.up(color="never")
    assert not sarah.items("create", "articles", data={"title": "now allowed"}).is_error
    assert team.outputs()["members"].value["sarah"]["template"] == "content"

    set_values(team, members=MEMBERS)
    team.up(color="never")
    assert sarah.items("create", "articles", data={"title": "not any more"}).is_error


def test_a_second_up_reports_no_changes(team: auto.Stack) -> None:
    result = team.up(color="never")
    assert set(result.summary.resource_changes or {}) == {"same"}
    assert planned_changes(team) == {}


def test_disabling_a_member_suspends_the_user_and_revokes_the_token(team: auto.Stack, admin: DirectusClient) -> None:
    sarah = assistant(team, "sarah")
    set_values(team, members=[MEMBERS[0], {**MEMBERS[1], "enabled": False}])
    team.up(color="never")
    with pytest.raises(McpError) as caught:
        initialize(sarah.url, sarah.token)
    assert caught.value.status == 401
    user = admin.list_objects(
        "/users", filter={"email": {"_eq": "ai-sarah@company.com"}}, fields=["id", "status", "token"]
    )
    assert [(u["status"], u["token"]) for u in user] == [("suspended", None)]  # token cleared, not only suspended
    assert "sarah" not in team.outputs()["tokens"].value
    # Re-activated by hand in the app, the user must not get its old token back.
    admin.update("/users", user[0]["id"], {"status": "active"})
    with pytest.raises(McpError) as revived:
        initialize(sarah.url, sarah.token)
    assert revived.value.status == 401
    admin.update("/users", user[0]["id"], {"status": "suspended"})

    set_values(team, members=MEMBERS)
    team.up(color="never")
    assert rows(assistant(team, "sarah").items("read", "articles"))


def test_removing_a_member_revokes_the_token_and_removes_the_user(team: auto.Stack, admin: DirectusClient) -> None:
    sarah = assistant(team, "sarah")
    john = assistant(team, "john")
    set_values(team, members=[MEMBERS[0]])
    team.up(color="never")
    with pytest.raises(McpError) as caught:
        initialize(sarah.url, sarah.token)
    assert caught.value.status == 401
    with pytest.raises(DirectusAuthError):
        admin.whoami(sarah.token)
    assert admin.list_objects("/users", filter={"email": {"_eq": "ai-sarah@company.com"}}) == []
    assert rows(john.items("read", "articles"))  # the others keep working
    assert set(team.outputs()["members"].value) == {"john"}


def test_removing_a_member_who_uploaded_files_revokes_access_and_keeps_the_files(
    team: auto.Stack, admin: DirectusClient
) -> None:
    """Directus will not delete a user that files point to: the user is kept archived and powerless."""
    john = assistant(team, "john")
    user_id = team.outputs()["members"].value["john"]["userId"]
    uploads = admin.list_objects("/files", filter={"uploaded_by": {"_eq": user_id}}, fields=["id"])
    assert uploads, "john uploaded a file in an earlier test"

    set_values(team, members=[])
    team.up(color="never")
    with pytest.raises(McpError) as caught:
        initialize(john.url, john.token)
    assert caught.value.status == 401
    user = admin.get_by_id("/users", user_id, fields=["status", "role", "token", "tags", "policies"])
    assert user is not None
    assert (user["status"], user["role"], user["token"], user["policies"]) == ("archived", None, None, [])
    assert "removed-by:directus-mcp-access" in user["tags"]
    assert admin.list_objects("/files", filter={"uploaded_by": {"_eq": user_id}}, fields=["id"]) == uploads

    set_values(team, members=[MEMBERS[0]])
    team.up(color="never")
    assert team.outputs()["members"].value["john"]["userId"] == user_id  # the same user, adopted back
    assert rows(assistant(team, "john").items("read", "articles"))
