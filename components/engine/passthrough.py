"""``mcp-access pulumi -- ARGS``: the plain Pulumi CLI with this project's environment.

The same CLI and settings the other commands use (the built binary, the ``local`` stack's file backend and
passphrase, offline settings), so ``pulumi cancel``, ``pulumi config set --secret`` or ``pulumi stack export``
work without finding the binary in the cache or repeating variables by hand.

Commands that run the program (``preview``, ``up``, ``refresh``, ``destroy``, ``install``, ...) need Pulumi's Python
language host, ``pulumi-language-python``, which this offline toolchain cannot build (docs/first-day.md, "Plain
Pulumi"): without it they are refused in one line that names the ``mcp-access`` command doing the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from components.engine.backend import check_backend_settings
from components.engine.workspace import EngineError, engine_env, pulumi_bin_dir
from components.errors import UsageError
from components.names import docs_page


def stack_in_args(args: Sequence[str]) -> str | None:
    """The stack a Pulumi command line names with ``-s S``, ``--stack S`` or ``--stack=S``, if any."""
    for index, arg in enumerate(args):
        if arg in ("-s", "--stack") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--stack="):
            return arg.split("=", 1)[1]
        if arg.startswith("-s") and len(arg) > 2 and not arg.startswith("--"):
            return arg[2:]
    return None


def pulumi_environment(
    stack: str, work_dir: Path, extra: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The CLI to run and its full environment for ``stack`` (selected through ``PULUMI_STACK``)."""
    bin_dir = pulumi_bin_dir()
    binary = str(bin_dir / "pulumi") if bin_dir else shutil.which("pulumi")
    if binary is None:
        raise EngineError("the Pulumi CLI is not installed: run tools/bootstrap.sh")
    env = {**os.environ, **engine_env(stack, work_dir, bin_dir, extra), "PULUMI_STACK": stack}
    return binary, env


#: Pulumi commands that start the language host (they run or install the program), and what does it here instead.
PROGRAM_COMMANDS = {
    "preview": "mcp-access preview",
    "up": "mcp-access up",
    "update": "mcp-access up",
    "refresh": "mcp-access refresh",
    "destroy": "mcp-access destroy",
    "install": "tools/bootstrap.sh (it makes .venv)",
    "import": "nothing (dynamic providers cannot be imported)",
    "watch": "mcp-access up",
}
LANGUAGE_HOST = "pulumi-language-python"


def _command(args: Sequence[str]) -> str | None:
    """The Pulumi subcommand in ``args`` (the first word that is not a flag or a flag's value)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-s", "--stack", "-C", "--cwd"):
            skip = True
            continue
        if not arg.startswith("-"):
            return arg
    return None


def check_language_host(args: Sequence[str], env: Mapping[str, str]) -> None:
    """Refuse, in one line, a command that needs ``pulumi-language-python`` when it is not installed."""
    command = _command(args)
    if command not in PROGRAM_COMMANDS or shutil.which(LANGUAGE_HOST, path=env.get("PATH")):
        return
    raise UsageError(
        f"`pulumi {command}` runs this program through Pulumi's Python language host ({LANGUAGE_HOST}), which is "
        f"not installed here; use {PROGRAM_COMMANDS[command]}, the same engine with the program run in process",
        hint=f"with a regular Pulumi installation, see {docs_page('plain-pulumi')} for the environment it needs",
    )


def run_pulumi(args: Sequence[str], *, stack: str, work_dir: Path, extra: Mapping[str, str] | None = None) -> int:
    """Run ``pulumi ARGS`` in ``work_dir``; a stack named in ``args`` takes precedence over ``stack``."""
    chosen = stack_in_args(args) or stack
    binary, env = pulumi_environment(chosen, work_dir, extra)
    check_language_host(args, env)
    check_backend_settings(chosen, env, work_dir)
    return subprocess.run([binary, *args], cwd=work_dir, env=env, check=False).returncode
