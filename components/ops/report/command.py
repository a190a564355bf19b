"""``mcp-access report --stack S [--stack T ...] --html FILE``: the monthly review as one self-contained page.

Without ``--stack``: every stack with a settings file in ``stacks/`` (the monthly run over every environment).

Exit 0: the page is written and nothing was found; 1: the page is written and lists findings; 2: error (an
unknown stack, a ``--html`` path that cannot be written, a Directus that cannot be reached), with no file left.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pulumi import automation as auto

from components.engine.workspace import open_stack
from components.errors import UsageError
from components.localdev import local_stack
from components.names import PROJECT_ROOT

HELP = "the monthly review as one self-contained HTML page: matrix, findings, timeline, calendar (exit 0/1/2)"


def _positive_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days of at least 1")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's own arguments; the shared ``--stack`` (repeatable) and ``--repo`` come from the command table."""
    parser.add_argument("--html", type=Path, required=True, metavar="FILE", help="the page to write")
    parser.add_argument("--days", type=_positive_days, default=None, help="the audited period: last N days (30)")


def _project_dir(given: Path | None) -> Path:
    """``--repo``, else the current directory when it is a Pulumi project, else this installation's: the rule of
    every command (``project_dir`` of the command line), restated here so that no room imports the command line."""
    if given is not None:
        return given
    return Path.cwd() if (Path.cwd() / "Pulumi.yaml").is_file() else PROJECT_ROOT


def run(args: argparse.Namespace) -> int:
    from components.model.stack_files import stack_names
    from components.ops.report.render import check_writable, render_page, write_page
    from components.ops.report.run import gather
    from components.ops.review.run import STACKS_FOLDER

    check_writable(args.html)  # before minutes of reading
    repo = _project_dir(args.repo)
    started = time.monotonic()

    def open_deployed(name: str) -> auto.Stack:
        return open_stack(name, work_dir=repo, env=local_stack.stack_env(name), create=False)

    stacks = args.stack or stack_names(repo / STACKS_FOLDER)
    if not stacks:
        raise UsageError(f"no stack to report on: give --stack, or add stack files to {repo / STACKS_FOLDER}")
    facts = gather(stacks, open_deployed, repo, days=args.days)
    html = render_page(facts)
    size = write_page(args.html, html)
    findings = sum(s.drift.findings + len(s.audit.findings) for s in facts.stacks)
    print(
        f"wrote {args.html} ({size / 1024:.0f} KiB, {len(facts.stacks)} stack(s), {findings} finding(s)) "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stdout,
    )
    return 1 if findings else 0
