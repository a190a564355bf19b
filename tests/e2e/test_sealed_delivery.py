"""Sealed delivery end to end: a real Directus, the real Pulumi CLI, the member's side with the Debian ``age``.

Keys are made as members make them (``ssh-keygen`` for kim, ``age-keygen`` for lee; john has none). ``up`` seals a
bundle for kim and lee into the outbox, ``age -d -i KEY`` opens each with its member's key only, and the token in
the decrypted configuration answers 200 on ``/mcp``; ``rotate`` seals a new one and the old token gets 401. With
``delivery.requireSealed`` every way of showing a token is refused, before any change. No transcript of any of it
(the commands' stdout and stderr, the engine's streamed output, ``age``'s messages) contains a token.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pulumi import automation as auto

from components.cli import main
from components.localdev.server import DirectusInstance
from tests.helpers.keys import KeyPair, age_decrypt, age_key, ssh_key
from tests.helpers.stacks import make_stack, set_values

STACK = "sealed"
BEARER = re.compile(r"Bearer ([A-Za-z0-9_-]+)")
ACCESS_TOKEN = re.compile(r"access_token=([A-Za-z0-9_-]+)")


def member(name: str, recipient: str | None = None, **extra: str) -> dict[str, str]:
    entry = {"name": name, "email": f"{name}@company.com", "template": "content", **extra}
    return {**entry, "recipient": recipient} if recipient else entry


class Session:
    """The stack, the members' keys, and every transcript the test saw (searched for tokens at the end)."""

    def __init__(self, stack: auto.Stack, keys: dict[str, KeyPair]) -> None:
        self.stack = stack
        self.keys = keys
        self.transcripts: list[str] = []
        workspace = stack.workspace
        assert isinstance(workspace, auto.LocalWorkspace) and workspace.work_dir
        self.project = Path(workspace.work_dir)
        self.outbox = self.project / "outbox" / STACK

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main([*args, "--stack", STACK, "--repo", str(self.project)])
        captured = capsys.readouterr()
        self.transcripts += [captured.out, captured.err]
        return code, captured.out, captured.err

    def open(self, bundle: Path, key: str) -> str:
        opened = age_decrypt(bundle, self.keys[key].identity)
        self.transcripts.append(opened.stderr)
        assert opened.returncode == 0, opened.stderr
        return opened.stdout

    def tokens(self) -> dict[str, str]:
        return dict(self.stack.outputs()["tokens"].value)


@pytest.fixture
def session(directus: DirectusInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    keys = {"kim": ssh_key(tmp_path, "kim"), "lee": age_key(tmp_path, "lee")}
    members = [member("kim", keys["kim"].public), member("lee", keys["lee"].public, client="cursor"), member("john")]
    stack = make_stack(directus, tmp_path, STACK, members=members)
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):  # the command line finds the test's stack
        monkeypatch.setenv(key, workspace.env_vars[key])
    yield Session(stack, keys)
    stack.destroy(color="never")


def mcp_status(url: str, token: str) -> int:
    """The HTTP status of an MCP ``initialize`` with ``token`` as the bearer."""
    response = httpx.post(
        url,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
        timeout=30,
    )
    return response.status_code


