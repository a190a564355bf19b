"""Apply a stack's code: the sequence every entrance that changes a stack runs, in one place.

1. the ``--restore`` guard: a member revoked by hand and still enabled by the code stops the run, before any
   change (:func:`components.ops.breakglass.restore_guard.guard_restores`; skipped for a targeted run, which changes
   only its targets);
2. the backup before schema access (:func:`components.ops.backup.run.backup_before_up`), when a folder is given,
   then the entrance's own ``prepare`` step, if any (``up``: the recorder's log collection);
3. the preview with the guardrail policy pack: a violation stops the run before any change
   (:func:`components.engine.guarded.guarded_up`);
4. the tags of the members ``--restore`` names are removed, right before
5. the engine's ``up``, and a one-line summary.

The entrances differ only in their :class:`ApplyRequest`: ``up`` passes its flags, ``local`` the defaults,
``rotate`` one token's URN as target and replacement, the benchmark the defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.engine.guarded import guarded_up, policy_options
from components.ops.backup.run import backup_before_up
from components.ops.breakglass.restore_guard import guard_restores

Say = Callable[[str], None]


@dataclass(frozen=True)
class ApplyRequest:
    """How one entrance applies a stack; the defaults are ``mcp-access up`` without flags."""

    #: The policy pack's engine options (:func:`components.engine.guarded.policy_options`); ``{}``: no pack.
    policy: Mapping[str, Any] = field(default_factory=policy_options)
    #: Members revoked by hand to re-enable (``up --restore``).
    restore: Sequence[str] = ()
    #: Where the backup before schema access goes; ``None``: no backup (a targeted run gives no access).
    backup_folder: Path | None = None
    #: A step of the entrance's own between the backup and the pack's preview (``up``: the recorder's log
    #: collection); what it returns is said.
    prepare: Callable[[], str | None] | None = None
    #: URNs to limit the run to, and to replace (``rotate``); empty: the whole stack.
    target: Sequence[str] = ()
    replace: Sequence[str] = ()
    #: Refresh before planning (``up --refresh``), as ``mcp-access up`` always has.
    refresh: bool = True
    #: The engine's output as it runs (``--verbose``).
    on_output: Say | None = None


def apply(stack: auto.Stack, request: ApplyRequest, say: Say | None = None) -> auto.UpResult:
    """Run the sequence of the module docstring on ``stack``; ``say`` gets the lines for people (or nothing)."""
    tell: Say = say or (lambda _line: None)
    started = time.monotonic()
    remove_revoked_tags = guard_restores(stack, request.restore) if not request.target else _nothing
    if request.backup_folder is not None:
        taken = backup_before_up(stack, request.backup_folder)
        if taken is not None:
            backup, members = taken
            tell(f"schema access for {', '.join(members)}: backed up schema and access first to {backup.path}")
    if request.prepare is not None and (line := request.prepare()):
        tell(line)

    def before_up() -> None:
        for line in remove_revoked_tags():
            tell(line)

    scope: dict[str, Any] = {}
    if request.target:
        scope["target"] = list(request.target)
    if request.replace:
        scope["replace"] = list(request.replace)
    result = guarded_up(
        stack, dict(request.policy), before_up=before_up, refresh=request.refresh, on_output=request.on_output, **scope
    )
    changes = dict(result.summary.resource_changes or {})
    tell(f"pulumi up (stack {stack.name}) finished in {time.monotonic() - started:.1f}s: {changes}")
    return result


def _nothing() -> list[str]:
    return []
