"""No token in what the commands print unless asked: ``connection`` and ``local`` without ``--show-token``,
``onboard`` without ``--show-token``/``--out``, and ``oauth-approve``'s refusals (a token member, a disabled
member), each run through ``main()`` on a deployed stack. ``--show-token`` shows that the check can see a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from components import cli
from components.localdev.server import DirectusInstance
from tests.helpers.stacks import make_stack

STACK = "quiet"
MEMBERS = [
    {"name": "kim", "email": "kim@company.com", "template": "content"},
    {"name": "ann", "email": "ann@company.com", "template": "content", "auth": "oauth", "enabled": False},
]
AUTHORIZE = "/mcp-oauth/authorize?client_id=c&redirect_uri=http://127.0.0.1:9/cb&code_challenge=x"


@pytest.fixture(scope="module")
def deployed(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    stack = make_stack(directus, tmp_path_factory.mktemp("quiet"), STACK, members=MEMBERS)
    stack.up(color="never")
    yield stack
    stack.destroy(color="never")


@pytest.fixture
def secrets_of(deployed: auto.Stack, directus: DirectusInstance, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    tokens = [str(t) for t in deployed.outputs()["tokens"].value.values()]
    assert tokens
    return [*tokens, directus.admin_token]


def run(deployed: auto.Stack, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    code = cli.main([*args, "--stack", STACK, "--repo", str(workspace.work_dir)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [secret[:6] + "..." for secret in secrets if secret in text]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["connection"], 0),
        (["connection", "--json"], 0),
        (["onboard", "kim"], 0),
        (["onboard", "kim", "--client", "chatgpt"], 0),  # a client that takes the token in the URL
        (["oauth-approve", "kim", "--authorize-url", "URL"], 2),  # a token member: refused
        (["oauth-approve", "ann", "--authorize-url", "URL"], 2),  # a disabled member: refused
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_no_token_is_printed_unless_asked(
    deployed: auto.Stack,
    directus: DirectusInstance,
    secrets_of: list[str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
) -> None:
    args = [directus.url + AUTHORIZE if arg == "URL" else arg for arg in args]
    exit_code, text = run(deployed, capsys, *args)
    assert exit_code == code, text
    assert leaked(text, secrets_of) == [], text
    if args[0] == "oauth-approve":
        assert ("auth 'token'" if args[1] == "kim" else "disabled") in text


@pytest.mark.parametrize("args", [["connection", "--show-token"], ["onboard", "kim", "--show-token"]])
def test_show_token_does_print_it(
    deployed: auto.Stack, secrets_of: list[str], capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    exit_code, text = run(deployed, capsys, *args)
    assert exit_code == 0
    assert str(deployed.outputs()["tokens"].value["kim"]) in text  # the check above can see a token


def test_local_without_show_token_prints_none(
    deployed: auto.Stack,
    directus: DirectusInstance,
    secrets_of: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``mcp-access local`` on the test's Directus and stack (not the developer's port 8055 and local stack)."""
    monkeypatch.setattr(cli.local_stack, "ensure_running", lambda say, **kwargs: directus)
    monkeypatch.setattr(cli, "open_stack", lambda *args, **kwargs: deployed)

    def up_without_pack(stack: auto.Stack, request: Any, _say: Any) -> auto.UpResult:
        return stack.up(color="never", on_output=request.on_output)

    monkeypatch.setattr(cli, "apply", up_without_pack)
    assert cli.main(["local"]) == 0
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "MCP server URL" in text and "member kim" in text
    assert leaked(text, secrets_of) == [], text
