"""From a validated stack config to the role specs the stack applies: pure, no Pulumi, no HTTP.

The program, and later the review command, share this step. Every problem (a template that does not render,
or renders what the stack's guardrails refuse) is collected and raised as one :class:`ConfigError` naming the
template and the members that use it, before any resource is declared.
"""

from __future__ import annotations

from pathlib import Path

from components.model.clock import now
from components.model.defaults import DEFAULT_PRODUCTION_STACKS
from components.model.role_templates import (
    TEMPLATE_DIR,
    RenderContext,
    RoleSpec,
    TemplateError,
    TemplateLimits,
    guardrail_violations,
    render,
)
from components.model.stack_config import ConfigError, StackConfig
from components.model.timebox_rules import elevation_guardrail_problems


def _elevation_problems(config: StackConfig, stack: str, specs: dict[str, RoleSpec]) -> list[str]:
    admin = {name for name, spec in specs.items() if spec.policy.admin_access}
    return elevation_guardrail_problems(config, stack, admin, now())


def render_context(config: StackConfig, stack: str, template: str) -> RenderContext:
    settings = config.template_settings(template)
    return RenderContext(
        stack=stack,
        collections=list(settings.collections),
        allow_deletes=config.mcp.allow_deletes,
        ip_allowlist=list(config.ip_allowlist),
        vars=dict(settings.vars),
    )


def guardrails_of(config: StackConfig) -> TemplateLimits:
    return TemplateLimits(
        allow_admin_access=config.guardrails.allow_admin_access,
        allow_deletes=config.mcp.allow_deletes,
        ip_allowlist=list(config.ip_allowlist),
    )


def _users_of(config: StackConfig, template: str) -> str:
    names = [m.name for m in config.members if m.template == template]
    return f" (used by {', '.join(names)})" if names else " (configured under templates, used by no member)"


def stack_setting_problems(config: StackConfig, stack: str) -> list[str]:
    """Guardrails on the stack's own settings (not on a template): the program refuses them before any change."""
    problems = []
    oauth = config.mcp.oauth
    if (
        stack in DEFAULT_PRODUCTION_STACKS
        and oauth.dynamic_client_registration
        and not config.guardrails.allow_dynamic_client_registration
    ):
        problems.append(
            "mcp.oauth.dynamicClientRegistration: true in a production stack: anyone who reaches Directus could "
            "register an OAuth client; set guardrails.allowDynamicClientRegistration: true to allow it"
        )
    return problems


def stack_role_specs(config: StackConfig, stack: str, directory: Path = TEMPLATE_DIR) -> dict[str, RoleSpec]:
    """Render every template the stack uses and check it against the stack's guardrails."""
    specs: dict[str, RoleSpec] = {}
    problems: list[str] = stack_setting_problems(config, stack)
    guardrails = guardrails_of(config)
    for template in config.templates_in_use():
        try:
            spec = render(template, render_context(config, stack, template), directory)
        except TemplateError as exc:
            problems.append(f"{exc}{_users_of(config, template)}")
            continue
        problems += [f"{p}{_users_of(config, template)}" for p in guardrail_violations(spec, guardrails, stack)]
        specs[template] = spec
    problems += _elevation_problems(config, stack, specs)
    if problems:
        raise ConfigError(f"stack {stack!r} cannot be applied:\n  " + "\n  ".join(problems))
    return specs
