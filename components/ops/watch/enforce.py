"""Carrying out the enforcement the rules decided, with the provisioning client (the guard user cannot write).

A member is revoked exactly as ``mcp-access revoke`` does it (:func:`components.ops.breakglass.revoke.
revoke_target`): suspended, token cleared, tagged, its own OAuth clients deleted. Other actions restore one
declared value or remove one link to this stack's objects. Each returns words for the report, never a token.
"""

from __future__ import annotations

from collections.abc import Mapping

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.ops.breakglass.revoke import revoke_target
from components.ops.breakglass.target import target_in
from components.ops.watch.rules import (
    CLEAR_ROLE,
    DELETE_ACCESS,
    RESTORE_POLICY,
    RESTORE_SETTING,
    REVOKE,
    Action,
)


def carry_out(client: DirectusClient, stack: str, outputs: Mapping[str, auto.OutputValue], action: Action) -> None:
    """Do ``action``; a Directus error propagates (the watch reports it as a failed enforcement)."""
    if action.what == REVOKE and action.member:
        done = revoke_target(client, target_in(stack, outputs, action.member))
        if done.old_token_refused is False:
            raise RuntimeError("the member's last issued token still authenticates after the revoke")
    elif action.what == DELETE_ACCESS:
        client.delete("/access", action.target)
    elif action.what == RESTORE_POLICY:
        client.update("/policies", action.target, dict(action.values))
    elif action.what == CLEAR_ROLE:
        client.update("/users", action.target, {"role": None})
    elif action.what == RESTORE_SETTING:
        client.request("PATCH", "/settings", json=dict(action.values))
    else:  # pragma: no cover - the rules make no other action
        raise ValueError(f"unknown enforcement action {action.what!r}")


def live_allow_deletes(client: DirectusClient) -> bool | None:
    """``mcp_allow_deletes`` as Directus has it now (``None``: not readable)."""
    settings = client.get("/settings", {"fields": "mcp_allow_deletes"}) or {}
    value = settings.get("mcp_allow_deletes")
    return value if isinstance(value, bool) else None
