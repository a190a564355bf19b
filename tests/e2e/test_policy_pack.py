"""The guardrail policy pack (``policy/``) run by the real Pulumi CLI on previews of real programs.

The project's own program refuses most of these settings before declaring anything, so the violating cases
use a *tampered* program: the real components, fed with role specs or settings the planner would reject
(what a fork, an edited template or a hand-written resource would produce). Each rule has a violating case
that names the member or template, and passing cases where the rule stays silent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.localdev.server import DirectusInstance
from components.model.role_specs import render_context
from components.model.role_templates import Grant, RoleSpec, available_templates, render
from components.model.stack_config import StackConfig, parse_config
from components.names import PROJECT_ROOT
from components.program.entry import build
from components.program.member import McpMember
from components.providers.token import StaticToken
from tests.helpers.stacks import make_stack

PACK = str(PROJECT_ROOT / "policy" / "analyzer")
Tamper = Callable[[dict[str, RoleSpec]], dict[str, RoleSpec]]


def program_for(
    raw: dict[str, Any], tamper: Tamper | None = None, extra: Callable[[StackConfig], None] | None = None
) -> Callable[[], None]:
    """The project's build step without the planner's guardrails, optionally tampered with."""

    def program() -> None:
        stack = pulumi.get_stack()
        config = parse_config(raw, templates=available_templates())
        specs = {t: render(t, render_context(config, stack, t)) for t in config.templates_in_use()}
        build(config, tamper(specs) if tamper else specs, stack)
        if extra:
            extra(config)

    return program


def base_config(directus: DirectusInstance, **overrides: Any) -> dict[str, Any]:
    return {
        "directusUrl": directus.url,
        "templates": {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
        "members": [
            {"name": "john", "email": "john@company.com", "template": "content"},
            {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
        ],
        "mcp": {"enabled": True, "allowDeletes": False},
        **overrides,
    }


def violations(
    directus: DirectusInstance, tmp_path: Path, raw: dict[str, Any], *, stack: str = "team", **program: Any
) -> dict[str, list[str]]:
    """Preview with the pack; {rule: [messages]} of mandatory violations (empty when the preview passes)."""
    config_keys = {k: v for k, v in raw.items() if k != "directusUrl"}
    created = make_stack(directus, tmp_path, stack, program=program_for(raw, **program), **config_keys)
    events: list[auto.EngineEvent] = []
    try:
        created.preview(policy_packs=[PACK], color="never", on_event=events.append)
        failed = False
    except auto.CommandError as exc:
        failed = True
        error = str(exc)
    found: dict[str, list[str]] = {}
    for event in events:
        policy = event.policy_event
        if policy is not None and policy.enforcement_level == "mandatory":
            # The engine prefixes the rule's description line to each violation's message.
            found.setdefault(policy.policy_name, []).append(policy.message.strip().split("\n", 1)[-1])
    assert failed == bool(found), error if failed else "the preview passed despite violations"
    return found


def test_the_project_program_on_a_compliant_stack_passes_every_rule(directus: DirectusInstance, tmp_path: Path) -> None:
    created = make_stack(
        directus, tmp_path, "team", **{k: v for k, v in base_config(directus).items() if k != "directusUrl"}
    )
    events: list[auto.EngineEvent] = []
    result = created.preview(policy_packs=[PACK], color="never", on_event=events.append)
    assert not [e.policy_event for e in events if e.policy_event is not None]
    assert "directus-mcp-access-guardrails" in result.stdout


def _with_policy(template: str, **flags: Any) -> Tamper:
    def tamper(specs: dict[str, RoleSpec]) -> dict[str, RoleSpec]:
        spec = specs[template]
        return {**specs, template: spec.model_copy(update={"policy": spec.policy.model_copy(update=flags)})}

    return tamper


def test_admin_access_on_a_non_developer_template_fails(directus: DirectusInstance, tmp_path: Path) -> None:
    found = violations(directus, tmp_path, base_config(directus), tamper=_with_policy("content", admin_access=True))
    assert list(found) == ["mcp-no-admin-access"]
    assert "template 'content'" in found["mcp-no-admin-access"][0]
    assert "only the 'developer' template" in found["mcp-no-admin-access"][0]


def test_developer_admin_access_needs_the_stack_to_opt_in(directus: DirectusInstance, tmp_path: Path) -> None:
    members = [{"name": "lee", "email": "lee@company.com", "template": "developer"}]
    raw = base_config(directus, members=members, templates={"developer": {"collections": ["articles"]}})
    found = violations(directus, tmp_path / "refused", raw)
    assert list(found) == ["mcp-no-admin-access"]
    assert "template 'developer'" in found["mcp-no-admin-access"][0]
    assert "stack 'team' does not opt in" in found["mcp-no-admin-access"][0]

    allowed = {**raw, "guardrails": {"allowAdminAccess": True}}
    assert violations(directus, tmp_path / "allowed", allowed) == {}


def test_app_access_fails(directus: DirectusInstance, tmp_path: Path) -> None:
    found = violations(directus, tmp_path, base_config(directus), tamper=_with_policy("analysis", app_access=True))
    assert list(found) == ["mcp-no-app-access"]
    assert "template 'analysis'" in found["mcp-no-app-access"][0]


def test_a_write_in_the_analysis_template_fails(directus: DirectusInstance, tmp_path: Path) -> None:
    def add_create(specs: dict[str, RoleSpec]) -> dict[str, RoleSpec]:
        spec = specs["analysis"]
        grants = [*spec.permissions, Grant(collection="articles", actions=["create"])]
        return {**specs, "analysis": spec.model_copy(update={"permissions": grants})}

    found = violations(directus, tmp_path, base_config(directus), tamper=add_create)
    assert found == {"analysis-read-only": ["template 'analysis' must be read-only but grants create on articles"]}


def test_production_needs_deletes_off_and_an_ip_allowlist(directus: DirectusInstance, tmp_path: Path) -> None:
    loose = base_config(directus, mcp={"enabled": True, "allowDeletes": True})
    found = violations(directus, tmp_path / "loose", loose, stack="production")
    messages = found.pop("production-hardening")
    assert found == {}
    assert any("deletes through MCP must be off" in m for m in messages)
    assert any("template 'content' grants delete on articles" in m for m in messages)
    assert {m for m in messages if "no ip allowlist" in m} == {
        f"stack 'production' is production: template '{t}' has no ip allowlist (set ipAllowlist)"
        for t in ("content", "analysis")
    }

    hardened = base_config(directus, ipAllowlist=["127.0.0.0/8"])
    assert violations(directus, tmp_path / "hardened", hardened, stack="production") == {}
    # The same loose settings are fine outside production.
    assert violations(directus, tmp_path / "staging", loose, stack="staging") == {}


def test_production_opens_oauth_dynamic_client_registration_only_with_the_opt_in(
    directus: DirectusInstance, tmp_path: Path
) -> None:
    # The program's own planner refuses this (role_specs.stack_setting_problems); the pack checks what reaches
    # the engine, here from a program that skips the planner.
    oauth = {"enabled": True, "allowDeletes": False, "oauth": {"enabled": True, "dynamicClientRegistration": True}}
    dcr = base_config(directus, ipAllowlist=["127.0.0.0/8"], mcp=oauth)
    found = violations(directus, tmp_path / "refused", dcr, stack="production")
    assert found == {
        "production-hardening": [
            "stack 'production' is production: OAuth dynamic client registration is on "
            "(mcp.oauth.dynamicClientRegistration) without guardrails.allowDynamicClientRegistration: true"
        ]
    }
    opted_in = {**dcr, "guardrails": {"allowDynamicClientRegistration": True}}
    assert violations(directus, tmp_path / "opted-in", opted_in, stack="production") == {}
    assert violations(directus, tmp_path / "staging", dcr, stack="staging") == {}


def test_rotation_longer_than_90_days_fails(directus: DirectusInstance, tmp_path: Path) -> None:
    # The stack loosened its own cap; the pack's limit (owned by whoever owns the guardrails) still holds.
    loosened = base_config(directus, rotationDays=120, guardrails={"maxRotationDays": 365})
    found = violations(directus, tmp_path, loosened)
    assert list(found) == ["token-rotation-limit"]
    assert sorted(found["token-rotation-limit"]) == [
        f"member '{m}': token rotates after 120 days; at most 90 are allowed" for m in ("john", "sarah")
    ]
    assert violations(directus, tmp_path / "ninety", base_config(directus, rotationDays=90)) == {}


def test_a_shared_user_or_token_fails(directus: DirectusInstance, tmp_path: Path) -> None:
    def share(config: StackConfig) -> None:
        # eve is declared with john's MCP email, and bob gets a second token on alice's user.
        McpMember(
            "eve",
            stack="team",
            mcp_email="ai-john@company.com",
            first_name="Eve",
            last_name="eve",
            role_id=None,
            rotate_after_days=30,
        )
        alice = McpMember(
            "alice",
            stack="team",
            mcp_email="ai-alice@company.com",
            first_name="Alice",
            last_name="alice",
            role_id=None,
            rotate_after_days=30,
        )
        bob = McpMember(
            "bob",
            stack="team",
            mcp_email="ai-bob@company.com",
            first_name="Bob",
            last_name="bob",
            role_id=None,
            rotate_after_days=30,
        )
        StaticToken(
            "bob-extra-token", user_id=alice.user_id, rotate_after_days=30, opts=pulumi.ResourceOptions(parent=bob)
        )

    found = violations(directus, tmp_path, base_config(directus), extra=share)
    assert list(found) == ["one-user-per-member"]
    messages = found["one-user-per-member"]
    assert (
        messages.count("members eve, john share the MCP user ai-john@company.com: each member needs their own user")
        == 2
    )
    assert "member 'bob' has a token on member 'alice''s user: tokens are personal" in messages
    assert any("one user gets tokens from several resources (alice, bob)" in m for m in messages)


def test_emails_outside_the_pattern_fail(directus: DirectusInstance, tmp_path: Path) -> None:
    found = violations(directus, tmp_path, base_config(directus, emailPattern="{local}@{domain}"))
    assert sorted(found["mcp-email-pattern"]) == [
        "member 'john': MCP user email 'john@company.com' does not follow the pattern 'ai-{local}@{domain}'",
        "member 'sarah': MCP user email 'sarah@company.com' does not follow the pattern 'ai-{local}@{domain}'",
    ]
    assert list(found) == ["mcp-email-pattern"]


def test_mcp_access_preview_and_up_enforce_the_pack_by_default(
    directus: DirectusInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack raised its own cap to 365 days, which the program accepts; the pack's 90-day limit refuses it.
    settings = {k: v for k, v in base_config(directus).items() if k != "directusUrl"}
    created = make_stack(directus, tmp_path, "team", rotationDays=120, guardrails={"maxRotationDays": 365}, **settings)
    workspace = created.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    repo = ["--stack", "team", "--repo", str(workspace.work_dir)]

    for operation in ("preview", "up"):
        assert main([operation, *repo]) == 2
        err = capsys.readouterr().err
        assert "token-rotation-limit" in err
        assert "member 'john': token rotates after 120 days; at most 90 are allowed" in err
    assert created.outputs() == {}  # the refused `up` created nothing

    # Skipping the pack is possible, and says so in its help; the program alone accepts the stack.
    assert main(["preview", *repo, "--no-policy-pack"]) == 0


def test_a_plain_up_with_the_pack_never_applies_the_violating_resource(
    directus: DirectusInstance, tmp_path: Path
) -> None:
    # Without mcp-access's guarded preview: the per-resource rule stops each token before its step.
    settings = {k: v for k, v in base_config(directus).items() if k != "directusUrl"}
    created = make_stack(
        directus, tmp_path, "team", **{**settings, "rotationDays": 120}, guardrails={"maxRotationDays": 365}
    )
    with pytest.raises(auto.CommandError, match="token rotates after 120 days"):
        created.up(policy_packs=[PACK], color="never")
    resources = (created.export_stack().deployment or {}).get("resources") or []
    kinds = {str(r["type"]).rsplit(":", 1)[-1] for r in resources}
    assert "StaticToken" not in kinds
    with DirectusClient(directus.url, directus.admin_token) as admin:
        users = admin.list_objects(
            "/users", filter={"email": {"_in": ["ai-john@company.com", "ai-sarah@company.com"]}}, fields=["token"]
        )
        assert all(user["token"] is None for user in users)
    created.destroy(color="never")
