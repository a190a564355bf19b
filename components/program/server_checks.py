"""Check, before any change, that the stack asks only for what this Directus line can do.

The version comes from :mod:`components.directus.version` (one read of ``/server/info`` per run); the rules
about lines live there, the messages that name the config entry live here.
"""

from __future__ import annotations

import json

from components.directus.version import ServerInfo
from components.model.role_templates import Grant, RoleSpec
from components.model.stack_config import ConfigError, StackConfig


def _custom_rules(grant: Grant) -> str | None:
    """What in ``grant`` is a custom permission rule, in words (``None``: nothing)."""
    rules = []
    if grant.limits_fields:
        rules.append(f"limits fields to {grant.fields}")
    if grant.filters_items:
        rules.append(f"filters items with {json.dumps(grant.filter)}")
    return " and ".join(rules) or None


def custom_rule_errors(specs: dict[str, RoleSpec], info: ServerInfo, url: str) -> list[str]:
    """One message per grant with a field list or an item filter on a server that refuses such permissions."""
    if info.custom_permission_rules:
        return []
    return [
        f"role template {template!r}: the grant on {grant.collection!r} {rules}, which {info.describe()} at {url} "
        "refuses without a license (403 RESOURCE_RESTRICTED on the core tier: custom permission rules); use "
        "fields ['*'] and no filter there, or a licensed 12.x or an 11.x Directus"
        for template, spec in sorted(specs.items())
        for grant in spec.permissions
        if (rules := _custom_rules(grant))
    ]


def oauth_settings_errors(config: StackConfig, info: ServerInfo, url: str) -> list[str]:
    """One message per OAuth setting or ``auth: oauth`` member on a server without the MCP OAuth server (< 12.0)."""
    if info.mcp_oauth is not False:
        return []
    oauth = config.mcp.oauth
    keys = [
        key
        for key, on in (
            ("mcp.oauth.enabled", oauth.enabled),
            ("mcp.oauth.dynamicClientRegistration", oauth.dynamic_client_registration),
            ("mcp.oauth.clientIdMetadata", oauth.client_id_metadata),
        )
        if on
    ]
    keys += [f"members[{index}].auth" for index, member in enumerate(config.members) if member.auth == "oauth"]
    return [f"{key}: {info.describe()} at {url} has no MCP OAuth server (Directus 12.0 and later)" for key in keys]


def check_server_supports(config: StackConfig, specs: dict[str, RoleSpec], info: ServerInfo, stack: str) -> None:
    url = config.directus_url
    problems = custom_rule_errors(specs, info, url) + oauth_settings_errors(config, info, url)
    if problems:
        raise ConfigError(f"stack {stack!r} cannot be applied:\n  " + "\n  ".join(problems))
