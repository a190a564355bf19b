"""The engine's way to plan drift: ``pulumi preview --refresh`` (``mcp-access drift --engine``), the slower cross-check.

A preview with refresh reads every managed object from Directus (in the dynamic-provider process) and compares it
with the program; nothing is written, neither to Directus nor to the state. Its step events become
:class:`~components.ops.drift.wording.PlannedStep` values and are worded like the in-process plan's
(:mod:`components.ops.drift.plan`); an e2e test holds the two to the same findings.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi import automation as auto

from components.ops.drift.wording import DriftedResource, PlannedStep, drifted


def planned_step(metadata: auto.StepEventMetadata) -> PlannedStep:
    """The neutral step of one engine event (refreshed old outputs, declared new inputs)."""
    return PlannedStep(
        urn=metadata.urn,
        type=metadata.type,
        op=metadata.op.value,
        old_outputs=dict(metadata.old.outputs or {}) if metadata.old else None,
        new_inputs=dict(metadata.new.inputs or {}) if metadata.new else None,
        diffs=tuple(metadata.diffs or ()),
    )


def engine_steps(stack: auto.Stack, on_output: Callable[[str], None] | None = None) -> list[PlannedStep]:
    """Run ``preview --refresh`` (read-only) and return its planned steps, in the engine's order."""
    events: list[auto.EngineEvent] = []
    stack.preview(refresh=True, color="never", on_event=events.append, on_output=on_output)
    return [planned_step(e.resource_pre_event.metadata) for e in events if e.resource_pre_event is not None]


def drifted_resources(
    stack: auto.Stack, state_urns: frozenset[str], on_output: Callable[[str], None] | None = None
) -> list[DriftedResource]:
    """Run ``preview --refresh`` and describe every resource that would change."""
    return drifted(engine_steps(stack, on_output), state_urns)
