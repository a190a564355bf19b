"""A role template with a field list and an item filter, on both Directus lines.

The template is the project's own (``templates/roles/reader.yaml.j2`` in the stack's project folder), as a team
would add one. On 11.x a filter naming a field that does not exist is refused before any change; ``up`` applies
the template and the member, through MCP, reads only the allowed fields of only the filtered items; a filter
changed by hand is named by ``mcp-access drift`` and put back by ``up``. On an
unlicensed 12.x ("core" tier) ``up`` stops before any change with an error naming template, collection and rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import ToolResult, call_tool
from components.localdev.server import DirectusInstance
from tests.helpers.stacks import make_stack, set_values

pytestmark = pytest.mark.core  # runs on Directus 12.x and 11.x (and on PostgreSQL + Redis)

STACK = "filters"
READER = """\
description: Reads the titles of public articles through MCP (a field list and an item filter).
policy:
  admin_access: false
  app_access: false
  ip_access: {{ ip_allowlist | tojson }}
permissions:
{%- for collection in collections %}
  - collection: {{ collection | tojson }}
    actions: ["read"]
    fields: {{ vars.fields | tojson }}
    filter: {{ vars.filter | tojson }}
{%- endfor %}
{%- for collection in schema_tool_reads %}
  - collection: {{ collection | tojson }}
    actions: ["read"]
{%- endfor %}
"""
FIELDS = ["id", "title"]
PUBLIC_ONLY = {"title": {"_starts_with": "Public:"}}
PUBLIC, PRIVATE = "Public: release notes", "Private: salary bands"
TEMPLATES = {"reader": {"collections": ["articles"], "vars": {"fields": FIELDS, "filter": PUBLIC_ONLY}}}
MEMBERS = [{"name": "ana", "email": "ana@company.com", "template": "reader"}]


@pytest.fixture(scope="module")
def reader_stack(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    """A stack whose project folder brings its own role template ``reader`` (not applied yet)."""
    base = tmp_path_factory.mktemp("filters")
    roles = base / "project" / "templates" / "roles"
    roles.mkdir(parents=True)
    (roles / "reader.yaml.j2").write_text(READER)
    stack = make_stack(directus, base, STACK, templates=TEMPLATES, members=MEMBERS)
    yield stack
    stack.destroy(color="never")


@pytest.fixture
def two_articles(admin: DirectusClient) -> Iterator[None]:
    """One article the filter lets through and one it keeps from the member; removed afterwards."""
    made = admin.create_many("/items/articles", [{"title": PUBLIC, "body": "shipped"}, {"title": PRIVATE, "body": "x"}])
    yield
    admin.delete_many("/items/articles", [row["id"] for row in made])


def objects(admin: DirectusClient) -> dict[str, list[Any]]:
    """Every user, role, policy, access row and (non-generated) permission id in Directus."""
    return {
        path: sorted(str(row["id"]) for row in admin.list_objects(path, fields=["id"]) if row.get("id") is not None)
        for path in ("/users", "/roles", "/policies", "/access", "/permissions")
    }


def articles_as(stack: auto.Stack, member: str, **arguments: Any) -> ToolResult:
    outputs = stack.outputs()
    return call_tool(
        outputs["mcpUrl"].value,
        outputs["tokens"].value[member],
        "items",
        {"action": "read", "collection": "articles", "query": {"limit": -1}, **arguments},
    )


def rows(result: ToolResult) -> list[dict[str, Any]]:
    assert not result.is_error, result.text
    data: Any = result.json()
    data = data.get("raw", data.get("data", data)) if isinstance(data, dict) else data
    return data if isinstance(data, list) else [data]


def live_articles_rule(admin: DirectusClient, stack: auto.Stack) -> dict[str, Any]:
    """The reader policy's permission on articles, as Directus stores it."""
    [policy] = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP reader ({STACK})"}}, fields=["id"])
    [row] = admin.list_objects(
        "/permissions",
        filter={"policy": {"_eq": policy["id"]}, "collection": {"_eq": "articles"}},
        fields=["id", "action", "fields", "permissions"],
    )
    return row


