"""Break-glass through the real Pulumi CLI and ``/mcp``: ``mcp-access revoke`` and ``mcp-access rotate``.

After ``revoke`` the member's token gets 401 at once, ``drift`` names the member revoked-by-hand, ``up`` refuses
to re-enable it (``mcp-access up`` before any change, a plain ``up`` in the user provider) until
``--restore``; ``enabled: false`` in the code makes it match. After ``rotate`` the old token gets 401, the new
one works, and ``preview --refresh`` plans no change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import McpError, list_tools
from components.localdev.server import DirectusInstance
from components.model.marker import REVOKED_TAG
from components.ops.drift.run import run_drift
from components.ops.drift.wording import REVOKED
from tests.helpers.stacks import make_stack, planned_changes, set_values

STACK = "breakglass"
MEMBER = {"name": "kim", "email": "kim@company.com", "template": "content"}


@pytest.fixture
def stack(directus: DirectusInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[auto.Stack]:
    created = make_stack(directus, tmp_path, STACK, members=[MEMBER])
    workspace = created.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):  # the command line finds the test's stack
        monkeypatch.setenv(key, workspace.env_vars[key])
    created.up(color="never")
    yield created
    created.destroy(color="never")


def cli(stack: auto.Stack, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    code = main([*args, "--stack", STACK, "--repo", str(workspace.work_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def token_of(stack: auto.Stack) -> str:
    return str(stack.outputs()["tokens"].value["kim"])


def user_of(stack: auto.Stack, admin: DirectusClient) -> dict[str, object]:
    user_id = stack.outputs()["members"].value["kim"]["userId"]
    found = admin.get_by_id("/users", user_id, fields=["id", "status", "tags", "token"])
    assert found is not None
    return found


def refused(url: str, token: str) -> bool:
    try:
        list_tools(url, token)
    except McpError as exc:
        assert exc.status == 401, exc
        return True
    return False


def test_revoke_cuts_access_at_once_and_up_refuses_to_re_enable_until_told(
    stack: auto.Stack, admin: DirectusClient, capsys: pytest.CaptureFixture[str], directus: DirectusInstance
) -> None:
    url = f"{directus.url}/mcp"
    old = token_of(stack)
    assert "items" in list_tools(url, old)

    code, out, _ = cli(stack, capsys, "revoke", "kim")
    assert code == 0, out
    assert refused(url, old)  # at once, no Pulumi run
    assert out.startswith(
        f"revoked member kim in stack '{STACK}': user ai-kim@company.com suspended (was active), static token "
        f"cleared, tagged {REVOKED_TAG}\nchecked: its last issued token is refused by Directus (401)\n"
    )
    assert old not in out
    user = user_of(stack, admin)
    assert (user["status"], user["token"]) == ("suspended", None) and REVOKED_TAG in user["tags"]  # type: ignore[operator]

    report = run_drift(stack)
    by_name = {item.name: item for item in report.drifted}
    assert set(by_name) == {"kim-user", "kim-token"}
    assert {item.operation for item in by_name.values()} == {REVOKED}
    assert by_name["kim-user"].summary.startswith("member kim was revoked by hand (`mcp-access revoke`")
    assert by_name["kim-token"].summary.startswith("the token of member kim was cleared by `mcp-access revoke`")

    # mcp-access up: refused before any change, naming the member and both ways out.
    code, _, err = cli(stack, capsys, "up")
    assert code == 2
    assert "member kim of stack 'breakglass' was revoked by hand (`mcp-access revoke`)" in err
    assert "set `enabled: false` for kim" in err and f"mcp-access up --stack {STACK} --restore kim" in err
    # A plain `up` (no guard) meets the same refusal in the user provider: the user stays suspended.
    with pytest.raises(auto.CommandError, match="was revoked by hand"):
        stack.up(refresh=True, color="never")
    assert user_of(stack, admin)["status"] == "suspended"
    assert refused(url, old)

    # The code disables the member: drift no longer names it, and the tag stays on the user.
    set_values(stack, members=[{**MEMBER, "enabled": False}])
    stack.up(refresh=True, color="never")
    assert [item.name for item in run_drift(stack).drifted] == []
    assert REVOKED_TAG in user_of(stack, admin)["tags"]  # type: ignore[operator]

    # Enabling it again in the code still needs --restore: the break-glass is undone only on purpose.
    set_values(stack, members=[MEMBER])
    code, _, err = cli(stack, capsys, "up")
    assert code == 2 and "--restore kim" in err
    code, out, err = cli(stack, capsys, "up", "--restore", "kim")
    assert code == 0, err
    assert f"restoring member kim: removed the tag {REVOKED_TAG} from ai-kim@company.com" in out
    new = token_of(stack)
    assert new != old and new not in out
    assert "items" in list_tools(url, new)
    assert refused(url, old)
    assert REVOKED_TAG not in user_of(stack, admin)["tags"]  # type: ignore[operator]
    assert planned_changes(stack) == {}

    code, _, err = cli(stack, capsys, "up", "--restore", "kim")
    assert code == 2 and "--restore kim: not revoked in stack 'breakglass' (revoked: none)" in err


def test_rotate_issues_a_new_token_now_and_the_state_keeps_it(
    stack: auto.Stack, capsys: pytest.CaptureFixture[str], directus: DirectusInstance
) -> None:
    url = f"{directus.url}/mcp"
    old = token_of(stack)
    due_before = stack.outputs()["members"].value["kim"]["rotationDue"]

    code, out, err = cli(stack, capsys, "rotate", "kim")
    assert code == 0, err
    new = token_of(stack)
    assert new != old
    assert old not in out and new not in out
    assert out.startswith(
        f"rotated the token of member kim in stack '{STACK}' (user ai-kim@company.com): the old token"
    )
    assert refused(url, old)
    assert "items" in list_tools(url, new)
    assert stack.outputs()["members"].value["kim"]["rotationDue"] >= due_before
    assert planned_changes(stack) == {}  # the new token is in the state: nothing to do, no drift

    code, out, _ = cli(stack, capsys, "rotate", "kim", "--show-token")
    assert code == 0 and f"  token: {token_of(stack)}" in out
    assert refused(url, new)

    code, _, err = cli(stack, capsys, "rotate", "nobody")
    assert code == 2 and "member 'nobody' is not in stack 'breakglass' (members: kim)" in err
    code, _, _ = cli(stack, capsys, "revoke", "kim")
    code, _, err = cli(stack, capsys, "rotate", "kim")
    assert code == 2 and "member 'kim' was revoked (`mcp-access revoke`): restore it with" in err
