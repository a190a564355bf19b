"""Dynamic provider for a Directus access policy (flags and ip allowlist; permissions are a separate set).

The policy also watches who it is attached to. ``linked_to`` declares the links the program manages
(``user:<id>`` / ``role:<id>``, each created by an access-link resource); ``read`` reports every access row of
the policy in ``links``, where a row with neither role nor user shows as ``public``. A live link that nobody
declared (added by hand, or attaching the policy to Public) is drift on this policy, and ``update`` removes it.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from components.kinds import ACCESS_PATH, POLICIES_PATH, POLICY
from components.model.marker import description_has_marker
from components.model.validation import bool_error, cidr_error, name_error
from components.providers.base import DirectusProvider, DirectusResource, Props, failure, is_unknown
from components.providers.direct_links import access_rows

POLICY_FIELDS = ("name", "icon", "description", "admin_access", "app_access", "enforce_tfa", "ip_access")
FLAG_FIELDS = ("admin_access", "app_access", "enforce_tfa")
POLICY_READ_FIELDS = ["id", *POLICY_FIELDS]


def normalize_ip_access(value: Any) -> list[str] | None:
    """Directus may hold ``null`` or ``[]`` for "no restriction"; treat both as ``None``."""
    if not value:
        return None
    if isinstance(value, str):  # older Directus versions stored a comma-separated string
        value = [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


PUBLIC = "public"


def link_target(row: dict[str, Any]) -> str:
    """``user:<id>``, ``role:<id>`` or ``public`` for one access row."""
    if row.get("user"):
        return f"user:{row['user']}"
    if row.get("role"):
        return f"role:{row['role']}"
    return PUBLIC


def undeclared_links(live: list[str], declared: Any) -> list[str]:
    """Live links the program did not declare. While ``declared`` is unknown (preview), only Public counts."""
    if is_unknown(declared) or any(is_unknown(d) for d in declared or []):
        return [PUBLIC] if PUBLIC in live else []
    return sorted(set(live) - set(declared or []))


def _live_outputs(live: dict[str, Any]) -> Props:
    outs = {f: live.get(f) for f in POLICY_FIELDS}
    outs["ip_access"] = normalize_ip_access(outs["ip_access"])
    return outs


def _marked(policy: dict[str, Any]) -> bool:
    return description_has_marker(policy.get("description"))


class PolicyProvider(DirectusProvider):
    managed_fields = POLICY_FIELDS
    stable_outputs = ("policy_id",)

    def validate(self, news: Props) -> list[CheckFailure]:
        problems = []
        name = news.get("name")
        if not is_unknown(name) and (error := name_error(name)):
            problems.append(failure("name", error))
        for flag in FLAG_FIELDS:
            value = news.get(flag)
            if not is_unknown(value) and (error := bool_error(value)):
                problems.append(failure(flag, error))
        ips = news.get("ip_access")
        if ips is not None and not is_unknown(ips):
            if not isinstance(ips, list):
                problems.append(failure("ip_access", f"{ips!r} is not a list of IP addresses or CIDRs"))
            else:
                problems += [failure("ip_access", e) for ip in ips if (e := cidr_error(ip))]
        description = news.get("description")
        if not is_unknown(description) and not description_has_marker(description):
            problems.append(failure("description", "must carry the managed-by marker"))
        return problems

    def _body(self, props: Props) -> Props:
        body = self.pick(props, POLICY_FIELDS)
        body["ip_access"] = normalize_ip_access(body["ip_access"])
        return body

    def create(self, props: Props) -> CreateResult:
        body = self._body(props)
        policy_id, adopted = self.create_or_adopt(POLICIES_PATH, kind="policy", key="name", body=body, marked=_marked)
        links = self._links(policy_id) if adopted else []  # a new policy is attached to nothing yet
        return CreateResult(policy_id, {**props, **body, "policy_id": policy_id, "links": links})

    def _access_rows(self, policy_id: str) -> list[dict[str, Any]]:
        return self.client.list_objects(
            ACCESS_PATH, filter={"policy": {"_eq": policy_id}}, fields=["id", "role", "user"]
        )

    def _links(self, policy_id: str) -> list[str]:
        return sorted(link_target(row) for row in self._access_rows(policy_id))

    def read(self, id_: str, props: Props) -> ReadResult:
        live = self.snapshot.by_id(POLICIES_PATH, id_, POLICY_READ_FIELDS)
        if live is None:
            return self.deleted()
        links = sorted(link_target(row) for row in access_rows(self.snapshot) if str(row.get("policy")) == id_)
        return ReadResult(id_, {**props, **_live_outputs(live), "policy_id": id_, "links": links})

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        news = {**news, "ip_access": normalize_ip_access(news.get("ip_access"))}
        result = super().diff(id_, olds, news)
        if undeclared_links(olds.get("links") or [], news.get("linked_to")):
            result.changes = True
        return result

    def update(self, id_: str, _olds: Props, news: Props) -> UpdateResult:
        body = self._body(news)
        self.client.update(POLICIES_PATH, id_, body)
        declared = set(news.get("linked_to") or [])
        stray = [row["id"] for row in self._access_rows(id_) if link_target(row) not in declared]
        self.client.delete_many(ACCESS_PATH, stray)
        return UpdateResult({**news, **body, "policy_id": id_, "links": self._links(id_)})

    def delete(self, id_: str, _props: Props) -> None:
        self.client.delete(POLICIES_PATH, id_)


class DirectusPolicy(DirectusResource, kind=POLICY):
    policy_id: pulumi.Output[str]
    name: pulumi.Output[str]
    admin_access: pulumi.Output[bool]
    app_access: pulumi.Output[bool]
    links: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        policy_name: pulumi.Input[str],
        description: pulumi.Input[str],
        icon: pulumi.Input[str] = "smart_toy",
        admin_access: pulumi.Input[bool] = False,
        app_access: pulumi.Input[bool] = False,
        enforce_tfa: pulumi.Input[bool] = False,
        ip_access: pulumi.Input[list[str]] | None = None,
        linked_to: pulumi.Input[list[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": policy_name,
            "icon": icon,
            "description": description,
            "admin_access": admin_access,
            "app_access": app_access,
            "enforce_tfa": enforce_tfa,
            "ip_access": ip_access,
            "linked_to": linked_to or [],
            "policy_id": None,
            "links": None,
        }
        super().__init__(PolicyProvider(), name, props, opts)
