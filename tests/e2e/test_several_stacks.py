"""Two stacks on one Directus (a team stack and a schema-work stack), through the real Pulumi CLI and ``/mcp``.

The team stack owns the MCP settings; the schema stack says ``mcp.manageSettings: false``. Neither's drift calls
the other's users or admin policy undeclared (each is listed under its stack), the schema stack declares no
settings, and destroying it leaves MCP on for the team.
"""

from __future__ import annotations

from pathlib import Path

from components.directus.client import DirectusClient
from components.directus.mcp import list_tools
from components.kinds import MCP_SETTINGS
from components.localdev.server import DirectusInstance
from components.ops.drift.render import to_markdown
from components.ops.drift.run import run_drift
from tests.helpers.stacks import make_stack


def test_two_stacks_share_one_directus_without_calling_each_other_undeclared(
    directus: DirectusInstance, tmp_path: Path, admin: DirectusClient
) -> None:
    team = make_stack(
        directus,
        tmp_path / "team",
        "team",
        members=[{"name": "tara", "email": "tara@company.com", "template": "content"}],
    )
    schema = make_stack(
        directus,
        tmp_path / "schema",
        "schema",
        members=[{"name": "lee", "email": "lee@company.com", "template": "developer"}],
        templates={"developer": {"collections": ["articles"]}},
        guardrails={"allowAdminAccess": True},
        mcp={"manageSettings": False, "allowDeletes": False},
    )
    try:
        team.up(color="never")
        schema.up(color="never")
        types = [r["type"] for r in (schema.export_stack().deployment or {})["resources"]]
        assert MCP_SETTINGS.type not in types  # the schema stack never writes the settings

        team_report = run_drift(team, warn_days=5)
        assert not [f.message for f in team_report.undeclared if "lee" in f.message or "(schema)" in f.message]
        assert team_report.other_stacks["schema"] == ["policy 'MCP developer (schema)'", "user ai-lee@company.com"]
        assert "- stack `schema`: policy 'MCP developer (schema)', user ai-lee@company.com" in to_markdown(team_report)

        schema_report = run_drift(schema, warn_days=5)
        assert schema_report.drifted == []
        assert not [f.message for f in schema_report.undeclared if "tara" in f.message or "(team)" in f.message]
        assert "user ai-tara@company.com" in schema_report.other_stacks["team"]

        schema.destroy(color="never")
        settings = admin.get("/settings", {"fields": "mcp_enabled"})
        assert settings["mcp_enabled"] is True  # the team's MCP stays on
        assert "items" in list_tools(f"{directus.url}/mcp", team.outputs()["tokens"].value["tara"])
        assert run_drift(team, warn_days=5).drifted == []
    finally:
        schema.destroy(color="never")
        team.destroy(color="never")
