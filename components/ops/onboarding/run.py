"""What one member needs to connect, read back from a deployed stack (its outputs and config)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pulumi import automation as auto

from components.directus.version import ServerInfo, server_info
from components.engine.deployed import admin_client, deployed_outputs, members_of, stack_settings
from components.model.clock import now as clock_now
from components.model.stack_config import ConfigError, StackConfig
from components.model.validation import documentation_allowlist_problem
from components.ops.onboarding.callers import network_note
from components.ops.onboarding.oauth_consent import approve_consent
from components.ops.onboarding.render import OnboardingInfo, render_onboarding


def onboarding_info(
    stack: auto.Stack,
    member: str,
    *,
    auth: Literal["token", "oauth"] | None = None,
    tool_mode: Literal["default", "registry"] = "default",
    read: tuple[Mapping[str, auto.OutputValue], StackConfig] | None = None,
    network: bool = False,
) -> OnboardingInfo:
    """The member's MCP email, template, URL, token and the stack's rules, or a clear error naming the member.

    ``auth`` defaults to the member's own (``members[].auth`` in the stack); asking for the other one is an
    error that says how to switch. An ``oauth`` member's document carries no token, and the stack must have
    ``mcp.oauth.enabled``; its consent is approved with ``mcp-access oauth-approve``. ``read``: the stack's
    outputs and config when the caller has them already (several members in a row). ``network``: also say where
    the member's client must call from, and whether its recorded requests came from outside the allowlist
    (``network_note``; one read of the recorder's log collection).
    """
    outputs = read[0] if read else deployed_outputs(stack)
    members = members_of(outputs)
    if member not in members:
        known = ", ".join(sorted(members)) or "none"
        raise ConfigError(f"member {member!r} is not in stack {stack.name!r} (members: {known})")
    info = members[member]
    own: Literal["token", "oauth"] = "oauth" if info.get("auth") == "oauth" else "token"
    chosen = auth or own
    config, values = (read[1], None) if read else stack_settings(stack)
    if chosen == "oauth":
        values = values or stack_settings(stack)[1]
        client = admin_client(values)  # shared by the process: not closed here
        check_oauth_server(server_info(client), config.directus_url)  # the server first: OAuth may not exist
    if chosen != own:
        raise ConfigError(
            f"member {member!r} connects with auth {own!r} in stack {stack.name!r}, not {chosen!r}: set "
            f"`auth: {chosen}` for it in the stack and run `up` to switch"
        )
    if not info.get("enabled", True):
        raise ConfigError(f"member {member!r} is disabled in stack {stack.name!r}: it cannot connect")
    tokens = outputs["tokens"].value if "tokens" in outputs else {}
    if own == "token" and member not in tokens:
        raise ConfigError(f"member {member!r} has no token in stack {stack.name!r}: run `up` first")
    documentation = documentation_allowlist_problem(list(config.ip_allowlist))
    if documentation:
        raise ConfigError(f"member {member!r} could not use this configuration: stack {stack.name!r}'s {documentation}")
    if own == "oauth" and not config.mcp.oauth.enabled:
        raise ConfigError(
            f"member {member!r} cannot connect with OAuth: stack {stack.name!r} has mcp.oauth.enabled false"
        )
    note = None
    if network and config.ip_allowlist:
        client = admin_client(values or stack_settings(stack)[1])  # shared by the process: not closed here
        note = network_note(client, config, member, str(info["userId"]), clock_now())
    return OnboardingInfo(
        member=member,
        mcp_email=info["mcpEmail"],
        template=info["template"],
        stack=stack.name,
        mcp_url=info["mcpUrl"],
        token=tokens[member] if own == "token" else "",
        allow_deletes=config.mcp.allow_deletes,
        ip_allowlist=list(config.ip_allowlist),
        rotation_due=info.get("rotationDue"),
        auth=own,
        tool_mode=tool_mode,
        oauth_dcr=config.mcp.oauth.dynamic_client_registration,
        network_note=note,
    )


def check_oauth_server(info: ServerInfo, url: str) -> None:
    """OAuth onboarding on a server without the MCP OAuth server (before 12.0) says so, before anything else."""
    if info.mcp_oauth is False:
        raise ConfigError(
            f"Directus at {url} runs {info.version}: the MCP OAuth server came with Directus 12.0, so no member can "
            "connect with OAuth there",
            hint="connect with a static token (`auth: token`, the default), or upgrade Directus to 12.x",
        )


def approve_member_consent(stack: auto.Stack, member: str, authorize_url: str) -> str:
    """Approve ``authorize_url`` as the enabled OAuth member's user; returns the redirect the member opens."""
    members = members_of(deployed_outputs(stack))
    info = members.get(member)
    if info is None:
        raise ConfigError(f"member {member!r} is not in stack {stack.name!r} (members: {', '.join(sorted(members))})")
    if info.get("auth", "token") != "oauth":
        raise ConfigError(
            f"member {member!r} has auth {info.get('auth', 'token')!r}: only `auth: oauth` members use OAuth"
        )
    if not info.get("enabled", True):
        raise ConfigError(f"member {member!r} is disabled in stack {stack.name!r}")
    config, values = stack_settings(stack)
    client = admin_client(values)  # shared by the process: not closed here
    return approve_consent(
        client, config.directus_url, str(info["userId"]), str(info["mcpEmail"]), authorize_url
    ).redirect


def member_document(
    stack: auto.Stack, member: str, client: str, read: tuple[Mapping[str, auto.OutputValue], StackConfig]
) -> str:
    """A member's onboarding document (client configuration and checklist) from the stack's outputs and config
    the caller has read (sealed delivery, after ``up`` or ``rotate``)."""
    return render_onboarding(onboarding_info(stack, member, read=read), client)
