"""``mcp-access``'s commands are one table (``cli.COMMANDS``): a new command is one entry, nothing else."""

from __future__ import annotations

import argparse

import pytest

from components import cli
from components.cli import Command


def test_one_entry_adds_a_command_with_its_arguments_shared_flags_and_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("member")

    def run(args: argparse.Namespace) -> int:
        print(f"digesting {args.member} in {args.stack} ({args.repo}, json={args.json})")
        return 1

    entry = Command("digest", "a weekly digest", run, add_arguments, flags=("stack", "repo", "json"))
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, entry])
    assert cli.main(["digest", "kim", "--stack", "staging", "--json"]) == 1
    assert capsys.readouterr().out == "digesting kim in staging (None, json=True)\n"
    assert "digest" in cli.build_parser().format_help()


def test_every_command_is_listed_once_with_a_handler() -> None:
    names = [command.name for command in cli.COMMANDS]
    assert len(names) == len(set(names))
    assert all(callable(command.run) for command in cli.COMMANDS)
