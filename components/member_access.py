"""What one member needs to connect, read back from a deployed stack (its outputs and config)."""

from __future__ import annotations

from pulumi import automation as auto

from components.config import CONFIG_NAMESPACE, ConfigError, load_config
from components.onboarding import OnboardingInfo
from components.role_templates import available_templates


def onboarding_info(stack: auto.Stack, member: str) -> OnboardingInfo:
    """The member's MCP email, template, URL, token and the stack's rules, or a clear error naming the member."""
    outputs = stack.outputs()
    if "members" not in outputs:
        raise ConfigError(f"stack {stack.name!r} has no outputs yet: run `up` first")
    members = outputs["members"].value
    if member not in members:
        known = ", ".join(sorted(members)) or "none"
        raise ConfigError(f"member {member!r} is not in stack {stack.name!r} (members: {known})")
    info = members[member]
    tokens = outputs["tokens"].value if "tokens" in outputs else {}
    if not info.get("enabled", True) or member not in tokens:
        raise ConfigError(f"member {member!r} is disabled in stack {stack.name!r}: it has no token")
    prefix = f"{CONFIG_NAMESPACE}:"
    values = {k.removeprefix(prefix): v.value for k, v in stack.get_all_config().items() if k.startswith(prefix)}
    config = load_config(values.get, templates=available_templates())
    return OnboardingInfo(
        member=member,
        mcp_email=info["mcpEmail"],
        template=info["template"],
        stack=stack.name,
        mcp_url=info["mcpUrl"],
        token=tokens[member],
        allow_deletes=config.mcp.allow_deletes,
        ip_allowlist=list(config.ip_allowlist),
        rotation_due=info.get("rotationDue"),
    )
