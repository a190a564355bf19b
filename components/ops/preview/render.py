"""The in-process preview in words: one line per resource that changes, with what changes, and the totals.

Each changed resource is worded by ``drift``'s wording (:mod:`components.ops.drift.wording`), so a permission
set shows the grants added and removed by collection and action, never by position in a list.
"""

from __future__ import annotations

from collections import Counter

from components.names import DYNAMIC_PREFIX
from components.ops.drift.wording import KEPT_OPS, PlannedStep, drifted
from components.ops.preview.run import PreviewResult

#: How each operation is marked, as Pulumi marks it.
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "revoked-by-hand": "~"}
#: The operations a summary counts, in Pulumi's order.
COUNTED = ("create", "update", "replace", "delete")


def operations(steps: list[PlannedStep]) -> dict[str, str]:
    """The operation per URN of each dynamic resource (a replacement's steps count once, as ``replace``)."""
    ops: dict[str, str] = {}
    for step in steps:
        if not step.type.startswith(DYNAMIC_PREFIX):
            continue
        op = "replace" if step.op in (*KEPT_OPS, "delete-replaced") else step.op
        if ops.get(step.urn) != "replace":
            ops[step.urn] = op
    return ops


def render_preview(result: PreviewResult) -> str:
    ops = operations(result.steps)
    counts = Counter(ops.values())
    planner = "by the Pulumi engine" if result.engine else "in process, `--engine` for the engine's own"
    lines = [f"Preview of stack '{result.stack}' (refreshed; planned {planner}):"]
    for item in drifted(result.steps, result.state_urns):
        op = "replace" if item.operation in KEPT_OPS else item.operation
        lines.append(f"  {SYMBOLS.get(op, '~'):<2} {item.name}: {item.summary}")
        lines += [f"       - {detail}" for detail in item.details]
    if len(lines) == 1:
        lines.append("  no changes")
    totals = ", ".join(f"{counts[op]} to {op}" for op in COUNTED if counts[op])
    lines.append(f"Resources: {totals + ', ' if totals else ''}{counts['same']} unchanged")
    lines += result.policy_notes
    if result.violations is not None:
        lines.append("Policy pack directus-mcp-access-guardrails: no violation")
    return "\n".join(lines) + "\n"


def change_summary(result: PreviewResult) -> dict[str, int]:
    """The per-operation counts of the dynamic resources, as the engine's change summary names them."""
    counts = Counter(operations(result.steps).values())
    return {op: counts[op] for op in (*COUNTED, "same") if counts[op]}
