"""``mcp-access revoke MEMBER``: suspend the member's user and clear its token now, without a PR or a Pulumi run.

One ``PATCH /users/:id`` sets ``status: suspended``, ``token: null`` and adds the tag :data:`REVOKED_TAG`
together, so a crash leaves either nothing done or everything done (Directus applies one PATCH as one update);
running ``revoke`` again is harmless. The tag is what ``drift`` reports as revoked-by-hand and what stops ``up``
from re-enabling the user silently (:mod:`components.ops.breakglass.restore_guard`). The Pulumi state is not touched:
the refreshed preview sees the suspended user and the dead token, which is exactly the drift to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError
from components.directus.oauth import clients_held_only_by, delete_clients
from components.kinds import USERS_PATH
from components.model.marker import REVOKED_TAG
from components.ops.breakglass.target import BreakGlassError, MemberTarget, member_target, stack_client


@dataclass
class Revoked:
    member: str
    stack: str
    mcp_email: str
    was_status: str
    had_token: bool
    #: Whether the token ``up`` last issued still authenticates after the revoke (it must not).
    old_token_refused: bool | None
    oauth_grants: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"revoked member {self.member} in stack {self.stack!r}: user {self.mcp_email} suspended "
            f"(was {self.was_status}), static token {'cleared' if self.had_token else 'already empty'}, "
            f"tagged {REVOKED_TAG}",
        ]
        if self.old_token_refused is not None:
            lines.append(
                "checked: its last issued token is refused by Directus (401)"
                if self.old_token_refused
                else "WARNING: its last issued token still authenticates: check the user in Directus"
            )
        if self.oauth_grants:
            lines.append(
                f"OAuth clients of its own deleted (with their consents and tokens): {', '.join(self.oauth_grants)}"
            )
        lines.append(
            f"next: set `enabled: false` for {self.member} in the stack's code to keep it so, or run "
            f"`mcp-access up --stack {self.stack} --restore {self.member}` to re-enable it with a new token"
        )
        return lines


def oauth_clients_of(client: DirectusClient, user_id: str) -> list[str]:
    """The OAuth clients only this user holds tokens on (its assistant's own registrations), read before the
    suspension: suspending deletes the user's sessions, and with them the token rows that tell whose a client is.
    Clients other users also hold tokens on are left alone (deleting one would cut those users off).
    """
    return clients_held_only_by(client, user_id)


def _refused(client: DirectusClient, token: str | None) -> bool | None:
    if not token:
        return None
    try:
        client.whoami(token)
    except DirectusAuthError:
        return True
    return False


def revoke(stack: auto.Stack, member: str) -> Revoked:
    return revoke_target(stack_client(stack), member_target(stack, member))


def revoke_target(client: DirectusClient, target: MemberTarget) -> Revoked:
    """The revoke itself, with a provisioning client and a member already looked up (``watch`` enforces with it)."""
    member = target.member
    if target.token:
        client.register_secret(target.token)
    user = client.get_by_id(USERS_PATH, target.user_id, fields=["id", "email", "status", "token", "tags"])
    if user is None:
        raise BreakGlassError(
            f"user {target.mcp_email} of member {member!r} (id {target.user_id}) is not in Directus: nothing to "
            "revoke (deleted by hand?); `mcp-access drift` shows it"
        )
    tags = [t for t in (user.get("tags") or []) if t != REVOKED_TAG] + [REVOKED_TAG]
    grants = oauth_clients_of(client, target.user_id)
    client.update(USERS_PATH, target.user_id, {"status": "suspended", "token": None, "tags": tags})
    delete_clients(client, grants)  # their consents and tokens go with them; the suspension already refuses them
    return Revoked(
        member=member,
        stack=target.stack,
        mcp_email=target.mcp_email,
        was_status=str(user.get("status")),
        had_token=bool(user.get("token")),
        old_token_refused=_refused(client, target.token),
        oauth_grants=grants,
    )
