"""Which Directus user (and token resource) a member of a deployed stack has: read from its outputs and state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.engine.deployed import admin_client, deployed_outputs, members_of, stack_settings
from components.errors import McpAccessError
from components.kinds import STATIC_TOKEN


class BreakGlassError(McpAccessError):
    """A break-glass command cannot act: unknown member, no token to rotate, user gone, member revoked."""


@dataclass(frozen=True)
class MemberTarget:
    """One member of a deployed stack: its user, whether the code enables it, its current token (secret)."""

    stack: str
    member: str
    user_id: str
    mcp_email: str
    mcp_url: str
    enabled: bool
    token: str | None

    def __repr__(self) -> str:  # never show the token
        return f"MemberTarget({self.stack!r}, {self.member!r}, {self.mcp_email!r})"


def member_target(stack: auto.Stack, member: str) -> MemberTarget:
    """The member's user as ``up`` last applied it; an error naming the member and the known ones otherwise."""
    return target_in(stack.name, deployed_outputs(stack), member)


def target_in(stack: str, outputs: Mapping[str, auto.OutputValue], member: str) -> MemberTarget:
    """The member's user in outputs already read (``watch`` holds them; it must not start the CLI to act)."""
    members = members_of(outputs)
    if member not in members:
        known = ", ".join(sorted(members)) or "none"
        raise BreakGlassError(f"member {member!r} is not in stack {stack!r} (members: {known})")
    info: dict[str, Any] = members[member]
    tokens = outputs["tokens"].value if "tokens" in outputs else {}
    return MemberTarget(
        stack=stack,
        member=member,
        user_id=str(info["userId"]),
        mcp_email=str(info["mcpEmail"]),
        mcp_url=str(info["mcpUrl"]),
        enabled=bool(info.get("enabled", True)),
        token=tokens.get(member),
    )


def stack_client(stack: auto.Stack) -> DirectusClient:
    """The provisioning client of the stack's Directus (stack secret or ``DIRECTUS_PROVISIONING_TOKEN``)."""
    _, values = stack_settings(stack)
    return admin_client(values)


def token_urn(stack: auto.Stack, member: str) -> str | None:
    """The URN of the member's ``StaticToken`` resource in the state (``None``: the member has no token)."""
    resources = (stack.export_stack().deployment or {}).get("resources") or []
    for resource in resources:
        urn = str(resource.get("urn", ""))
        if resource.get("type") == STATIC_TOKEN.type and urn.endswith(f"::{member}-token"):
            return urn
    return None
