"""The in-process preview's pure parts: the pack's rules on planned steps, the operations, the words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from components.kinds import PERMISSION_SET, POLICY, STATIC_TOKEN, USER, Kind
from components.names import MEMBER_COMPONENT, TEMPLATE_COMPONENT
from components.ops.drift.wording import PlannedStep
from components.ops.preview.guard import PackConfigError, declared_resources, pack_config, violations
from components.ops.preview.render import change_summary, operations, render_preview
from components.ops.preview.run import PreviewResult, violation_error

STACK = "team"
CONFIG = {"directus-mcp-access:guardrails": json.dumps({"allowAdminAccess": False})}


def urn(kind: Kind, name: str) -> str:
    parent = MEMBER_COMPONENT if kind in (USER, STATIC_TOKEN) else TEMPLATE_COMPONENT
    return f"urn:pulumi:{STACK}::directus-mcp-access::{parent}${kind.type}::{name}"


def step(
    kind: Kind, name: str, op: str, declared: dict[str, Any] | None, live: dict[str, Any] | None = None
) -> PlannedStep:
    return PlannedStep(urn(kind, name), kind.type, op, live, declared)


def test_a_policy_with_admin_access_is_refused_as_the_pack_refuses_it() -> None:
    steps = [step(POLICY, "content-policy", "update", {"name": "MCP content (team)", "admin_access": True})]
    found = violations(steps, STACK, CONFIG, {})
    assert [(v.rule, v.urn.rsplit("::", 1)[-1]) for v in found] == [("mcp-no-admin-access", "content-policy")]
    assert "policy 'MCP content (team)' has admin_access" in found[0].message


def test_an_unknown_value_is_never_a_violation() -> None:
    steps = [step(POLICY, "content-policy", "create", {"name": "MCP content (team)", "admin_access": rpc.UNKNOWN})]
    assert violations(steps, STACK, CONFIG, {}) == []


def test_the_pack_settings_reach_each_rule(tmp_path: Path) -> None:
    token = {"user_id": rpc.UNKNOWN, "rotate_after_days": 60}
    steps = [step(STATIC_TOKEN, "john-token", "create", token)]
    assert violations(steps, STACK, CONFIG, {}) == []  # 60 <= the default 90
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"token-rotation-limit": {"maxDays": 30}}))
    found = violations(steps, STACK, CONFIG, pack_config(config))
    assert [v.message for v in found] == ["member 'john': token rotates after 60 days; at most 30 are allowed"]
    block = str(violation_error(STACK, found))
    assert "policy token-rotation-limit (john-token): member 'john': token rotates after 60 days" in block
    assert "what to do: change the stack so that the guardrail policy pack passes" in block


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"token-rotation-limit": 30}'])
def test_a_bad_pack_config_file_is_a_named_error(tmp_path: Path, text: str) -> None:
    config = tmp_path / "pack.json"
    config.write_text(text)
    with pytest.raises(PackConfigError, match=r"--policy-pack-config .*pack\.json"):
        pack_config(config)


def test_deleted_resources_are_not_validated_and_a_replacement_counts_once() -> None:
    steps = [
        step(STATIC_TOKEN, "john-token", "create-replacement", {"rotate_after_days": 30}, {"rotate_after_days": 30}),
        step(STATIC_TOKEN, "john-token", "replace", {"rotate_after_days": 30}, {"rotate_after_days": 30}),
        step(POLICY, "old-policy", "delete", None, {"admin_access": True}),
        step(STATIC_TOKEN, "john-token", "delete-replaced", None, {"rotate_after_days": 30}),
    ]
    assert [r.name for r in declared_resources(steps)] == ["john-token"]
    assert violations(steps, STACK, CONFIG, {}) == []
    assert list(operations(steps).values()) == ["replace", "delete"]


def test_the_words_show_one_added_grant_as_one_line_and_count_the_operations() -> None:
    granted = [{"collection": "articles", "action": "read"}]
    steps = [
        step(
            PERMISSION_SET,
            "analysis-permissions",
            "update",
            {"permissions": [*granted, {"collection": "pages", "action": "read"}]},
            {"permissions": granted},
        ),
        step(USER, "john-user", "same", {"email": "ai-john@company.com"}, {"email": "ai-john@company.com"}),
    ]
    result = PreviewResult(STACK, steps, violations=[], state_urns=frozenset(s.urn for s in steps))
    text = render_preview(result)
    assert "  ~  analysis-permissions: the permission set of template analysis differ" in text
    assert "       - declared but missing in Directus: read on pages" in text
    assert text.count("\n       - ") == 1
    assert "Resources: 1 to update, 1 unchanged" in text
    assert change_summary(result) == {"update": 1, "same": 1}


def test_no_change_says_so() -> None:
    steps = [step(USER, "john-user", "same", {"email": "a"}, {"email": "a"})]
    text = render_preview(PreviewResult(STACK, steps, violations=None, state_urns=frozenset()))
    assert "  no changes\nResources: 1 unchanged\n" in text and "Policy pack" not in text
