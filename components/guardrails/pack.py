"""Serve :mod:`components.guardrails.rules` as a Pulumi policy pack (pulumi-policy), started by ``policy/``.

Every rule is mandatory. Rules about one resource are resource validations: the engine runs them before the
resource's step, so ``up`` stops before creating it. The rule that compares resources (one user per member)
is a stack validation, which the engine runs once all resources are registered: during ``up`` that is after
they were applied, which is why ``mcp-access up`` previews with the pack first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from components.guardrails.rules import (
    DEFAULT_MAX_ELEVATION_HOURS,
    DEFAULT_MAX_ROTATION_DAYS,
    RULES,
    UNKNOWN,
    PlannedResource,
    RuleInfo,
    RuleSettings,
    planned_from_urn,
    settings_from,
)
from components.model.defaults import DEFAULT_PRODUCTION_STACKS

PACK_NAME = "directus-mcp-access-guardrails"

#: The settings each rule reads from ``--policy-pack-config`` (JSON schema of its properties).
CONFIG_SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    "production-hardening": {
        "productionStacks": {"type": "array", "items": {"type": "string"}, "default": list(DEFAULT_PRODUCTION_STACKS)}
    },
    "token-rotation-limit": {"maxDays": {"type": "integer", "minimum": 1, "default": DEFAULT_MAX_ROTATION_DAYS}},
    "mcp-email-pattern": {"pattern": {"type": "string", "default": RuleSettings().email_pattern}},
    "elevation-time-box": {"maxHours": {"type": "integer", "minimum": 1, "default": DEFAULT_MAX_ELEVATION_HOURS}},
}


def _plain(value: Any) -> Any:
    """A copy without the pack's unknown-checking proxies; values a preview cannot know become ``UNKNOWN``."""
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key in list(value.keys()):
            try:
                copied[key] = _plain(value[key])
            except UnknownValueError:
                copied[key] = UNKNOWN
        return copied
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(_plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def planned(resource: PolicyResource) -> PlannedResource:
    parent = resource.parent
    return PlannedResource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=_plain(resource.props),
        parent_type=parent.resource_type if parent else None,
        parent_name=parent.name if parent else None,
        property_dependencies={k: tuple(r.urn for r in v) for k, v in resource.property_dependencies.items()},
    )


#: The rules that need more than one resource at a time.
STACK_RULES = frozenset({"one-user-per-member"})


def _one(resource_type: str, urn: str, props: Mapping[str, Any]) -> PlannedResource:
    return planned_from_urn(resource_type, urn, _plain(props))


def _common(rule: RuleInfo) -> dict[str, Any]:
    """Name, description, enforcement and config schema: the same for both kinds of policy."""
    schema = CONFIG_SCHEMAS.get(rule.name)
    return {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": EnforcementLevel.MANDATORY,
        "config_schema": PolicyConfigSchema(schema) if schema else None,
    }


def _resource_policy(rule: RuleInfo) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        resources = [_one(args.resource_type, args.urn, args.props)]
        provider = args.provider
        if provider is not None:  # it carries the stack config (the developer opt-in)
            resources.append(_one(provider.resource_type, provider.urn, provider.props))
        rule.check(resources, settings_from(args.get_config()), lambda _urn, message: report(message, None))

    return ResourceValidationPolicy(validate=validate, **_common(rule))


def _stack_policy(rule: RuleInfo) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [planned(resource) for resource in args.resources]
        rule.check(resources, settings_from(args.get_config()), lambda urn, message: report(message, urn))

    return StackValidationPolicy(validate=validate, **_common(rule))


def serve() -> None:
    """Start the analyzer server (blocks); the engine passes its address on the command line."""
    policies: list[Policy] = [
        _stack_policy(rule) if rule.name in STACK_RULES else _resource_policy(rule) for rule in RULES
    ]
    PolicyPack(name=PACK_NAME, policies=policies)
