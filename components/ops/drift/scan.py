"""The undeclared-access half of ``drift``: what the live Directus grants that no code of this stack declares.

A preview only sees the objects the stack manages. Access can also be granted next to them: a hand-made user
with a static token, a policy attached to Public, a new admin policy. This module looks at whole listings
(users, access rows, policies, Public's permissions) and reports such access, plus tokens near rotation.
The provisioning user, whose admin token this tool itself runs with, is expected and left out.

Several stacks may share one Directus (a team stack and a schema-work stack): a user carrying the marker and
another stack's ``mcp-stack:<name>`` tag, or a policy whose marker line names another stack, is that stack's
business and is listed under it (:func:`other_stacks`) instead of being reported as undeclared; unless it holds
one of this stack's roles, which no other stack declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from packaging.version import Version

from components.directus.version import IP_ACCESS_CACHE_FIXED, ServerInfo, ip_access_cache_ignores_caller_ip
from components.model.marker import description_stack, stack_tag, tags_stack
from components.model.validation import documentation_allowlist_problem

STACK_TAG_PREFIX = stack_tag("")

PUBLIC_POLICY_NAME = "$t:public_label"


@dataclass(frozen=True)
class Declared:
    """What this stack manages, from its state, and who the provisioning token belongs to."""

    stack: str
    user_ids: frozenset[str]
    role_ids: frozenset[str]
    policy_ids: frozenset[str]
    provisioning_user: str | None = None
    provisioning_role: str | None = None
    #: The ids of every scanned kind (``Kind.scanned``) by kind name: the three above and any other.
    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveDirectus:
    """Whole listings read from Directus (one request each)."""

    users: Sequence[Mapping[str, Any]]
    roles: Sequence[Mapping[str, Any]]
    policies: Sequence[Mapping[str, Any]]
    access: Sequence[Mapping[str, Any]]
    public_permissions: Sequence[Mapping[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message}


UNMANAGED_USER = "unmanaged-user"
PUBLIC_ACCESS = "public-access"
UNDECLARED_ADMIN = "undeclared-admin-policy"
ROTATION = "token-rotation"
SERVER = "directus-version"


def _names(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(row["id"]): str(row.get("name") or row["id"]) for row in rows}


def stack_tag_of(user: Mapping[str, Any]) -> str | None:
    for tag in user.get("tags") or []:
        if isinstance(tag, str) and tag.startswith(STACK_TAG_PREFIX):
            return tag.removeprefix(STACK_TAG_PREFIX)
    return None


def _other_stack_user(user: Mapping[str, Any], declared: Declared) -> str | None:
    """The other stack a user belongs to (marker and stack tag), unless it holds one of this stack's roles."""
    owner = tags_stack(user.get("tags"))
    if owner is None or owner == declared.stack or str(user.get("role") or "") in declared.role_ids:
        return None
    return owner


def _other_stack_policy(policy: Mapping[str, Any], declared: Declared) -> str | None:
    owner = description_stack(policy.get("description"))
    return owner if owner is not None and owner != declared.stack else None


def other_stacks(live: LiveDirectus, declared: Declared) -> dict[str, list[str]]:
    """What other stacks manage on this Directus, by stack: their MCP users and policies (not findings)."""
    found: dict[str, list[str]] = {}
    for user in live.users:
        if str(user["id"]) not in declared.user_ids and (owner := _other_stack_user(user, declared)):
            found.setdefault(owner, []).append(f"user {user.get('email') or user['id']}")
    for policy in live.policies:
        if str(policy["id"]) not in declared.policy_ids and (owner := _other_stack_policy(policy, declared)):
            found.setdefault(owner, []).append(f"policy {policy.get('name') or policy['id']!r}")
    return {stack: sorted(items) for stack, items in sorted(found.items())}


