"""Dynamic provider for the whole permission set of one policy.

Identity of a permission is policy + collection + action. Directus enforces no uniqueness, so ``read``
reports every row (duplicates and rows added by hand included) and the reconcile step makes the live set
equal to the declared one with batch calls: delete what differs or is extra, create what is missing.
Only permissions of a policy this project manages are ever touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from components.directus.errors import DirectusLicenseError
from components.errors import McpAccessError
from components.kinds import PERMISSION_SET, PERMISSIONS_PATH, POLICIES_PATH
from components.model.validation import action_error
from components.providers.base import DirectusProvider, DirectusResource, Props, failure, is_unknown
from components.providers.policy import POLICY_READ_FIELDS

RULE_FIELDS = ("permissions", "validation", "presets")
_READ_FIELDS = ["id", "policy", "collection", "action", "fields", *RULE_FIELDS]


class LicenseRestrictionError(McpAccessError):
    """Directus's license (the unlicensed core tier) refuses permissions with rules or field limits."""


def normalize(entry: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of a permission: fields sorted (``["*"]`` by default), empty rules as ``None``."""
    fields = entry.get("fields") or ["*"]
    if isinstance(fields, str):
        fields = [f for f in fields.split(",") if f]
    out: dict[str, Any] = {
        "collection": entry.get("collection"),
        "action": entry.get("action"),
        "fields": sorted(fields),
    }
    for rule in RULE_FIELDS:
        if entry.get(rule):  # absent, null and {} all mean "no rule"; Pulumi drops nulls from state anyway
            out[rule] = entry[rule]
    return out


def sort_key(entry: dict[str, Any]) -> tuple[str, str]:
    return (str(entry.get("collection")), str(entry.get("action")))


def normalize_all(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((normalize(e) for e in entries), key=sort_key)


class PermissionSetProvider(DirectusProvider):
    def validate(self, news: Props) -> list[CheckFailure]:
        entries = news.get("permissions")
        if is_unknown(entries):
            return []
        if not isinstance(entries, list):
            return [failure("permissions", f"{entries!r} is not a list of permissions")]
        problems: list[CheckFailure] = []
        seen: set[tuple[str, str]] = set()
        for index, entry in enumerate(entries):
            where = f"permissions[{index}]"
            collection, action = entry.get("collection"), entry.get("action")
            if not isinstance(collection, str) or not collection.strip():
                problems.append(failure(f"{where}.collection", f"{collection!r} is not a collection name"))
            if error := action_error(action):
                problems.append(failure(f"{where}.action", error))
            key = (str(collection), str(action))
            if key in seen:
                problems.append(failure(where, f"duplicate permission {action!r} on {collection!r}"))
            seen.add(key)
        return problems

    def _live_rows(self, policy_id: str) -> list[dict[str, Any]]:
        rows = self.client.list_objects(PERMISSIONS_PATH, filter={"policy": {"_eq": policy_id}}, fields=_READ_FIELDS)
        return [r for r in rows if r.get("id") is not None]  # generated system rows have no id

    def _reconcile(self, policy_id: str, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
        desired = {sort_key(e): normalize(e) for e in declared}
        matched: set[tuple[str, str]] = set()
        to_delete: list[Any] = []
        for row in self._live_rows(policy_id):
            key = sort_key(row)
            if key in desired and key not in matched and normalize(row) == desired[key]:
                matched.add(key)
            else:
                # A duplicate, a permission nobody declared, or one changed by hand. Changed rows are replaced,
                # not patched: the unlicensed core tier refuses PATCH on permissions (RESOURCE_RESTRICTED).
                to_delete.append(row["id"])
        to_create = [{"policy": policy_id, **spec} for key, spec in desired.items() if key not in matched]
        try:
            self.client.delete_many(PERMISSIONS_PATH, to_delete)
            self.client.create_many(PERMISSIONS_PATH, to_create)
        except DirectusLicenseError as exc:
            restricted = [f"{s['action']} on {s['collection']}" for s in desired.values() if _has_rules(s)]
            raise LicenseRestrictionError(
                "Directus refused the permissions because its license does not allow permissions with field "
                f"limits, filters, validation or presets ({exc.code}). Restricted entries: "
                f"{', '.join(restricted) or 'none detected'}. Use full-field permissions without rules on the "
                "core tier, or a licensed Directus."
            ) from exc
        return normalize_all(desired.values())

    def create(self, props: Props) -> CreateResult:
        policy_id = str(props["policy_id"])
        permissions = self._reconcile(policy_id, props["permissions"])
        return CreateResult(f"permissions-{policy_id}", {"policy_id": policy_id, "permissions": permissions})

    def read(self, id_: str, props: Props) -> ReadResult:
        policy_id = str(props.get("policy_id"))
        if self.snapshot.by_id(POLICIES_PATH, policy_id, POLICY_READ_FIELDS) is None:
            return self.deleted()
        rows = self.snapshot.rows(PERMISSIONS_PATH, _READ_FIELDS)
        live = normalize_all(r for r in rows if r.get("id") is not None and str(r.get("policy")) == policy_id)
        return ReadResult(id_, {**props, "permissions": live})

    def diff(self, _id: str, olds: Props, news: Props) -> DiffResult:
        if is_unknown(news.get("policy_id")) or olds.get("policy_id") != news.get("policy_id"):
            return DiffResult(changes=True, replaces=["policy_id"], delete_before_replace=False)
        if is_unknown(news.get("permissions")):
            return DiffResult(changes=True)
        live = normalize_all(olds.get("permissions") or [])
        return DiffResult(changes=live != normalize_all(news.get("permissions") or []))

    def update(self, _id: str, _olds: Props, news: Props) -> UpdateResult:
        policy_id = str(news["policy_id"])
        return UpdateResult({"policy_id": policy_id, "permissions": self._reconcile(policy_id, news["permissions"])})

    def delete(self, _id: str, props: Props) -> None:
        policy_id = str(props.get("policy_id"))
        ids = [row["id"] for row in self._live_rows(policy_id)]
        self.client.delete_many(PERMISSIONS_PATH, ids)


def _has_rules(spec: dict[str, Any]) -> bool:
    return spec["fields"] != ["*"] or any(rule in spec for rule in RULE_FIELDS)


class PermissionSet(DirectusResource, kind=PERMISSION_SET):
    """All permissions of one policy: a list of ``{collection, action, fields?, permissions?, ...}``."""

    permissions: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        *,
        policy_id: pulumi.Input[str],
        permissions: pulumi.Input[list[dict[str, Any]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(PermissionSetProvider(), name, {"policy_id": policy_id, "permissions": permissions}, opts)
