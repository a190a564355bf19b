"""Dynamic provider for a Directus user (the dedicated MCP user of one team member)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, Resource, UpdateResult

from components.marker import tags_have_marker
from components.providers.base import DirectusProvider, Props, failure, is_unknown
from components.validation import USER_STATUSES, email_error

USER_FIELDS = ("email", "first_name", "last_name", "status", "role", "tags")
_READ_FIELDS = ["id", *USER_FIELDS]


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
        body = self.pick(props, USER_FIELDS)
        user_id = self.create_or_adopt("/users", kind="user", key="email", body=body, marked=_marked)
        return CreateResult(user_id, {**props, "user_id": user_id})

    def read(self, id_: str, props: Props) -> ReadResult:
        live = self.client.get_by_id("/users", id_, fields=_READ_FIELDS)
        if live is None:
            return self.deleted()
        return ReadResult(id_, {**props, **self.pick(live, USER_FIELDS), "user_id": id_})

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        self.client.update("/users", id_, self.pick(news, USER_FIELDS))
        return UpdateResult({**news, "user_id": id_})

    def delete(self, id_: str, _props: Props) -> None:
        self.client.delete("/users", id_)


class DirectusUser(Resource):
    """A Directus user managed by this project. ``user_id`` is the Directus id (same as ``id``)."""

    user_id: pulumi.Output[str]
    email: pulumi.Output[str]
    status: pulumi.Output[str]

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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "status": status,
            "role": role,
            "tags": tags,
            "user_id": None,
        }
        super().__init__(UserProvider(), name, props, opts)
