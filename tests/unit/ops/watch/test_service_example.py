"""The example systemd unit: its ``ExecStart`` is a command line ``mcp-access`` accepts, stopped by SIGTERM."""

from __future__ import annotations

import shlex

from components.cli import build_parser
from components.names import PROJECT_ROOT

UNIT = PROJECT_ROOT / "examples" / "mcp-access-watch.service"


def _setting(name: str) -> str:
    lines = [line for line in UNIT.read_text().splitlines() if line.startswith(f"{name}=")]
    assert len(lines) == 1, name
    return lines[0].split("=", 1)[1]


def test_the_unit_runs_the_watch_with_arguments_the_parser_accepts_with_or_without_a_webhook() -> None:
    command = shlex.split(_setting("ExecStart"))
    assert command[0].endswith("/mcp-access") and command[1] == "watch"
    for webhook in ("https://hooks.example.com/T0/B0/x", ""):
        args = build_parser().parse_args(
            [part.replace("${WATCH_WEBHOOK_URL}", webhook).replace("%i", "team") for part in command[1:]]
        )
        assert (args.command, args.stack, args.json, args.webhook) == ("watch", "team", True, webhook)
    assert _setting("KillSignal") == "SIGTERM"
    assert _setting("Restart") == "on-failure"