def test_tokens_reach_members_sealed_and_never_in_clear(
    session: Session, directus: DirectusInstance, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{directus.url}/mcp"

    # up: a sealed bundle for each member with a recipient, named in the output; john gets today's behaviour.
    code, out, err = session.cli(capsys, "up", "--verbose")
    assert code == 0, err
    assert f"sealed bundle for member kim: {session.outbox / 'kim.age'} (mode 600" in out
    assert f"sealed bundle for member lee: {session.outbox / 'lee.age'} (mode 600" in out
    assert "new token, no recipient (hand over with `mcp-access onboard`): john" in out
    assert sorted(p.name for p in session.outbox.iterdir()) == ["kim.age", "lee.age"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in session.outbox.iterdir()} == {0o600}
    first = session.tokens()

    # The member's side: the standard age binary and their own key (SSH for kim, an age identity for lee), each
    # bundle with the member's client (kim: the stack's default, Claude Code; lee: `client: cursor`).
    for name, snippet in (("kim", "claude mcp add"), ("lee", '"mcpServers"')):
        document = session.open(session.outbox / f"{name}.age", name)
        assert document.startswith(f"# MCP access for {name} ({STACK})") and snippet in document
        found = BEARER.search(document)
        assert found is not None and found.group(1) == first[name]
        assert mcp_status(url, found.group(1)) == 200
    # Another member's key cannot open it.
    wrong = age_decrypt(session.outbox / "kim.age", session.keys["lee"].identity)
    session.transcripts.append(wrong.stderr)
    assert wrong.returncode != 0 and wrong.stdout == "" and "no identity matched any of the recipients" in wrong.stderr

    # rotate: a new bundle replaces kim's; the decrypted new token works, the old one is refused at once.
    code, out, err = session.cli(capsys, "rotate", "kim", "--verbose")
    assert code == 0, err
    assert f"sealed bundle for member kim: {session.outbox / 'kim.age'}" in out and "member lee" not in out
    found = BEARER.search(session.open(session.outbox / "kim.age", "kim"))
    assert found is not None and found.group(1) == session.tokens()["kim"] != first["kim"]
    assert mcp_status(url, found.group(1)) == 200
    assert mcp_status(url, first["kim"]) == 401
    assert BEARER.search(session.open(session.outbox / "lee.age", "lee")).group(1) == first["lee"]  # type: ignore[union-attr]

    # onboard --seal for another client, to a file of the operator's choice; nothing secret printed.
    chosen = session.project / "kim-chatgpt.age"
    code, out, err = session.cli(capsys, "onboard", "kim", "--client", "chatgpt", "--seal", "--out", str(chosen))
    assert code == 0, err
    assert f"sealed bundle for member kim: {chosen}" in out and "age -d -i ~/.ssh/id_ed25519 kim-chatgpt.age" in out
    found = ACCESS_TOKEN.search(session.open(chosen, "kim"))
    assert found is not None and mcp_status(url, found.group(1)) == 200

    # Bad input: a named error, no bundle file, Directus unchanged.
    code, _, err = session.cli(capsys, "onboard", "john", "--seal")
    assert code == 2 and f"member 'john' of stack '{STACK}' has no recipient: --seal needs their public key" in err
    assert not (session.outbox / "john.age").exists()
    set_values(session.stack, delivery={"outbox": str(chosen / "not-a-folder")})
    code, _, err = session.cli(capsys, "rotate", "lee")
    assert code == 2 and f"delivery.outbox of stack '{STACK}': cannot write sealed bundles to" in err
    assert session.tokens()["lee"] == first["lee"] and mcp_status(url, first["lee"]) == 200
    set_values(session.stack, members=[member("kim", "ssh-ed25519 AAAAtruncated kim@laptop")], delivery={})
    code, _, err = session.cli(capsys, "up")
    assert code == 2 and "members[0].recipient: 'ssh-ed25519 AAAAtruncated kim@laptop' is not a valid" in err
    assert mcp_status(url, first["lee"]) == 200  # lee was not removed: nothing ran

    # delivery.requireSealed: every way of showing a token is refused, before any change.
    members = [
        member("kim", session.keys["kim"].public),
        member("lee", session.keys["lee"].public, client="cursor"),
        member("john"),
    ]
    set_values(session.stack, members=members, delivery={"requireSealed": True})
    before = session.tokens()
    # `onboard` without --show-token or --out shows a placeholder, never a token: nothing to refuse there.
    clear = str(session.project / "clear.md")
    for args in (("onboard", "john", "--show-token"), ("onboard", "kim", "--out", clear)):
        code, _, err = session.cli(capsys, *args)
        assert code == 2 and f"stack '{STACK}' has delivery.requireSealed: true: `onboard" in err
    assert not (session.project / "clear.md").exists()
    for args in (("connection", "--show-token"), ("rotate", "kim", "--show-token")):
        code, _, err = session.cli(capsys, *args)
        assert code == 2 and "would show a token in clear, refused" in err, args
    assert session.tokens() == before  # the refused rotate changed nothing
    code, out, err = session.cli(capsys, "onboard", "kim", "--seal")
    assert code == 0, err

    # No transcript contains any token this test saw.
    seen = {*first.values(), *before.values()}
    leaks = [t for t in session.transcripts if any(token in t for token in seen)]
    assert leaks == []
