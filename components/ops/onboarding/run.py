"""What one member needs to connect, read back from a deployed stack (its outputs and config)."""

from __future__ import annotations

from typing import Literal

from pulumi import automation as auto

from components.engine.deployed import deployed_outputs, members_of, stack_settings
from components.model.stack_config import ConfigError
from components.ops.onboarding.render import OnboardingInfo


def onboarding_info(
    stack: auto.Stack,
    member: str,
    *,
    auth: Literal["token", "oauth"] = "token",
    tool_mode: Literal["default", "registry"] = "default",
) -> OnboardingInfo:
    """The member's MCP email, template, URL, token and the stack's rules, or a clear error naming the member.

    ``auth="oauth"``: the member connects with OAuth; the document carries no token, and the stack must have
    ``mcp.oauth.enabled``.
    """
    outputs = deployed_outputs(stack)
    members = members_of(outputs)
    if member not in members:
        known = ", ".join(sorted(members)) or "none"
        raise ConfigError(f"member {member!r} is not in stack {stack.name!r} (members: {known})")
    info = members[member]
    tokens = outputs["tokens"].value if "tokens" in outputs else {}
    if not info.get("enabled", True) or member not in tokens:
        raise ConfigError(f"member {member!r} is disabled in stack {stack.name!r}: it has no token")
    config, _ = stack_settings(stack)
    if auth == "oauth" and not config.mcp.oauth.enabled:
        raise ConfigError(
            f"member {member!r} cannot connect with OAuth: stack {stack.name!r} has mcp.oauth.enabled false"
        )
    return OnboardingInfo(
        member=member,
        mcp_email=info["mcpEmail"],
        template=info["template"],
        stack=stack.name,
        mcp_url=info["mcpUrl"],
        token=tokens[member] if auth == "token" else "",
        allow_deletes=config.mcp.allow_deletes,
        ip_allowlist=list(config.ip_allowlist),
        rotation_due=info.get("rotationDue"),
        auth=auth,
        tool_mode=tool_mode,
    )
