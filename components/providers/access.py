"""Dynamic provider for an access row: attaches a policy to exactly one role or one user.

A row with neither role nor user attaches the policy to Public (every unauthenticated caller), so ``check``
refuses it before anything is sent.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from components.kinds import ACCESS_LINK, ACCESS_PATH
from components.providers.base import DirectusProvider, DirectusResource, Props, failure, is_unknown
from components.providers.direct_links import access_rows

ACCESS_FIELDS = ("policy", "role", "user")
_READ_FIELDS = ["id", *ACCESS_FIELDS]


class AccessLinkProvider(DirectusProvider):
    managed_fields = ACCESS_FIELDS
    stable_outputs = ("access_id",)
    replace_fields = ACCESS_FIELDS

    def validate(self, news: Props) -> list[CheckFailure]:
        role, user, policy = news.get("role"), news.get("user"), news.get("policy")
        problems = []
        if not policy:
            problems.append(failure("policy", f"{policy!r}: a policy id is required"))
        if not role and not user:
            problems.append(
                failure("role", "neither role nor user is set: such a link would attach the policy to Public")
            )
        elif role and user and not (is_unknown(role) or is_unknown(user)):
            problems.append(failure("user", "set either role or user, not both"))
        return problems

    def _natural_filter(self, props: Props) -> dict[str, Any]:
        filter_: dict[str, Any] = {"policy": {"_eq": props["policy"]}}
        for kind in ("role", "user"):
            filter_[kind] = {"_eq": props[kind]} if props.get(kind) else {"_null": True}
        return filter_

    def create(self, props: Props) -> CreateResult:
        body = self.pick(props, ACCESS_FIELDS)
        # The policy is ours, so an identical link to it can only come from an earlier interrupted run.
        existing = self.client.find_one(ACCESS_PATH, self._natural_filter(props), fields=_READ_FIELDS)
        access_id = str(existing["id"]) if existing else str(self.client.create(ACCESS_PATH, body)["id"])
        return CreateResult(access_id, {**body, "access_id": access_id})

    def read(self, id_: str, props: Props) -> ReadResult:
        live = next((row for row in access_rows(self.snapshot) if str(row["id"]) == id_), None)
        if live is None:
            return self.deleted()
        return ReadResult(id_, {**props, **self.pick(live, ACCESS_FIELDS), "access_id": id_})

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        body = self.pick(news, ACCESS_FIELDS)
        self.client.update(ACCESS_PATH, id_, body)
        return UpdateResult({**body, "access_id": id_})

    def delete(self, id_: str, _props: Props) -> None:
        self.client.delete(ACCESS_PATH, id_)


class AccessLink(DirectusResource, kind=ACCESS_LINK):
    access_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        policy: pulumi.Input[str],
        user: pulumi.Input[str] | None = None,
        role: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"policy": policy, "user": user, "role": role, "access_id": None}
        super().__init__(AccessLinkProvider(), name, props, opts)
