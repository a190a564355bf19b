"""``mcp-access preview`` without the engine: the refreshed plan in this process, and the guardrail pack's rules.

What a reviewer runs on every pull request. The engine's ``preview --refresh`` with the policy pack starts the
CLI, the Python program, the dynamic-provider process and the pack's analyzer, and sends every check, read, diff
and validation through gRPC. Here the same code runs in one process: the plan of ``drift``
(:func:`components.ops.drift.plan.planned_steps`: the state read once, the providers' own ``read``/``check``/
``diff``, the program's own ``build`` under mocks) and the pack's own rules on the declared resources
(:mod:`components.ops.preview.guard`). Nothing is written, neither to Directus nor to the state.

``mcp-access preview --engine`` runs the engine's own preview (the cross-check; an e2e test holds both to the
same operations per resource, and to the same violations). A pack other than this project's (``--policy-pack``
naming another folder) can only run in the engine, and goes there. The engine's step events carry the same old
outputs and new inputs (:func:`preview_with_engine`), so both paths print the same keyed plan
(:mod:`components.ops.preview.render`), never Pulumi's diff of lists by position.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.version import server_info
from components.engine.deployed import admin_client, stack_settings, stack_templates
from components.engine.failures import POLICY_HINT
from components.errors import McpAccessError
from components.guardrails.rules import Violation
from components.ops.drift.plan import planned_steps
from components.ops.drift.preview import planned_step
from components.ops.drift.state import read_state
from components.ops.drift.wording import PlannedStep
from components.ops.preview.guard import pack_config, violations


class PolicyViolationError(McpAccessError):
    """The guardrail policy pack refuses the plan (exit 2), worded as the engine path words it."""


class EngineOnlyError(McpAccessError):
    """What only the engine can preview (a state from before the kinds were named)."""


@dataclass
class PreviewResult:
    stack: str
    steps: list[PlannedStep]
    #: ``None``: the pack did not run (``--no-policy-pack``).
    violations: list[Violation] | None
    #: URNs of the state before the refresh (a planned create of one of them: deleted by hand).
    state_urns: frozenset[str] = field(default_factory=frozenset)
    #: Planned by the engine (``--engine``), not in this process.
    engine: bool = False
    #: The engine's policy events that did not stop the preview (advisory ones of another pack), in words.
    policy_notes: list[str] = field(default_factory=list)


def violation_error(stack: str, found: list[Violation]) -> PolicyViolationError:
    """The same block the engine path prints for a refused plan: each violation once, then what to do."""
    lines = sorted({f"  policy {v.rule} ({v.urn.rsplit('::', 1)[-1]}): {v.message}" for v in found})
    return PolicyViolationError(f"the Pulumi run on stack {stack!r} failed:\n" + "\n".join(lines), hint=POLICY_HINT)


def preview_in_process(
    stack: auto.Stack, *, policy_pack: bool = True, pack_config_file: Path | None = None
) -> PreviewResult:
    """Plan the stack as ``pulumi preview --refresh`` would, and run the guardrail pack's rules on it.

    Raises :class:`PolicyViolationError` when the pack refuses the plan, as the engine's preview fails then.
    """
    settings_by_rule = pack_config(pack_config_file) if policy_pack else {}  # a bad file fails before anything
    with ThreadPoolExecutor(max_workers=1) as side:
        settings = side.submit(stack_settings, stack)
        state = read_state(stack)
        config, values = settings.result()
    if state.has_untyped:
        raise EngineOnlyError(
            f"stack {stack.name!r} holds resources from before the kinds were named: run "
            "`mcp-access preview --engine` (or `up`, which renames them)"
        )
    client = admin_client(values)
    steps = planned_steps(state, config, values, client, server_info(client), stack_templates(stack))
    found = violations(steps, stack.name, values, settings_by_rule) if policy_pack else None
    if found:
        raise violation_error(stack.name, found)
    return PreviewResult(stack=stack.name, steps=steps, violations=found, state_urns=state.urns)


def _policy_note(event: auto.PolicyEvent) -> str:
    where = f" ({event.resource_urn.rsplit('::', 1)[-1]})" if event.resource_urn else ""
    return f"policy {event.policy_name}{where} [{event.enforcement_level}]: {event.message.strip()}"


def preview_with_engine(
    stack: auto.Stack, policy: dict[str, Any], *, own_pack: bool, on_output: Callable[[str], None] | None = None
) -> tuple[PreviewResult, dict[str, int]]:
    """The engine's ``preview --refresh`` with ``policy`` (the pack's options), as the same keyed plan the
    in-process preview prints, and the engine's own change summary. ``own_pack``: ``policy`` is this project's
    pack (a preview that ends means it found no violation: every rule is mandatory)."""
    events: list[auto.EngineEvent] = []
    preview = stack.preview(
        refresh=True,
        color="never",
        on_event=events.append,
        on_output=on_output,
        diff=on_output is not None,  # the transcript, when streamed, with the engine's own diff
        **policy,
    )
    steps = [planned_step(e.resource_pre_event.metadata) for e in events if e.resource_pre_event is not None]
    notes = [_policy_note(e.policy_event) for e in events if e.policy_event is not None]
    # The refresh's steps name every resource of the state before it: no `stack export` of its own.
    urns = frozenset(step.urn for step in steps if step.op == "refresh")
    result = PreviewResult(
        stack=stack.name,
        steps=steps,
        violations=[] if policy and own_pack else None,
        state_urns=urns,
        engine=True,
        policy_notes=notes,
    )
    summary = {str(getattr(op, "value", op)): count for op, count in preview.change_summary.items()}
    rank = {op: i for i, op in enumerate(("create", "update", "replace", "delete", "same"))}  # as in process
    return result, dict(sorted(summary.items(), key=lambda item: rank.get(item[0], len(rank))))