def unmanaged_users(live: LiveDirectus, declared: Declared) -> list[Finding]:
    """Active users outside this stack holding a static token, a direct policy, or one of this stack's roles."""
    policies = _names(live.policies)
    roles = _names(live.roles)
    direct: dict[str, list[str]] = {}
    for row in live.access:
        if row.get("user"):
            direct.setdefault(str(row["user"]), []).append(policies.get(str(row.get("policy")), str(row.get("policy"))))
    findings = []
    for user in live.users:
        user_id = str(user["id"])
        if user.get("status") != "active" or user_id in declared.user_ids or user_id == declared.provisioning_user:
            continue
        if _other_stack_user(user, declared):
            continue  # another stack's MCP user: see other_stacks
        holds = []
        if user.get("token"):
            holds.append("a static token")
        if user_id in direct:
            holds.append("direct policies " + ", ".join(repr(p) for p in sorted(direct[user_id])))
        role = str(user.get("role") or "")
        if role in declared.role_ids:
            holds.append(f"this stack's role {roles.get(role, role)!r}")
        if not holds:
            continue
        tag = stack_tag_of(user)
        origin = f" (tagged for stack {tag!r})" if tag and tag != declared.stack else ""
        if tag == declared.stack:
            origin = f" (tagged for this stack {tag!r} but not in its state)"
        findings.append(
            Finding(
                UNMANAGED_USER,
                str(user.get("email") or user_id),
                f"active user {user.get('email') or user_id}{origin} is not managed by stack "
                f"{declared.stack!r} but holds {' and '.join(holds)}",
            )
        )
    return findings


def public_access(live: LiveDirectus) -> list[Finding]:
    """Policies attached to Public (no token at all) besides its built-in one, and what that one grants."""
    policies = _names(live.policies)
    findings = []
    for row in live.access:
        if row.get("role") or row.get("user"):
            continue
        name = policies.get(str(row.get("policy")), str(row.get("policy")))
        if name == PUBLIC_POLICY_NAME:
            continue
        findings.append(
            Finding(
                PUBLIC_ACCESS, name, f"policy {name!r} is attached to Public: anyone gets its access without a token"
            )
        )
    grants: dict[str, set[str]] = {}
    for permission in live.public_permissions:
        grants.setdefault(str(permission.get("collection")), set()).add(str(permission.get("action")))
    for collection, actions in sorted(grants.items()):
        findings.append(
            Finding(
                PUBLIC_ACCESS,
                collection,
                f"Public (no token) may {', '.join(sorted(actions))} {collection}",
            )
        )
    return findings


def undeclared_admin_policies(live: LiveDirectus, declared: Declared) -> list[Finding]:
    """admin_access policies this stack does not declare, with who holds them (besides the provisioning user)."""
    roles = _names(live.roles)
    emails = {str(u["id"]): str(u.get("email") or u["id"]) for u in live.users}
    findings = []
    for policy in live.policies:
        policy_id = str(policy["id"])
        if policy.get("admin_access") is not True or policy_id in declared.policy_ids:
            continue
        if _other_stack_policy(policy, declared):
            continue  # another stack's template (e.g. developer): see other_stacks
        holders = []
        expected = False
        for row in live.access:
            if str(row.get("policy")) != policy_id:
                continue
            role, user = row.get("role"), row.get("user")
            if (role and role == declared.provisioning_role) or (user and user == declared.provisioning_user):
                expected = True
            elif role:
                holders.append(f"role {roles.get(str(role), str(role))!r}")
            elif user:
                holders.append(f"user {emails.get(str(user), str(user))}")
            else:
                holders.append("Public")
        name = str(policy.get("name") or policy_id)
        if holders:
            findings.append(
                Finding(
                    UNDECLARED_ADMIN,
                    name,
                    f"admin policy {name!r}, declared by no code, is held by {', '.join(holders)}",
                )
            )
        elif not expected:
            findings.append(
                Finding(
                    UNDECLARED_ADMIN, name, f"admin policy {name!r} is declared by no code (attached to nobody yet)"
                )
            )
    return findings


