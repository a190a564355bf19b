"""The Pulumi program: reads the stack config and builds the components. No HTTP here."""

from __future__ import annotations

import pulumi

from components.access_policy import McpAccessPolicy, read_permissions
from components.config import CONFIG_NAMESPACE, ConfigError, StackConfig, load_config
from components.member import McpMember
from components.providers.mcp_settings import McpSettings


def build(config: StackConfig, stack: str) -> None:
    """Declare everything one stack manages, and export what an MCP client needs."""
    settings = McpSettings(
        "mcp-settings",
        mcp_enabled=config.mcp.enabled,
        mcp_allow_deletes=config.mcp.allow_deletes,
        mcp_system_prompt_enabled=config.mcp.system_prompt_enabled,
        mcp_system_prompt=config.mcp.system_prompt,
    )
    roster = {
        member.name: McpMember(
            member.name,
            stack=stack,
            mcp_email=config.mcp_email(member),
            first_name=member.first_name or "AI",
            last_name=member.last_name or member.email.split("@", 1)[0],
            rotate_after_days=config.rotation_for(member),
            opts=pulumi.ResourceOptions(depends_on=[settings]),
        )
        for member in config.members
    }
    reader = McpAccessPolicy(
        "reader",
        stack=stack,
        description="Read access for AI assistants connected through MCP.",
        permissions=read_permissions(config.read_collections),
        ip_access=config.ip_allowlist,
        linked_to=pulumi.Output.all(*(m.link_target for m in roster.values())),
    )
    members: dict[str, pulumi.Output[dict[str, str]]] = {}
    tokens: dict[str, pulumi.Output[str]] = {}
    for name, resource in roster.items():
        resource.attach(name, reader.policy_id)
        members[name] = pulumi.Output.all(resource.user_id, resource.email, resource.rotation_due).apply(
            lambda values: {"userId": values[0], "email": values[1], "rotationDue": values[2]}
        )
        tokens[name] = resource.token
    pulumi.export("mcpUrl", config.mcp_url)
    pulumi.export("members", members)
    pulumi.export("tokens", pulumi.Output.secret(tokens))


def main() -> None:
    """Entry point for ``__main__.py`` and for the Automation API's inline program."""
    try:
        config = load_config(pulumi.Config(CONFIG_NAMESPACE).get)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None  # shown without a Python traceback
    build(config, pulumi.get_stack())
