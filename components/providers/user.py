"""Dynamic provider for a Directus user (the dedicated MCP user of one team member)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, DiffResult, UpdateResult

from components.directus.errors import DirectusError
from components.directus.oauth import clients_held_only_by, delete_clients
from components.errors import McpAccessError
from components.kinds import USER, USERS_PATH
from components.model.marker import REMOVED_TAG, REVOKED_TAG, tags_have_marker, tags_revoked
from components.model.validation import USER_STATUSES, email_error
from components.providers.base import DirectusResource, Props, failure, is_unknown
from components.providers.direct_links import PolicyHolderProvider, remove_undeclared

USER_FIELDS = ("email", "first_name", "last_name", "status", "role", "tags")
USER_READ_FIELDS = ["id", *USER_FIELDS]


class RevokedUserError(McpAccessError):
    """``up`` would re-activate a user that ``mcp-access revoke`` suspended, and nobody said to restore it."""

    def __init__(self, email: str) -> None:
        super().__init__(
            f"user {email} was revoked by hand (`mcp-access revoke`, tag {REVOKED_TAG!r}) and the code still enables "
            "its member: `up` does not re-enable it silently. Either set `enabled: false` for the member, or restore "
            "it with `mcp-access up --restore MEMBER` (which removes the tag, then re-activates the user with a new "
            "token)"
        )


def _without_revoked(tags: Any) -> Any:
    return [t for t in tags if t != REVOKED_TAG] if isinstance(tags, list) else tags


class UserProvider(PolicyHolderProvider):
    holder = "user"
    path = USERS_PATH
    key = "email"  # create adopts by email; tags as declared, so adopting a removed user drops REMOVED_TAG
    id_output = "user_id"
    read_fields = USER_READ_FIELDS
    managed_fields = USER_FIELDS

    stable_outputs = (
        "user_id",
        "email",
    )

    def is_marked(self, obj: dict[str, Any]) -> bool:
        return tags_have_marker(obj.get("tags"))

    def validate(self, news: Props) -> list[CheckFailure]:
        problems = []
        email = news.get("email")
        if not is_unknown(email) and (error := email_error(email)):
            problems.append(failure("email", error))
        elif isinstance(email, str) and email != email.lower():
            problems.append(failure("email", f"{email!r} must be lower case (Directus stores emails lower-cased)"))
        status = news.get("status")
        if not is_unknown(status) and status not in USER_STATUSES:
            problems.append(failure("status", f"{status!r} is not a user status ({', '.join(USER_STATUSES)})"))
        tags = news.get("tags")
        if not is_unknown(tags) and not (isinstance(tags, list) and tags_have_marker(tags)):
            problems.append(failure("tags", f"{tags!r} must include the managed-by marker tag"))
        return problems

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        """A revoked user (tag :data:`REVOKED_TAG`) matches a member the code disables: the tag is not drift then."""
        if news.get("status") == "suspended":
            olds = {**olds, "tags": _without_revoked(olds.get("tags"))}
        return super().diff(id_, olds, news)

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        """Apply the declared fields; never re-activate a revoked user; a user no longer active loses its OAuth grants.

        Revoked (tag :data:`REVOKED_TAG`, checked live: a plain ``pulumi up`` without refresh has ``olds`` from
        before the revoke): a suspended user keeps the tag, re-activating one is refused unless
        ``mcp-access up --restore MEMBER`` removed the tag first.

        Suspending a user makes Directus delete its sessions, so its OAuth tokens fail at once (401). The OAuth
        clients only this user holds tokens on (its assistant's own registration) are deleted as well, which
        removes its consents with them. Clients other users also hold tokens on are left alone: deleting one
        would cut those users off (see :mod:`components.directus.oauth`).
        """
        live = self.client.get_by_id(self.path, id_, fields=["id", "email", "tags"]) or {}
        if tags_revoked(live.get("tags")):
            if news.get("status") == "active":
                raise RevokedUserError(str(live.get("email") or news.get("email")))
            news = {**news, "tags": [*_without_revoked(news.get("tags")), REVOKED_TAG]}
        owned = clients_held_only_by(self.client, id_) if news.get("status") != "active" else []
        result = super().update(id_, olds, news)
        delete_clients(self.client, owned, holder=id_)
        return result

    def delete(self, id_: str, props: Props) -> None:
        """Revoke first (token, sessions, OAuth grants), then delete; keep an archived, powerless user if refused.

        Directus refuses to delete a user that files or comments still point to (``uploaded_by`` has no
        ``ON DELETE`` rule), e.g. an MCP user that uploaded a file. Its token is cleared and it is suspended
        before the delete is tried, so access ends at once either way; if the delete is refused, the user stays
        as ``archived`` with no role and no direct policy, tagged :data:`REMOVED_TAG`, and the content keeps
        its author. Adding the member back adopts that user again.
        """
        if not self.client.exists(USERS_PATH, id_):
            return
        owned = clients_held_only_by(self.client, id_)
        self.client.update(USERS_PATH, id_, {"token": None, "status": "suspended"})
        delete_clients(self.client, owned, holder=id_)
        try:
            self.client.delete(USERS_PATH, id_)
        except DirectusError:
            if not self.client.exists(USERS_PATH, id_):
                return
            tags = [t for t in (props.get("tags") or []) if t != REMOVED_TAG] + [REMOVED_TAG]
            self.client.update(USERS_PATH, id_, {"status": "archived", "role": None, "tags": tags})
            remove_undeclared(self.client, "user", id_, [])


class DirectusUser(DirectusResource, kind=USER):
    """A Directus user managed by this project. ``user_id`` is the Directus id (same as ``id``).

    Its access comes from its role; ``linked_policies`` names policies attached to the user directly (none by
    default), and any other directly attached policy is drift that ``up`` removes.
    """

    user_id: pulumi.Output[str]
    email: pulumi.Output[str]
    status: pulumi.Output[str]
    policies: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        email: pulumi.Input[str],
        first_name: pulumi.Input[str],
        last_name: pulumi.Input[str],
        tags: pulumi.Input[list[str]],
        role: pulumi.Input[str] | None = None,
        status: pulumi.Input[str] = "active",
        linked_policies: pulumi.Input[list[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "status": status,
            "role": role,
            "tags": tags,
            "linked_policies": linked_policies or [],
            "user_id": None,
            "policies": None,
        }
        super().__init__(UserProvider(), name, props, opts)