def _time_left(left: timedelta) -> str:
    """``in 3 days``, ``in 1 day``, ``in 5 hours``, ``in less than an hour``: never "in 0 days"."""
    if left >= timedelta(days=1):
        return f"in {left.days} day{'s' if left.days != 1 else ''}"
    hours = int(left.total_seconds() // 3600)
    if hours >= 1:
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    return "in less than an hour"


def rotation_findings(members: Mapping[str, Mapping[str, Any]], now: datetime, warn_days: int) -> list[Finding]:
    """Tokens past their rotation date, or due within ``warn_days``."""
    findings = []
    for name, info in sorted(members.items()):
        due_text = info.get("rotationDue")
        if not info.get("enabled", True) or not due_text:
            continue
        due = datetime.fromisoformat(str(due_text))
        if due <= now:
            message = f"the token of member {name} was due for rotation on {due:%Y-%m-%d}: run `up` to rotate it"
        elif due - now <= timedelta(days=warn_days):
            message = f"the token of member {name} is due for rotation on {due:%Y-%m-%d} ({_time_left(due - now)})"
        else:
            continue
        findings.append(Finding(ROTATION, name, message))
    return findings


def server_findings(
    version: Version | None,
    ip_allowlist: Sequence[str],
    *,
    server: ServerInfo | None = None,
    oauth_declared: Mapping[str, bool] | None = None,
) -> list[Finding]:
    """Known problems of the running Directus that weaken or void what this stack declares.

    ``oauth_declared`` maps the settings the stack turns on (``mcp_oauth_enabled``, ...) to ``True``; a switch
    whose server environment is off is stored by Directus but does nothing (its endpoints answer 404).
    """
    findings = []
    available = {
        "mcp_oauth_enabled": ("MCP_OAUTH_ENABLED", server.oauth_available if server else None),
        "mcp_oauth_dcr_enabled": ("MCP_OAUTH_DCR_ENABLED", server.dcr_available if server else None),
        "mcp_oauth_cimd_enabled": ("MCP_OAUTH_CIMD_ENABLED", server.cimd_available if server else None),
    }
    for setting, on in (oauth_declared or {}).items():
        env, reported = available.get(setting, ("", None))
        if on and reported is False:
            findings.append(
                Finding(
                    SERVER,
                    setting,
                    f"the stack turns {setting} on, but this Directus runs without {env}=true: the setting is stored "
                    "and does nothing (its OAuth endpoints answer 404); set the server environment or turn it off",
                )
            )
    documentation = documentation_allowlist_problem(list(ip_allowlist))
    if documentation:
        findings.append(Finding(SERVER, "ipAllowlist", f"the stack's {documentation}"))
    if ip_allowlist and ip_access_cache_ignores_caller_ip(version):
        findings.append(
            Finding(
                SERVER,
                f"Directus {version}",
                f"Directus {version} is older than {IP_ACCESS_CACHE_FIXED}: its access cache ignored the caller's IP, "
                f"so the ip allowlist of the MCP policies ({', '.join(ip_allowlist)}) can be bypassed by a request "
                f"from elsewhere shortly after an allowed one; upgrade Directus to {IP_ACCESS_CACHE_FIXED} or later",
            )
        )
    return findings


def managed_users_with_a_password(live: LiveDirectus, declared: Declared) -> list[Finding]:
    """This stack's users (MCP members, the guard user) that have a password: none should.

    Directus reads a set password back as a mask and an unset one as ``null``. A password is left behind by an
    ``oauth-approve`` that could not clear its one-time password, or was set by hand; it allows a password
    session (and so OAuth consents) as that user.
    """
    return [
        Finding(
            "password",
            str(user.get("email") or user["id"]),
            f"user {user.get('email') or user['id']} managed by this stack has a password set (its users have "
            "none: an interrupted `mcp-access oauth-approve`, or set by hand): clear it (PATCH password null)",
        )
        for user in live.users
        if str(user["id"]) in declared.user_ids and user.get("password")
    ]


def scan(live: LiveDirectus, declared: Declared) -> list[Finding]:
    return [
        *unmanaged_users(live, declared),
        *public_access(live),
        *undeclared_admin_policies(live, declared),
        *managed_users_with_a_password(live, declared),
    ]
