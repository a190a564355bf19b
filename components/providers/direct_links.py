"""Which policies are attached to a role or a user, for drift detection on that role or user.

A policy attached by hand to an MCP user (or to the role of a template) widens what the AI assistant can do
without any change to the code, so the role and user providers report such links as drift and remove them
on the next ``up``. Links are named by policy name, which the program knows before anything is created.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from components.directus.client import DirectusClient
from components.directus.snapshot import Snapshot
from components.kinds import ACCESS_PATH
from components.providers.base import DirectusProvider, Props, is_unknown

Holder = Literal["role", "user"]


def _policy_name(row: dict[str, Any]) -> str:
    policy = row.get("policy")
    if isinstance(policy, dict):
        return str(policy.get("name") or policy.get("id"))
    return str(policy)


def linked_policy_rows(client: DirectusClient, holder: Holder, holder_id: str) -> list[tuple[str, str]]:
    """(access row id, policy name) for each policy attached to the role or user."""
    rows = client.list_objects(
        ACCESS_PATH, filter={holder: {"_eq": holder_id}}, fields=["id", "policy.id", "policy.name"]
    )
    return [(str(row["id"]), _policy_name(row)) for row in rows]


def linked_policy_names(client: DirectusClient, holder: Holder, holder_id: str) -> list[str]:
    return sorted(name for _, name in linked_policy_rows(client, holder, holder_id))


ACCESS_LIST_FIELDS = ("id", "role", "user", "policy.id", "policy.name")


def access_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every access row of the instance, from the shared listing: ``{id, role, user, policy, policy_name}``."""
    rows = []
    for row in snapshot.rows(ACCESS_PATH, ACCESS_LIST_FIELDS):
        policy = row.get("policy")
        policy_id = policy.get("id") if isinstance(policy, dict) else policy
        rows.append({**row, "policy": policy_id, "policy_name": _policy_name(row)})
    return rows


def snapshot_policy_names(snapshot: Snapshot, holder: Holder, holder_id: str) -> list[str]:
    """What :func:`linked_policy_names` answers, from the shared listing (for ``read``)."""
    return sorted(row["policy_name"] for row in access_rows(snapshot) if str(row.get(holder)) == holder_id)


def undeclared_policies(live: list[str] | None, declared: Any) -> list[str]:
    """Attached policies the program did not declare. Missing ones are the access-link resource's business."""
    if is_unknown(declared):
        return []
    return sorted(set(live or []) - set(declared or []))


def remove_undeclared(client: DirectusClient, holder: Holder, holder_id: str, declared: list[str]) -> None:
    """Detach every policy from the role or user that ``declared`` does not name."""
    stray = [row_id for row_id, name in linked_policy_rows(client, holder, holder_id) if name not in set(declared)]
    client.delete_many(ACCESS_PATH, stray)


class PolicyHolderProvider(DirectusProvider):
    """Create/read/diff/update shared by the role and user providers: the object plus its attached policies.

    Inputs carry ``linked_policies`` (declared policy names); outputs carry ``policies`` (attached ones, live).
    """

    holder: ClassVar[Holder]
    path: ClassVar[str]
    key: ClassVar[str]  #: natural key used to adopt an object left by an interrupted run
    id_output: ClassVar[str]
    read_fields: ClassVar[Sequence[str]]

    def is_marked(self, obj: dict[str, Any]) -> bool:
        """Whether a live object carries the managed-by marker (then ``create`` may adopt it)."""
        raise NotImplementedError

    def create(self, props: Props) -> CreateResult:
        body = self.pick(props, self.managed_fields)
        object_id, adopted = self.create_or_adopt(
            self.path, kind=self.holder, key=self.key, body=body, marked=self.is_marked
        )
        # A new object has no policy attached yet; an adopted one may (``diff`` then reports any undeclared).
        policies = linked_policy_names(self.client, self.holder, object_id) if adopted else []
        return CreateResult(object_id, {**props, **body, self.id_output: object_id, "policies": policies})

    def read(self, id_: str, props: Props) -> ReadResult:
        live = self.snapshot.by_id(self.path, id_, self.read_fields)
        if live is None:
            return self.deleted()
        policies = snapshot_policy_names(self.snapshot, self.holder, id_)
        outs = {**props, **self.pick(live, self.managed_fields), self.id_output: id_, "policies": policies}
        return ReadResult(id_, outs)

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        result = super().diff(id_, olds, news)
        if undeclared_policies(olds.get("policies"), news.get("linked_policies")):
            result.changes = True
        return result

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        body = self.pick(news, self.managed_fields)
        self.client.update(self.path, id_, body)
        remove_undeclared(self.client, self.holder, id_, list(news.get("linked_policies") or []))
        policies = linked_policy_names(self.client, self.holder, id_)
        return UpdateResult({**news, **body, self.id_output: id_, "policies": policies})
