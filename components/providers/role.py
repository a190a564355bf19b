"""Dynamic provider for a Directus role (a named group that policies attach to)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure

from components.kinds import ROLE, ROLES_PATH
from components.model.marker import description_has_marker
from components.model.validation import name_error
from components.providers.base import DirectusResource, Props, failure, is_unknown
from components.providers.direct_links import PolicyHolderProvider

ROLE_FIELDS = ("name", "icon", "description")
_READ_FIELDS = ["id", *ROLE_FIELDS]


class RoleProvider(PolicyHolderProvider):
    holder = "role"
    path = ROLES_PATH
    key = "name"
    id_output = "role_id"
    read_fields = _READ_FIELDS
    managed_fields = ROLE_FIELDS

    stable_outputs = ("role_id",)

    def is_marked(self, obj: dict[str, Any]) -> bool:
        return description_has_marker(obj.get("description"))

    def validate(self, news: Props) -> list[CheckFailure]:
        problems = []
        name = news.get("name")
        if not is_unknown(name) and (error := name_error(name)):
            problems.append(failure("name", error))
        description = news.get("description")
        if not is_unknown(description) and not description_has_marker(description):
            problems.append(failure("description", "must carry the managed-by marker"))
        return problems

    def delete(self, id_: str, _props: Props) -> None:
        self.client.delete(ROLES_PATH, id_)


class DirectusRole(DirectusResource, kind=ROLE):
    """A role. ``linked_policies`` names the policies the program attaches; any other attached one is drift."""

    role_id: pulumi.Output[str]
    policies: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        role_name: pulumi.Input[str],
        description: pulumi.Input[str],
        icon: pulumi.Input[str] = "smart_toy",
        linked_policies: pulumi.Input[list[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": role_name,
            "icon": icon,
            "description": description,
            "linked_policies": linked_policies or [],
            "role_id": None,
            "policies": None,
        }
        super().__init__(RoleProvider(), name, props, opts)
