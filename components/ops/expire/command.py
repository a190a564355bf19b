"""The ``mcp-access expire`` command: its arguments and its handler (registered by :mod:`components.cli`)."""

from __future__ import annotations

import argparse
import json

from components.engine.workspace import open_stack
from components.localdev import local_stack
from components.model.clock import iso
from components.ops.expire.run import expire_stack

HELP = (
    "end what has expired now (members past `expires`, elevations past `until`): one request per member, "
    "no Pulumi run; schedule it hourly"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options of its own: ``--stack``, ``--repo`` and ``--json`` are the shared flags."""


def run(args: argparse.Namespace) -> int:
    from components.console import project_dir  # the command-line helpers (never components.cli: it imports us)

    stack = open_stack(args.stack, work_dir=project_dir(args.repo), env=local_stack.stack_env(args.stack), create=False)
    result = expire_stack(stack)
    if args.json:
        print(
            json.dumps(
                {
                    "stack": result.stack,
                    "now": iso(result.checked_at),
                    "ended": [d.member for d in result.ended],
                    "alreadyEnded": [d.member for d in result.unchanged],
                    "missing": [d.member for d in result.missing],
                    "oauthClientsDeleted": result.oauth_clients,
                    "seconds": round(result.seconds, 3),
                },
                indent=2,
            )
        )
    else:
        for line in result.lines():
            print(line, flush=True)
    return 0
