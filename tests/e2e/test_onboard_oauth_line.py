"""Onboarding with OAuth on a Directus 11.x server reads `/server/info` first and says that OAuth needs 12.x,
instead of telling the operator to switch the member to `auth: oauth` (which no 11.x server can serve)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.localdev import server
from tests.helpers.directus import DirectusChoice, fresh_directus
from tests.helpers.stacks import make_stack

STACK = "eleven"


@pytest.fixture(scope="module")
def directus_11(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    with fresh_directus(tmp_path_factory.mktemp("directus-11"), choice=DirectusChoice(line="11")) as instance:
        yield instance


def test_oauth_onboarding_on_11_says_oauth_needs_12(
    directus_11: server.DirectusInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = make_stack(directus_11, tmp_path, STACK)
    stack.up(color="never")
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, (workspace.env_vars or {})[key])
    repo = ("--stack", STACK, "--repo", str(workspace.work_dir))
    try:
        assert main(["onboard", "john", "--auth", "oauth", "--client", "chatgpt", *repo]) == 2
        err = capsys.readouterr().err
        assert f"error: Directus at {directus_11.url} runs 11.17.4: the MCP OAuth server came with Directus 12.0" in err
        assert "auth: token" in err and "set `auth: oauth`" not in err
    finally:
        stack.destroy(color="never")
