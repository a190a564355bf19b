"""Manual flows that send requests or run code, on a real Directus: a content member triggers, through MCP
`trigger-flow`, a flow whose `request` operation calls the Directus API with an admin token (and so writes where
its policy forbids), and a flow that hands over (`trigger`) to one that runs a script; `drift` names both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.mcp import call_tool
from components.localdev.demo import ensure_demo_collections
from components.localdev.server import DirectusInstance
from components.ops.drift.render import to_json, to_markdown
from components.ops.drift.run import run_drift

NOTE = "written through a request"


def _flow(admin: DirectusClient, name: str, trigger: str, operation: dict[str, Any]) -> dict[str, Any]:
    options = {"collections": ["articles"], "requireSelection": False} if trigger == "manual" else {"return": "$last"}
    flow = admin.create(
        "/flows", {"name": name, "status": "active", "trigger": trigger, "accountability": "all", "options": options}
    )
    step = admin.create("/operations", {"flow": flow["id"], "position_x": 19, "position_y": 1, **operation})
    admin.update("/flows", flow["id"], {"operation": step["id"]})
    return flow


@pytest.fixture
def flows(directus: DirectusInstance, admin: DirectusClient, stack: auto.Stack) -> Iterator[dict[str, Any]]:
    """The two flows, and read on directus_flows for the content policy (so its member may trigger them)."""
    ensure_demo_collections(admin)
    stack.up(color="never")
    policy = admin.list_objects("/policies", filter={"name": {"_eq": "MCP content (e2e)"}}, fields=["id"])[0]
    reader = admin.create(
        "/permissions",
        {"policy": policy["id"], "collection": "directus_flows", "action": "read", "fields": ["*"], "permissions": {}},
    )
    request = {
        "key": "call_api",
        "name": "Call the API",
        "type": "request",
        "options": {
            "method": "POST",
            "url": f"{directus.url}/items/internal_notes",
            "headers": [
                {"header": "Authorization", "value": f"Bearer {directus.admin_token}"},
                {"header": "Content-Type", "value": "application/json"},
            ],
            "body": json.dumps({"title": NOTE}),
        },
    }
    script = {"key": "script", "name": "Script", "type": "exec", "options": {"code": "module.exports = () => ({})"}}
    made = {"api": _flow(admin, "Call the API", "manual", request)}
    made["inner"] = _flow(admin, "Inner script", "operation", script)
    hand_over = {"key": "hand_over", "name": "Hand over", "type": "trigger", "options": {"flow": made["inner"]["id"]}}
    made["outer"] = _flow(admin, "Run code", "manual", hand_over)
    try:
        yield made
    finally:
        for flow in made.values():
            admin.delete("/flows", flow["id"])
        admin.delete("/permissions", reader["id"])


def test_request_and_exec_flows_a_member_can_trigger_are_reported_with_their_reach(
    directus: DirectusInstance, admin: DirectusClient, stack: auto.Stack, flows: dict[str, Any]
) -> None:
    token = stack.outputs()["tokens"].value["john"]
    mcp = f"{directus.url}/mcp"
    direct = call_tool(
        mcp, token, "items", {"action": "create", "collection": "internal_notes", "data": {"title": "x"}}
    )
    assert direct.is_error  # the content policy does not reach internal_notes
    result = call_tool(mcp, token, "trigger-flow", {"id": flows["api"]["id"], "collection": "articles", "keys": []})
    assert not result.is_error, result.text
    titles = [row["title"] for row in admin.list_objects("/items/internal_notes", fields=["title"])]
    assert NOTE in titles  # through the flow's request, with the admin token in its header

    report = run_drift(stack, warn_days=1)
    found = {(f.kind, f.subject): f.message for f in report.flows}
    assert set(found) == {("flow-request", "Call the API"), ("flow-exec", "Run code")}
    api = found[("flow-request", "Call the API")]
    assert "member john can trigger the manual flow 'Call the API'" in api
    assert (
        "sends a request to the Directus API itself (POST /items/internal_notes) with the Authorization header" in api
    )
    code = found[("flow-exec", "Run code")]
    assert (
        "through 'hand_over' (trigger) → flow 'Inner script', its operation 'script' (exec) runs its JavaScript" in code
    )
    assert report.exit_code == 1
    for text in (to_markdown(report), to_json(report)):
        assert directus.admin_token not in text
        assert "Call the API" in text
