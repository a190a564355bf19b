"""`--stack`, `--repo`, `--json`, `--verbose` read the same on every command that has them (one place adds each)."""

from __future__ import annotations

import argparse

import pytest

from components.cli import build_parser

#: Which shared flags each command has; the rest do not make sense there (e.g. no engine runs for `review`).
EXPECTED: dict[str, set[str]] = {
    "local": {"--stack", "--repo", "--verbose"},
    "local-stop": {"--stack", "--repo"},
    "init": {"--repo"},
    "pulumi": {"--stack", "--repo"},
    "up": {"--stack", "--repo", "--verbose"},
    "preview": {"--stack", "--repo", "--verbose"},
    "refresh": {"--stack", "--repo", "--verbose"},
    "destroy": {"--stack", "--repo", "--verbose"},
    "connection": {"--stack", "--repo", "--json"},
    "onboard": {"--stack", "--repo"},
    "calendar": {"--stack", "--repo"},
    "review": {"--stack", "--repo", "--json"},
    "report": {"--stack", "--repo"},
    "audit": {"--stack", "--repo", "--json"},
    "drift": {"--stack", "--repo", "--json", "--verbose"},
    "revoke": {"--stack", "--repo"},
    "expire": {"--stack", "--repo", "--json"},
    "rotate": {"--stack", "--repo", "--verbose"},
    "oauth-approve": {"--stack", "--repo"},
    "backup": {"--stack", "--repo"},
    "extension": set(),
    "watch": {"--stack", "--repo", "--json"},
}
SHARED = ("--stack", "--repo", "--json", "--verbose")


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _shape(action: argparse.Action) -> tuple[object, ...]:
    return (tuple(action.option_strings), action.dest, action.nargs, action.const, action.type)


def test_every_command_has_the_shared_flags_where_they_make_sense() -> None:
    commands = _commands()
    assert set(commands) == set(EXPECTED)
    for name, parser in commands.items():
        present = {flag for flag in SHARED if flag in parser._option_string_actions}
        assert present == EXPECTED[name], name


@pytest.mark.parametrize("flag", SHARED)
def test_a_shared_flag_has_the_same_spelling_help_and_type_everywhere(flag: str) -> None:
    actions = [p._option_string_actions[flag] for p in _commands().values() if flag in p._option_string_actions]
    single = [a for a in actions if not isinstance(a, argparse._AppendAction)]  # review takes several stacks
    assert {_shape(a) for a in single} == {_shape(single[0])}
    assert len({a.help for a in single}) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["up", "--verbose", "--stack", "x", "--repo", "proj"],
        ["connection", "--repo", "proj", "--json", "-s", "x"],
        ["drift", "--verbose", "--json"],
        ["calendar", "--repo", "proj", "--stack", "x", "--out", "f.ics"],
    ],
)
def test_command_lines_refused_before_are_accepted(argv: list[str]) -> None:
    build_parser().parse_args(argv)
