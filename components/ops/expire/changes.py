"""The check ``mcp-access up`` and ``preview`` run before any change: no past ``expires`` or ``until`` in a change.

"In a change" means: not what the last ``up`` applied (its ``members`` and ``elevations`` outputs). A past date
already applied is how access ends and stays accepted; a new one is most likely a typo that would cut a member
off at once (:func:`components.model.timebox_rules.past_in_change`).
"""

from __future__ import annotations

from pulumi import automation as auto

from components.engine.deployed import stack_settings
from components.model.clock import now
from components.model.stack_config import ConfigError
from components.model.timebox_rules import past_in_change


def refuse_past_changes(stack: auto.Stack) -> None:
    """Raise :class:`ConfigError` naming each past value this change would introduce; nothing was changed yet."""
    try:
        config, _ = stack_settings(stack)
    except ConfigError as exc:  # (``up``'s other pre-checks would raise it too, without the file)
        text = str(exc).replace(
            "invalid stack configuration:",
            f"invalid stack configuration (stacks/Pulumi.{stack.name}.yaml), nothing was changed:",
            1,
        )
        raise ConfigError(text) from None
    if not any(m.expires for m in config.members) and not config.elevations:
        return
    outputs = stack.outputs()
    members = dict(outputs["members"].value) if "members" in outputs else {}
    elevations = list(outputs["elevations"].value) if "elevations" in outputs else []
    problems = past_in_change(config, members, elevations, now())
    if problems:
        raise ConfigError(
            f"invalid stack configuration (stacks/Pulumi.{stack.name}.yaml), nothing was changed:\n  "
            + "\n  ".join(problems)
        )
