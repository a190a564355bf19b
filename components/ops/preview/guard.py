"""The guardrail policy pack's rules applied to an in-process plan, as the engine's analyzer applies them.

The engine hands the pack each registered resource with its checked inputs (a resource validation, with the
dynamic provider and its stack config beside it), then all of them at once (a stack validation). Here the same
rules (:mod:`components.guardrails.rules`, the pack's own functions) see the declared inputs of the planned steps,
in the same two ways, with the same settings (``--policy-pack-config``): one rule set, two ways to run it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from components.errors import McpAccessError
from components.guardrails.rules import RULES, UNKNOWN, PlannedResource, Violation, planned_from_urn, settings_from
from components.names import DYNAMIC_PREFIX, DYNAMIC_PROVIDER
from components.ops.drift.wording import PlannedStep
from components.program.pulumi_internals import UNKNOWN as RPC_UNKNOWN

#: The rules that compare resources (the pack serves them as a stack validation).
STACK_RULES = frozenset({"one-user-per-member"})
PROVIDER_URN = "urn:pulumi:{stack}::directus-mcp-access::pulumi:providers:pulumi-python::default"


class PackConfigError(McpAccessError):
    """The ``--policy-pack-config`` file cannot be read as the pack's settings."""


def pack_config(path: Path | None) -> dict[str, Mapping[str, Any]]:
    """The settings per rule from a ``--policy-pack-config`` JSON file (``{rule: {setting: value}}``)."""
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PackConfigError(f"--policy-pack-config {path}: not a readable JSON file ({exc})") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise PackConfigError(f"--policy-pack-config {path}: expected {{rule: {{setting: value}}}}, got {raw!r}")
    return raw


def _known(value: Any) -> Any:
    """A declared value with the preview's unknown sentinel as the rules' :data:`UNKNOWN`."""
    if value == RPC_UNKNOWN:
        return UNKNOWN
    if isinstance(value, list):
        return [_known(item) for item in value]
    if isinstance(value, dict):
        return {key: _known(item) for key, item in value.items()}
    return value


def declared_resources(steps: Iterable[PlannedStep]) -> list[PlannedResource]:
    """Each declared dynamic resource once (a replacement has several steps), with its checked inputs."""
    seen: dict[str, PlannedResource] = {}
    for step in steps:
        if step.new_inputs is None or not step.type.startswith(DYNAMIC_PREFIX) or step.urn in seen:
            continue
        seen[step.urn] = planned_from_urn(step.type, step.urn, _known(dict(step.new_inputs)))
    return list(seen.values())


def _reporting_on(urn: str, report: Callable[[str, str], None]) -> Callable[[str, str], None]:
    """A resource validation reports on the resource it validates, whatever URN the rule names."""
    return lambda _urn, message: report(urn, message)


def violations(
    steps: Iterable[PlannedStep],
    stack: str,
    config_values: Mapping[str, Any],
    settings_by_rule: Mapping[str, Mapping[str, Any]],
) -> list[Violation]:
    """Every mandatory violation the pack would report for the plan, in the rules' order."""
    resources = declared_resources(steps)
    provider = PlannedResource(
        urn=PROVIDER_URN.format(stack=stack), type=DYNAMIC_PROVIDER, name="default", props=dict(config_values)
    )
    found: list[Violation] = []
    for rule in RULES:
        settings = settings_from(settings_by_rule.get(rule.name, {}))

        def report(urn: str, message: str, rule_name: str = rule.name) -> None:
            found.append(Violation(rule_name, urn, message))

        if rule.name in STACK_RULES:
            rule.check([*resources, provider], settings, report)
            continue
        for resource in resources:
            rule.check([resource, provider], settings, _reporting_on(resource.urn, report))
    return found
