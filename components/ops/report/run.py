"""The report's facts, gathered by the other commands' own public functions: nothing is decided here.

Per stack: the declared matrix (the review's, from the deployed stack's settings), the drift check
(:func:`run_drift`), the activity audit (:func:`run_audit`), the rotation calendar (:func:`calendar_plan`) and
the OAuth listing (:func:`read_oauth`). Everything is read before the page is rendered, so a failure on any
stack leaves no file behind.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from pulumi import automation as auto

from components.directus.oauth import parse_time, read_oauth
from components.engine.deployed import admin_client, deployed_outputs, members_of, stack_settings, stack_templates
from components.engine.workspace import engine_errors
from components.errors import StackNotFoundError
from components.model.role_specs import stack_role_specs
from components.ops.audit.run import run_audit
from components.ops.calendar.run import calendar_plan
from components.ops.drift.run import run_drift
from components.ops.report.facts import ReportFacts, StackFacts
from components.ops.review.matrix import build_matrix

#: Opens a deployed stack by name without creating it (``auto.StackNotFoundError`` when it does not exist).
StackOpener = Callable[[str], auto.Stack]


def stack_facts(stack: auto.Stack, *, days: int | None = None, now: datetime | None = None) -> StackFacts:
    outputs = deployed_outputs(stack)  # "run `up` first" before anything else
    config, values = stack_settings(stack)
    matrix = build_matrix(stack.name, config, stack_role_specs(config, stack.name, stack_templates(stack)))
    drift = run_drift(stack, now=now)
    audit = run_audit(stack, days=days, now=now)
    oauth = read_oauth(admin_client(values))  # the process's shared client (not to be closed here)
    return StackFacts(
        name=stack.name,
        matrix=matrix,
        drift=drift,
        audit=audit,
        calendar=calendar_plan(stack.name, outputs, today=(now or datetime.now(UTC)).date()),
        oauth=oauth,
        user_ids={name: str(info["userId"]) for name, info in members_of(outputs).items()},
        expires={
            name: parse_time(info["expires"]) for name, info in members_of(outputs).items() if info.get("expires")
        },
    )


def git_commit(repo: Path) -> tuple[str | None, bool]:
    """The commit checked out in ``repo`` and whether its working tree has changes (``None``: not a checkout)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, False
    return head or None, bool(status.strip())


def tool_version() -> str:
    try:
        return metadata.version("directus-mcp-access")
    except metadata.PackageNotFoundError:
        return "unknown"


def gather(
    stacks: Sequence[str],
    open_deployed: StackOpener,
    repo: Path,
    *,
    days: int | None = None,
    now: datetime | None = None,
) -> ReportFacts:
    """The facts of every stack in ``stacks`` (in that order; a name given twice counts once)."""
    made_at = now or datetime.now(UTC)
    opened = []
    for name in dict.fromkeys(stacks):  # every stack found before minutes of reading any
        with engine_errors(name):
            try:
                opened.append(open_deployed(name))
            except auto.StackNotFoundError:
                raise StackNotFoundError(name) from None
    gathered = []
    for stack in opened:
        with engine_errors(stack.name):
            gathered.append(stack_facts(stack, days=days, now=now))
    commit, dirty = git_commit(repo)
    return ReportFacts(made_at=made_at, commit=commit, dirty=dirty, tool_version=tool_version(), stacks=gathered)
