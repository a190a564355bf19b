"""Backup before schema work: ``up`` saves the schema and the access configuration before it gives a member the
developer template, ``mcp-access backup`` does it on demand, and the file restores the schema after an AI
assistant changed a field through MCP."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import call_tool
from components.directus.provisioning import TOKEN_ENV
from components.localdev.server import DirectusInstance
from components.ops.backup.restore import restore_schema
from tests.helpers.stacks import make_stack, set_values

STACK = "schema-work"
MEMBERS = [{"name": "john", "email": "john@company.com", "template": "content"}]
DEVELOPER = {"name": "lee", "email": "lee@company.com", "template": "developer"}
TEMPLATES = {"content": {"collections": ["articles"]}}
WITH_DEVELOPER = {**TEMPLATES, "developer": {"collections": ["articles"]}}


def run_cli(stack: auto.Stack, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", TOKEN_ENV):
        if key in workspace.env_vars:
            monkeypatch.setenv(key, workspace.env_vars[key])
    return main([*args, "--stack", stack.name, "--repo", str(workspace.work_dir)]), str(workspace.work_dir)


def title_field(admin: DirectusClient) -> dict[str, object]:
    field = admin.get("/fields/articles/title")
    assert isinstance(field, dict)
    return {"max_length": field["schema"]["max_length"], "note": field["meta"]["note"]}


def test_up_backs_up_before_giving_schema_access_and_the_file_restores_the_schema(
    directus: DirectusInstance,
    admin: DirectusClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = make_stack(directus, tmp_path, STACK, members=MEMBERS, templates=TEMPLATES)
    try:
        # No developer member: no backup.
        code, work_dir = run_cli(stack, monkeypatch, "up", "--no-policy-pack")
        assert code == 0
        assert "backed up" not in capsys.readouterr().out
        assert not (Path(work_dir) / "backups").exists()

        set_values(
            stack, members=[*MEMBERS, DEVELOPER], templates=WITH_DEVELOPER, guardrails={"allowAdminAccess": True}
        )
        code, _ = run_cli(stack, monkeypatch, "up", "--no-policy-pack")
        out = capsys.readouterr().out
        assert code == 0, out
        named = re.search(r"schema access for lee: backed up schema and access first to (\S+)", out)
        assert named, out
        backup = Path(named.group(1))
        assert backup.parent == Path(work_dir) / "backups" and backup.name.startswith(f"{STACK}-")
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        content = json.loads(backup.read_text())
        assert {c["collection"] for c in content["schema"]["collections"]} >= {"articles", "internal_notes"}
        assert {p["name"] for p in content["access"]["policies"]} >= {f"MCP content ({STACK})"}
        before = title_field(admin)

        # The developer's assistant changes a field through MCP (the developer template may: admin access).
        token = stack.outputs()["tokens"].value["lee"]
        changed = call_tool(
            f"{directus.url}/mcp",
            token,
            "fields",
            {
                "action": "update",
                "collection": "articles",
                "data": [{"field": "title", "schema": {"max_length": 42}, "meta": {"note": "shortened by AI"}}],
            },
        )
        assert not changed.is_error, changed.text
        assert title_field(admin) == {"max_length": 42, "note": "shortened by AI"}

        assert restore_schema(admin, backup) is True
        assert title_field(admin) == before
        assert restore_schema(admin, backup) is False  # nothing left to restore

        # On demand, into a folder of one's choice; no token in the file.
        code, _ = run_cli(stack, monkeypatch, "backup", "--out", str(tmp_path / "mine"))
        out = capsys.readouterr().out
        assert code == 0 and "backed up schema (" in out
        [again] = (tmp_path / "mine").glob(f"{STACK}-*.json")
        text = again.read_text()
        assert token not in text and directus.admin_token not in text
    finally:
        stack.destroy(color="never")
