"""The guard of ``mcp-access up``: a member revoked by hand is not re-enabled unless ``--restore MEMBER`` says so.

Before any change, the users of the members the code enables are read from Directus; one tagged
:data:`REVOKED_TAG` stops the run with a message naming the member and both ways out. ``--restore MEMBER``
removes the tag (nothing else) right before ``up``, which then re-activates the user and issues a new token.
If that ``up`` fails, the tag is gone and the next ``up`` re-enables the member: it was asked for. A plain
``pulumi up`` meets the same refusal in the user provider (:class:`components.providers.user.RevokedUserError`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.usage import USERS_PER_QUERY
from components.engine.deployed import deployed_outputs, members_of, stack_settings
from components.errors import NotDeployedError
from components.kinds import USERS_PATH
from components.model.access_at import member_active
from components.model.clock import now
from components.model.marker import REVOKED_TAG, tags_revoked
from components.ops.breakglass.target import BreakGlassError, stack_client


@dataclass(frozen=True)
class RevokedMember:
    member: str
    user_id: str
    mcp_email: str
    tags: tuple[str, ...]


def revoked_members(stack: auto.Stack) -> tuple[list[RevokedMember], DirectusClient | None]:
    """Members the code enables whose live user carries the revoked tag (none before the first ``up``), and the
    client that read them (``None`` when nothing had to be read).
    """
    try:
        members = members_of(deployed_outputs(stack))
    except NotDeployedError:
        return [], None
    config, _ = stack_settings(stack)
    moment = now()
    enabled = {m.name for m in config.members if member_active(m, moment)}
    wanted = {name: str(info["userId"]) for name, info in members.items() if name in enabled}
    if not wanted:
        return [], None
    client = stack_client(stack)
    by_id = users_by_id(client, list(wanted.values()))
    found = []
    for name, user_id in sorted(wanted.items()):
        user = by_id.get(user_id)
        if user is not None and tags_revoked(user.get("tags")):
            found.append(RevokedMember(name, user_id, str(user.get("email")), tuple(user.get("tags") or ())))
    return found, client


def users_by_id(client: DirectusClient, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The users with ``ids`` (id, email, tags), read :data:`USERS_PER_QUERY` at a time: one filter naming every
    member's id made the query string too long for Directus at 1000 members (``431 Request Header Fields Too
    Large``, found by the benchmark)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), USERS_PER_QUERY):
        chunk = list(ids[start : start + USERS_PER_QUERY])
        users = client.list_objects(USERS_PATH, filter={"id": {"_in": chunk}}, fields=["id", "email", "tags"])
        found.update({str(u["id"]): u for u in users})
    return found


def guard_restores(stack: auto.Stack, restore: Sequence[str]) -> Callable[[], list[str]]:
    """Refuse (before any change) when a revoked member is not named in ``restore``; else return the step that
    removes the tag of those named, to run right before ``up``. It returns what it did, one line per member.
    """
    revoked, client = revoked_members(stack)
    names = {r.member for r in revoked}
    unknown = sorted(set(restore) - names)
    if unknown:
        raise BreakGlassError(
            f"--restore {', '.join(unknown)}: not revoked in stack {stack.name!r} (revoked: "
            f"{', '.join(sorted(names)) or 'none'}); nothing to restore"
        )
    refused = sorted(names - set(restore))
    if refused:
        flags = " ".join(f"--restore {name}" for name in refused)
        raise BreakGlassError(
            f"member{'s' if len(refused) > 1 else ''} {', '.join(refused)} of stack {stack.name!r} "
            f"{'were' if len(refused) > 1 else 'was'} revoked by hand (`mcp-access revoke`) and the code still "
            f"enables {'them' if len(refused) > 1 else 'it'}: `up` does not re-enable a revoked member silently. "
            f"Either set `enabled: false` for {', '.join(refused)} in the stack's code, or re-enable with "
            f"`mcp-access up --stack {stack.name} {flags}` (a new token is issued). Nothing was changed."
        )
    chosen = [r for r in revoked if r.member in set(restore)]

    def remove_tags() -> list[str]:
        done = []
        for member in chosen:
            assert client is not None  # a revoked member was read through it
            tags = [t for t in member.tags if t != REVOKED_TAG]
            client.update(USERS_PATH, member.user_id, {"tags": tags})
            done.append(f"restoring member {member.member}: removed the tag {REVOKED_TAG} from {member.mcp_email}")
        return done

    return remove_tags
