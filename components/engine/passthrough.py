"""``mcp-access pulumi -- ARGS``: the plain Pulumi CLI with this project's environment.

The same CLI and settings the other commands use (the built binary, the ``local`` stack's file backend and
passphrase, offline settings), so ``pulumi cancel``, ``pulumi config set --secret`` or ``pulumi stack export``
work without finding the binary in the cache or repeating variables by hand.

Commands that run the program (``preview``, ``up``, ``refresh``, ``destroy``, ``install``, ...) need Pulumi's Python
language host, ``pulumi-language-python``, which this offline toolchain cannot build (docs/first-day.md, "Plain
Pulumi"): without it they are refused in one line that names the ``mcp-access`` command doing the same.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from components.engine.backend import check_backend_settings
from components.engine.workspace import EngineError, engine_env, pulumi_bin_dir
from components.errors import UsageError
from components.names import docs_page
from components.redaction import redact


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
    """Run ``pulumi ARGS`` in ``work_dir``; a stack named in ``args`` takes precedence over ``stack``.

    Standard input stays the caller's (``config set --secret`` reads the value from it); standard output and
    error go through :func:`~components.redaction.redact` (``pulumi whoami -v`` prints the whole backend URL),
    except for ``config set --secret KEY`` at a terminal, whose prompt must stay without echo.
    """
    chosen = stack_in_args(args) or stack
    binary, env = pulumi_environment(chosen, work_dir, extra)
    check_language_host(args, env)
    check_backend_settings(chosen, env, work_dir)
    if _prompts_for_a_secret(args):
        # Pulumi asks without echo only when its output is a terminal: leave it one (it prints no backend URL).
        return subprocess.run([binary, *args], cwd=work_dir, env=env, check=False).returncode
    process = subprocess.Popen([binary, *args], cwd=work_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    copiers = [
        threading.Thread(target=_copy_redacted, args=(stream, target), daemon=True)
        for stream, target in ((process.stdout, sys.stdout), (process.stderr, sys.stderr))
    ]
    for copier in copiers:
        copier.start()
    code = process.wait()
    for copier in copiers:
        copier.join()
    return code


def _prompts_for_a_secret(args: Sequence[str]) -> bool:
    """``config set --secret KEY`` without a value, typed at a terminal: Pulumi prompts for it without echo."""
    words = [a for a in args if not a.startswith("-")]
    return (
        sys.stdin.isatty()
        and sys.stdout.isatty()
        and words[:2] == ["config", "set"]
        and "--secret" in args
        and len([w for w in words[2:] if w != stack_in_args(args)]) == 1
    )


def _copy_redacted(source: io.BufferedReader, target: TextIO) -> None:
    """Copy ``source`` to ``target`` as it comes, each piece redacted.

    Whole lines are redacted; a partial line (a prompt such as ``value:``) is passed on at once unless it may be
    the start of a URL, so that interactive prompts still show.
    """
    pending = ""
    while chunk := source.read1(4096):
        pending += chunk.decode(errors="replace")
        *lines, pending = pending.split("\n")
        text = "".join(f"{redact(line)}\n" for line in lines)
        if pending and "://" not in pending and "password" not in pending.lower():
            text, pending = text + pending, ""
        target.write(text)
        target.flush()
    if pending:
        target.write(redact(pending))
        target.flush()
