"""Dynamic provider for a Directus user (the dedicated MCP user of one team member)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components.directus.errors import DirectusError
from components.marker import REMOVED_TAG, tags_have_marker
from components.providers.base import DirectusProvider, Props, failure, is_unknown
from components.providers.direct_links import (
    linked_policy_names,
    remove_undeclared,
    snapshot_policy_names,
    undeclared_policies,
)
from components.validation import USER_STATUSES, email_error

USER_FIELDS = ("email", "first_name", "last_name", "status", "role", "tags")
USER_READ_FIELDS = ["id", *USER_FIELDS]


def _marked(user: dict[str, Any]) -> bool:
    return tags_have_marker(user.get("tags"))


class UserProvider(DirectusProvider):
    managed_fields = USER_FIELDS
    stable_outputs = (
        "user_id",
        "email",
    )

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

    def create(self, props: Props) -> CreateResult:
        body = self.pick(props, USER_FIELDS)  # tags as declared: adopting a removed user drops REMOVED_TAG
        user_id = self.create_or_adopt("/users", kind="user", key="email", body=body, marked=_marked)
        policies = linked_policy_names(self.client, "user", user_id)
        return CreateResult(user_id, {**props, "user_id": user_id, "policies": policies})

    def read(self, id_: str, props: Props) -> ReadResult:
        live = self.snapshot.by_id("/users", id_, USER_READ_FIELDS)
        if live is None:
            return self.deleted()
        policies = snapshot_policy_names(self.snapshot, "user", id_)
        return ReadResult(id_, {**props, **self.pick(live, USER_FIELDS), "user_id": id_, "policies": policies})

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        result = super().diff(id_, olds, news)
        if undeclared_policies(olds.get("policies"), news.get("linked_policies")):
            result.changes = True
        return result

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        self.client.update("/users", id_, self.pick(news, USER_FIELDS))
        remove_undeclared(self.client, "user", id_, list(news.get("linked_policies") or []))
        policies = linked_policy_names(self.client, "user", id_)
        return UpdateResult({**news, "user_id": id_, "policies": policies})

    def delete(self, id_: str, props: Props) -> None:
        """Revoke first, then delete; keep an archived, powerless user when Directus refuses the delete.

        Directus refuses to delete a user that files or comments still point to (``uploaded_by`` has no
        ``ON DELETE`` rule), e.g. an MCP user that uploaded a file. Its token is cleared and it is suspended
        before the delete is tried, so access ends at once either way; if the delete is refused, the user stays
        as ``archived`` with no role and no direct policy, tagged :data:`REMOVED_TAG`, and the content keeps
        its author. Adding the member back adopts that user again.
        """
        if not self.client.exists("/users", id_):
            return
        self.client.update("/users", id_, {"token": None, "status": "suspended"})
        try:
            self.client.delete("/users", id_)
        except DirectusError:
            if not self.client.exists("/users", id_):
                return
            tags = [t for t in (props.get("tags") or []) if t != REMOVED_TAG] + [REMOVED_TAG]
            self.client.update("/users", id_, {"status": "archived", "role": None, "tags": tags})
            remove_undeclared(self.client, "user", id_, [])


class DirectusUser(Resource):
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
