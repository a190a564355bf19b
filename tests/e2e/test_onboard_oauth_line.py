"""Onboarding with OAuth on a Directus 11.x server reads `/server/info` first and says that OAuth needs 12.x,
instead of telling the operator to switch the member to `auth: oauth` (which no 11.x server can serve).

Runs on the session's Directus when it is 11.x (`make test`'s core pass on 11.17.4): no server of its own."""

from __future__ import annotations

import pytest
from pulumi import automation as auto

from components.cli import main
from components.localdev import server

pytestmark = [pytest.mark.core, pytest.mark.directus_line("11")]


def test_oauth_onboarding_on_11_says_oauth_needs_12(
    directus: server.DirectusInstance,
    stack: auto.Stack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack.up(color="never")
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, (workspace.env_vars or {})[key])
    repo = ("--stack", stack.name, "--repo", str(workspace.work_dir))
    assert main(["onboard", "john", "--auth", "oauth", "--client", "chatgpt", *repo]) == 2
    err = capsys.readouterr().err
    assert f"error: Directus at {directus.url} runs 11." in err
    assert "the MCP OAuth server came with Directus 12.0" in err
    assert "auth: token" in err and "set `auth: oauth`" not in err
