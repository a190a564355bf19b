"""The command line's help: every command's page says what it does, in plain text, with its defaults."""

from __future__ import annotations

import argparse

import pytest

from components.cli import build_parser, main
from components.errors import McpAccessError
from components.localdev.local_stack import path_note
from components.providers.connection import REJECTED_TOKEN_HINT


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_help_page_opens_with_what_it_does() -> None:
    for name, sub in subcommands().items():
        assert sub.description, f"`mcp-access {name} --help` has no description"
    assert "permission matrix per stack" in subcommands()["review"].format_help()


def test_the_top_level_help_has_no_restructuredtext_backticks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out
    assert "`mcp-access local`" in out


def test_onboard_client_says_what_it_is_and_its_default() -> None:
    text = subcommands()["onboard"].format_help()
    assert "(default: claude-code)" in text


def test_the_path_note_says_how_to_reach_mcp_access(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    note = path_note()
    assert note is not None and "bin/activate" in note and "bin/mcp-access" in note


def test_a_hint_written_before_the_stack_was_known_names_the_stack(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def rejected(_args: argparse.Namespace) -> int:
        raise McpAccessError("Directus GET /users failed: 401 INVALID_CREDENTIALS", hint=REJECTED_TOKEN_HINT)

    monkeypatch.setattr("components.cli.cmd_connection", rejected)
    assert main(["connection", "--stack", "team"]) == 2
    err = capsys.readouterr().err
    assert "`mcp-access pulumi -s team -- config set --secret" in err
    assert "-s STACK" not in err
