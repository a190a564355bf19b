"""``mcp-access rotate MEMBER``: a new token now (e.g. after a leak), kept in the Pulumi state.

The token is the secret output of the member's ``StaticToken`` resource, so a token written outside Pulumi
would be drift. The rotation is therefore a targeted replacement through the Automation API
(``pulumi up --target <token urn> --replace <token urn>``): only that resource changes, the provider issues
the new token first (``PATCH /users/:id``, the old one fails at once) and the state records it, so a
following ``preview --refresh`` plans no change. Other pending changes of the stack are not applied.

The replacement itself is the caller's ``replace_token(urn)``: the one apply path
(:func:`components.ops.apply.run.apply`, policy pack included), which this room may not import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pulumi import automation as auto

from components.kinds import USERS_PATH
from components.model.marker import tags_revoked
from components.ops.breakglass.target import BreakGlassError, member_target, stack_client, token_urn


@dataclass
class Rotated:
    member: str
    stack: str
    mcp_email: str
    rotation_due: str
    token: str

    def __repr__(self) -> str:  # never show the token
        return f"Rotated({self.stack!r}, {self.member!r}, due {self.rotation_due})"

    def lines(self, *, show_token: bool) -> list[str]:
        lines = [
            f"rotated the token of member {self.member} in stack {self.stack!r} (user {self.mcp_email}): the old "
            f"token no longer works; the new one is in the stack's state, next rotation due {self.rotation_due}",
        ]
        if show_token:
            lines.append(f"  token: {self.token}")
        else:
            lines.append(
                f"The token is not printed; `mcp-access onboard {self.member} --stack {self.stack}` gives the member "
                "a new client configuration (or add --show-token)."
            )
        return lines


def rotate(stack: auto.Stack, member: str, replace_token: Callable[[str], object]) -> Rotated:
    """Check that ``member`` has a live, unrevoked token, have ``replace_token(urn)`` replace it, check it was."""
    target = member_target(stack, member)
    urn = token_urn(stack, member)
    if not target.enabled or urn is None:
        raise BreakGlassError(
            f"member {member!r} has no token in stack {stack.name!r} (it is disabled: `enabled: false`): nothing "
            "to rotate"
        )
    live = stack_client(stack).get_by_id(USERS_PATH, target.user_id, fields=["id", "status", "tags"])
    if live is None:
        raise BreakGlassError(f"user {target.mcp_email} of member {member!r} is not in Directus: run `up` first")
    if tags_revoked(live.get("tags")):
        raise BreakGlassError(
            f"member {member!r} was revoked (`mcp-access revoke`): restore it with "
            f"`mcp-access up --stack {stack.name} --restore {member}`, which issues a new token"
        )
    replace_token(urn)
    after = member_target(stack, member)
    due = str((stack.outputs()["members"].value[member] or {}).get("rotationDue"))
    if not after.token or after.token == target.token:
        raise BreakGlassError(f"the token of member {member!r} was not replaced: run `mcp-access drift`")
    return Rotated(member, stack.name, target.mcp_email, due, after.token)