def drift_json(stack: auto.Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``mcp-access drift --json`` on the stack's project folder (the command finds the project's templates)."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    capsys.readouterr()
    code = main(["drift", "--stack", STACK, "--repo", str(workspace.work_dir), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["exitCode"] == code
    return report


@pytest.mark.directus_line("11")
def test_on_11_the_member_reads_only_allowed_fields_of_filtered_items_and_a_hand_change_is_drift(
    reader_stack: auto.Stack,
    two_articles: None,
    admin: DirectusClient,
    directus: DirectusInstance,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 11.x would store a filter on a field that does not exist and then fail every read of the member (400).
    typo = {"reader": {**TEMPLATES["reader"], "vars": {"fields": FIELDS, "filter": {"titel": {"_nnull": True}}}}}
    set_values(reader_stack, templates=typo)
    before = objects(admin)
    with pytest.raises(auto.CommandError) as caught:
        reader_stack.up(color="never")
    assert (
        "role template 'reader': the grant on 'articles' names field 'titel' in its filter, which does not exist in "
        f"the Directus at {directus.url}"
    ) in str(caught.value)
    assert objects(admin) == before
    set_values(reader_stack, templates=TEMPLATES)

    reader_stack.up(color="never")

    assert live_articles_rule(admin, reader_stack) | {"id": None} == {
        "id": None,
        "action": "read",
        "fields": FIELDS,
        "permissions": PUBLIC_ONLY,
    }
    seen = rows(articles_as(reader_stack, "ana"))
    titles = {row["title"] for row in seen}
    assert PUBLIC in titles and PRIVATE not in titles
    assert all(title.startswith("Public:") for title in titles)  # the demo articles are filtered out too
    assert all(set(row) <= set(FIELDS) for row in seen), seen  # no body
    asked = articles_as(reader_stack, "ana", query={"fields": ["title", "body"]})
    assert asked.is_error, asked.text
    [refusal] = asked.json()  # 11.17.4: a tool error naming the field
    assert refusal["code"] == "FORBIDDEN" and 'access field "body" in collection "articles"' in refusal["error"]

    # Someone widens the filter in the Data Studio: the member now sees the private article.
    rule = live_articles_rule(admin, reader_stack)
    admin.update("/permissions", rule["id"], {"permissions": {"title": {"_nnull": True}}})
    assert PRIVATE in {row["title"] for row in rows(articles_as(reader_stack, "ana"))}

    report = drift_json(reader_stack, monkeypatch, capsys)
    assert report["exitCode"] == 1
    [drifted] = [d for d in report["drift"] if d["resource"] == "reader-permissions"]
    assert drifted["summary"] == (
        "the permission set of template reader differs in Directus (permissions): `up` restores the declared values"
    )
    assert drifted["details"] == [
        'filter of read on articles: {"title": {"_nnull": true}} in Directus, '
        '{"title": {"_starts_with": "Public:"}} declared'
    ]

    reader_stack.up(refresh=True, color="never")  # as `mcp-access up` runs it

    assert live_articles_rule(admin, reader_stack)["permissions"] == PUBLIC_ONLY
    assert PRIVATE not in {row["title"] for row in rows(articles_as(reader_stack, "ana"))}
    assert "reader-permissions" not in {d["resource"] for d in drift_json(reader_stack, monkeypatch, capsys)["drift"]}


@pytest.mark.directus_line("12")
def test_on_unlicensed_12_up_stops_before_any_change_naming_template_collection_and_rules(
    reader_stack: auto.Stack, admin: DirectusClient, directus: DirectusInstance
) -> None:
    before = objects(admin)

    with pytest.raises(auto.CommandError) as caught:
        reader_stack.up(color="never")

    version = admin.get("/server/info")["version"]
    assert (
        "role template 'reader': the grant on 'articles' limits fields to ['id', 'title'] and filters items with "
        f'{{"title": {{"_starts_with": "Public:"}}}}, which Directus {version} at {directus.url} refuses without a '
        "license (403 RESOURCE_RESTRICTED on the core tier: custom permission rules)"
    ) in str(caught.value)
    assert objects(admin) == before
