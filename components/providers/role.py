"""Dynamic provider for a Directus role (a named group that policies attach to)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from components.marker import description_has_marker
from components.providers.base import DirectusProvider, Props, failure, is_unknown
from components.providers.direct_links import (
    linked_policy_names,
    remove_undeclared,
    snapshot_policy_names,
    undeclared_policies,
)
from components.validation import name_error

ROLE_FIELDS = ("name", "icon", "description")
_READ_FIELDS = ["id", *ROLE_FIELDS]


def _marked(role: dict[str, Any]) -> bool:
    return description_has_marker(role.get("description"))


class RoleProvider(DirectusProvider):
    managed_fields = ROLE_FIELDS
    stable_outputs = ("role_id",)

    def validate(self, news: Props) -> list[CheckFailure]:
        problems = []
        name = news.get("name")
        if not is_unknown(name) and (error := name_error(name)):
            problems.append(failure("name", error))
        description = news.get("description")
        if not is_unknown(description) and not description_has_marker(description):
            problems.append(failure("description", "must carry the managed-by marker"))
        return problems

    def create(self, props: Props) -> CreateResult:
        body = self.pick(props, ROLE_FIELDS)
        role_id = self.create_or_adopt("/roles", kind="role", key="name", body=body, marked=_marked)
        policies = linked_policy_names(self.client, "role", role_id)
        return CreateResult(role_id, {**props, **body, "role_id": role_id, "policies": policies})

    def read(self, id_: str, props: Props) -> ReadResult:
        live = self.snapshot.by_id("/roles", id_, _READ_FIELDS)
        if live is None:
            return self.deleted()
        policies = snapshot_policy_names(self.snapshot, "role", id_)
        return ReadResult(id_, {**props, **self.pick(live, ROLE_FIELDS), "role_id": id_, "policies": policies})

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        result = super().diff(id_, olds, news)
        if undeclared_policies(olds.get("policies"), news.get("linked_policies")):
            result.changes = True
        return result

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        body = self.pick(news, ROLE_FIELDS)
        self.client.update("/roles", id_, body)
        remove_undeclared(self.client, "role", id_, list(news.get("linked_policies") or []))
        policies = linked_policy_names(self.client, "role", id_)
        return UpdateResult({**news, **body, "role_id": id_, "policies": policies})

    def delete(self, id_: str, _props: Props) -> None:
        self.client.delete("/roles", id_)


class DirectusRole(Resource):
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
