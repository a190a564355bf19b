"""What every command's module shares on the command line: the stack and project it names, the shared flags.

``cli.py`` and each room's ``command.py`` (``add_arguments(parser)``, ``run(args) -> int``) import these from here:
a room may not import ``cli.py``, which imports the rooms (the import contracts in ``pyproject.toml``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.engine.guarded import POLICY_PACK, policy_options
from components.engine.workspace import open_stack
from components.localdev import local_stack
from components.names import LOCAL_STACK, PROJECT_ROOT
from components.redaction import redact

REPO_HELP = "project directory (default: the current one if it has a Pulumi.yaml, else this installation's)"


def project_dir(given: Path | None) -> Path:
    """``--repo``, else the current directory when it is a Pulumi project (as ``pulumi`` itself), else ours."""
    if given is not None:
        return given
    return Path.cwd() if (Path.cwd() / "Pulumi.yaml").is_file() else PROJECT_ROOT


def say(message: str) -> None:
    """A line for people, on stdout, at once; URL passwords (the state backend's, repeated by the engine) never
    get through (:mod:`components.redaction`)."""
    print(redact(message), flush=True)


def stack_of(args: argparse.Namespace, *, create: bool = True) -> auto.Stack:
    """The stack ``--stack`` names, in the project ``--repo`` names; read-only commands never create it."""
    return open_stack(args.stack, work_dir=project_dir(args.repo), env=local_stack.stack_env(args.stack), create=create)


def policy_of(args: argparse.Namespace) -> dict[str, Any]:
    """The guardrail pack runs on every ``up``, ``preview`` and ``rotate``, unless ``--no-policy-pack``."""
    if getattr(args, "no_policy_pack", False):
        return {}
    return policy_options(args.policy_pack, args.policy_pack_config)


def _add_policy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy-pack",
        type=Path,
        default=POLICY_PACK,
        help="guardrail policy pack to enforce (default: this project's, policy/analyzer)",
    )
    parser.add_argument("--policy-pack-config", type=Path, help="JSON settings for the policy pack")
    parser.add_argument(
        "--no-policy-pack", action="store_true", help="do not run the guardrail policy pack (not advised)"
    )


#: The flags several commands share, each defined here once (``add_shared_flags``); a test walks the parser.
SHARED_FLAGS: dict[str, Callable[[argparse.ArgumentParser], object]] = {
    "stack": lambda p: p.add_argument("--stack", "-s", default=LOCAL_STACK, help="the stack (default: local)"),
    "stacks": lambda p: p.add_argument(
        "--stack", "-s", action="append", help="a stack (repeat for several; default: all of stacks/)"
    ),
    "repo": lambda p: p.add_argument("--repo", type=Path, default=None, help=REPO_HELP),
    "json": lambda p: p.add_argument("--json", action="store_true", help="machine-readable output (JSON)"),
    "verbose": lambda p: p.add_argument(
        "--verbose", "-v", action="store_true", help="also stream the Pulumi engine's output as it runs"
    ),
    "policy": _add_policy_flags,
}


def add_shared_flags(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    """Add the named shared flags (keys of :data:`SHARED_FLAGS`) so that they read the same on every command."""
    for name in names:
        SHARED_FLAGS[name](parser)
    return parser
