"""Role templates render, per stack, to the policy and permissions the security guide asks for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.model.role_specs import stack_role_specs
from components.model.role_templates import (
    FILE_COLLECTIONS,
    SCHEMA_TOOL_READS,
    WRITE_ACTIONS,
    RenderContext,
    TemplateError,
    available_templates,
    render,
)
from components.model.stack_config import ConfigError, parse_config
from components.names import EXAMPLE_STACKS_FOLDER, PROJECT_ROOT, STACKS_DIR

STACKS = STACKS_DIR


def stack_file(name: str) -> dict[str, Any]:
    """The shipped stack (``local``) or example (``staging``, ``production``) of that name."""
    path = STACKS / f"Pulumi.{name}.yaml"
    if not path.exists():
        path = PROJECT_ROOT / EXAMPLE_STACKS_FOLDER / f"Pulumi.{name}.yaml"
    config = yaml.safe_load(path.read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def pairs(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(row["collection"], row["action"]) for row in rows}


def test_the_three_templates_ship() -> None:
    assert available_templates() == ["analysis", "content", "developer"]


def test_content_reads_creates_updates_content_and_manages_files_without_delete() -> None:
    spec = render("content", RenderContext(stack="s", collections=["articles"]))
    granted = pairs(spec.permission_rows())
    for collection in ("articles", *FILE_COLLECTIONS):
        assert {(collection, a) for a in ("read", "create", "update")} <= granted
        assert (collection, "delete") not in granted
    assert {(c, "read") for c in SCHEMA_TOOL_READS} <= granted
    assert not any(c.startswith("directus_users") for c, _ in granted)
    assert spec.policy.admin_access is False and spec.policy.app_access is False


def test_content_gets_delete_only_where_the_stack_allows_deletes() -> None:
    spec = render("content", RenderContext(stack="s", collections=["articles"], allow_deletes=True))
    assert ("articles", "delete") in pairs(spec.permission_rows())
    assert ("directus_files", "delete") in pairs(spec.permission_rows())


def test_analysis_is_read_only_on_its_collections() -> None:
    spec = render("analysis", RenderContext(stack="s", collections=["articles", "metrics"], allow_deletes=True))
    granted = pairs(spec.permission_rows())
    assert granted == {("articles", "read"), ("metrics", "read"), *((c, "read") for c in SCHEMA_TOOL_READS)}
    assert not any(action in WRITE_ACTIONS for _, action in granted)


def test_developer_needs_admin_and_says_why() -> None:
    spec = render("developer", RenderContext(stack="s", collections=["articles"]))
    assert spec.policy.admin_access is True and spec.policy.app_access is False
    assert spec.admin_reason and "schema" in spec.admin_reason


def test_every_template_carries_the_stack_ip_allowlist() -> None:
    for name in available_templates():
        spec = render(name, RenderContext(stack="s", ip_allowlist=["10.0.0.0/8"]))
        assert spec.policy.ip_access == ["10.0.0.0/8"], name


def test_a_users_own_template_file_needs_no_python(tmp_path: Path) -> None:
    (tmp_path / "reviewer.yaml.j2").write_text(
        "description: Review drafts ({{ vars.team }})\n"
        "policy: {admin_access: false, app_access: false, ip_access: {{ ip_allowlist | tojson }}}\n"
        "permissions:\n"
        "{% for c in collections %}  - {collection: {{ c | tojson }}, actions: [read, update]}\n{% endfor %}"
    )
    spec = render("reviewer", RenderContext(stack="s", collections=["drafts"], vars={"team": "news"}), tmp_path)
    assert spec.description == "Review drafts (news)"
    assert pairs(spec.permission_rows()) == {("drafts", "read"), ("drafts", "update")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("description: x\npermissions: [{collection: a, actions: [erase]}]\n", "permissions.0.actions.0"),
        ("description: x\npolicy: {ip_access: [999.1.1.1]}\n", "'999.1.1.1' is not an IP address"),
        ("description: x\nextra: 1\n", "extra: Extra inputs are not permitted"),
        ("description: {{ missing }}\n", "does not render: 'missing' is undefined"),
        ("description: [unclosed\n", "does not render to valid YAML"),
        ("- just a list\n", "must render to a mapping"),
    ],
)
def test_broken_template_files_fail_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "broken.yaml.j2").write_text(text)
    with pytest.raises(TemplateError) as caught:
        render("broken", RenderContext(stack="s"), tmp_path)
    assert "broken.yaml.j2" in str(caught.value)
    assert expected in str(caught.value)


def test_missing_template_lists_the_available_ones() -> None:
    with pytest.raises(TemplateError, match=r"'nope' .* does not exist \(available: analysis, content, developer\)"):
        render("nope", RenderContext(stack="s"))


def plan(stack: str, raw: dict[str, Any]) -> dict[str, Any]:
    return stack_role_specs(parse_config(raw, templates=available_templates()), stack)


def test_example_stacks_plan_cleanly_and_differ_as_documented() -> None:
    local, staging, production = (plan(n, stack_file(n)) for n in ("local", "staging", "production"))
    assert set(local) == {"content", "analysis"}
    assert staging["developer"].policy.admin_access is True
    assert ("articles", "delete") in pairs(staging["content"].permission_rows())
    assert ("articles", "delete") not in pairs(production["content"].permission_rows())
    assert production["content"].policy.ip_access == ["203.0.113.0/24", "198.51.100.7/32"]
    assert parse_config(stack_file("production"), templates=available_templates()).rotation_days == 30


def test_production_refuses_the_developer_template_and_says_why() -> None:
    raw = stack_file("production")
    raw["members"] = [*raw["members"], {"name": "lee", "email": "lee@company.com", "template": "developer"}]
    with pytest.raises(ConfigError) as caught:
        plan("production", raw)
    message = str(caught.value)
    assert "role template 'developer' needs admin_access" in message
    assert "schema changes" in message and "guardrails.allowAdminAccess" in message and "(used by lee)" in message


def test_production_refuses_dynamic_client_registration_unless_the_stack_opts_in() -> None:
    raw = stack_file("production")
    raw["mcp"] = {**raw.get("mcp", {}), "oauth": {"enabled": True, "dynamicClientRegistration": True}}
    with pytest.raises(ConfigError) as caught:
        plan("production", raw)
    message = str(caught.value)
    assert "mcp.oauth.dynamicClientRegistration: true in a production stack" in message
    assert "guardrails.allowDynamicClientRegistration: true" in message
    raw["guardrails"] = {**raw.get("guardrails", {}), "allowDynamicClientRegistration": True}
    assert plan("production", raw)  # opted in
    raw["guardrails"]["allowDynamicClientRegistration"] = False
    raw["mcp"]["oauth"] = {"enabled": True, "clientIdMetadata": True}  # CIMD needs no opt-in
    assert plan("production", raw)
    staging = stack_file("staging")
    staging["mcp"] = {**staging.get("mcp", {}), "oauth": {"enabled": True, "dynamicClientRegistration": True}}
    assert plan("staging", staging)  # not production


def test_guardrails_refuse_app_access_deletes_and_widened_ip_access(tmp_path: Path) -> None:
    (tmp_path / "wide.yaml.j2").write_text(
        "description: too wide\npolicy: {app_access: true, ip_access: [0.0.0.0/0]}\n"
        "permissions: [{collection: articles, actions: [read, delete]}]\n"
    )
    raw = {
        "directusUrl": "http://d",
        "ipAllowlist": ["10.0.0.0/8"],
        "members": [{"name": "a", "email": "a@x.io", "template": "wide"}],
    }
    with pytest.raises(ConfigError) as caught:
        stack_role_specs(parse_config(raw, templates=["wide"]), "prod", tmp_path)
    message = str(caught.value)
    assert "sets app_access" in message
    assert "grants delete on articles, but stack 'prod' has deletes off" in message
    assert "allows 0.0.0.0/0, outside the stack's ip allowlist (10.0.0.0/8)" in message
