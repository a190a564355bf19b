"""What the watch decides, on values only (no HTTP): its findings, what appeared or was resolved, what to enforce.

The findings are those of ``drift`` (one code path: :func:`components.ops.drift.run.evaluate` computes them, with
the providers' own read and diff and drift's wording); here they only get an identity, so that each is reported
once when it appears and once when it is resolved. Enforcement is decided on the listings the same check read
(:attr:`DriftReport.live`): each enforceable class (:data:`components.model.guard_config.ENFORCEABLE`) becomes
actions on objects this stack manages, or on the links from other users to them; never on anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from components.kinds import STATIC_TOKEN
from components.model.marker import tags_revoked, tags_stack
from components.ops.drift.run import DriftReport
from components.ops.drift.scan import Declared, LiveDirectus

#: ``kind`` of a managed object that differs from the code (the other kinds are drift's finding kinds).
MANAGED_DRIFT = "managed-drift"
ROTATION_KIND = "token-rotation"
#: The recorder extension the stack expects does not run (drift counts it as one finding).
RECORDER_KIND = "recorder-extension"
SEVERITY = {
    MANAGED_DRIFT: "high",
    "unmanaged-user": "critical",
    "public-access": "critical",
    "undeclared-admin-policy": "critical",
    ROTATION_KIND: "warning",
    "directus-version": "warning",
}
DEFAULT_SEVERITY = "high"


@dataclass(frozen=True)
class WatchFinding:
    """One finding as the watch reports it (the JSON line's fields, without the time it was seen)."""

    stack: str
    kind: str
    member: str | None
    object: str
    severity: str
    summary: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity across checks: a changed summary is a new finding (the old one is resolved). Rotation
        findings keep their identity while their wording counts the days down."""
        return (self.kind, self.object, "" if self.kind == ROTATION_KIND else self.summary)


def _member_of(owner: str) -> str | None:
    return owner.removeprefix("member ") if owner.startswith("member ") else None


def findings_of(report: DriftReport) -> list[WatchFinding]:
    """Every finding of a drift report, in drift's words."""
    found = [
        WatchFinding(
            report.stack,
            MANAGED_DRIFT,
            _member_of(item.owner),
            item.name,
            SEVERITY[MANAGED_DRIFT],
            f"{item.name}: {item.summary}",
        )
        for item in report.drifted
    ]
    if report.recorder_finding and report.recorder is not None:
        summary = f"mcp-access-recorder: {report.recorder.describe()}; expected (recorder.enabled)"
        found.append(WatchFinding(report.stack, RECORDER_KIND, None, "mcp-access-recorder", "warning", summary))
    for finding in [*report.undeclared, *report.rotation, *report.server, *report.oauth, *report.flows]:
        member = finding.subject if finding.kind == ROTATION_KIND else None
        severity = SEVERITY.get(finding.kind, DEFAULT_SEVERITY)
        found.append(WatchFinding(report.stack, finding.kind, member, finding.subject, severity, finding.message))
    return found


@dataclass(frozen=True)
class Changes:
    appeared: list[WatchFinding]
    resolved: list[WatchFinding]


def changes(before: Mapping[tuple[str, str, str], WatchFinding], now: Iterable[WatchFinding]) -> Changes:
    """What appeared since ``before`` (by key) and what is no longer there."""
    current = {finding.key: finding for finding in now}
    return Changes(
        appeared=[f for key, f in current.items() if key not in before],
        resolved=[f for key, f in before.items() if key not in current],
    )


# --- enforcement ---------------------------------------------------------------------------------------------

REVOKE = "revoke"
DELETE_ACCESS = "delete-access"
RESTORE_POLICY = "restore-policy"
CLEAR_ROLE = "clear-role"
RESTORE_SETTING = "restore-setting"


@dataclass(frozen=True)
class Action:
    """One thing the watch does to enforce a class: ``what`` on ``target`` (an id), with words for the report."""

    cls: str
    what: str
    target: str
    member: str | None
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Declarations:
    """What the stack declares, from its config, outputs and state (the watch reads them once per resync)."""

    #: ``{member: userId}`` of the enabled members, and of the members whose static token ``up`` issued.
    members: Mapping[str, str]
    token_members: frozenset[str]
    #: ``{policy id: {"admin_access": bool, "app_access": bool}}`` as the state's inputs declare them.
    policy_flags: Mapping[str, Mapping[str, bool]]
    #: ``{member: rotationDue}`` (ISO text), to tell a rotation's planned replace from a token changed by hand.
    rotation_due: Mapping[str, str]
    allow_deletes: bool
    manage_settings: bool


def _names(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(row["id"]): str(row.get("name") or row["id"]) for row in rows}


def _elevated(policy: Mapping[str, Any] | None) -> bool:
    return bool(policy and (policy.get("admin_access") is True or policy.get("app_access") is True))


def _member_elevations(
    live: LiveDirectus, declared: Declared, members: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """``(member, user id, how)`` for each enabled member that holds admin or app access the code does not give."""
    policies = {str(p["id"]): p for p in live.policies}
    users = {str(u["id"]): u for u in live.users}
    found = []
    for member, user_id in sorted(members.items()):
        user = users.get(user_id)
        if user is None or user.get("status") != "active" or tags_revoked(user.get("tags")):
            continue
        how = []
        for row in live.access:
            policy_id = str(row.get("policy"))
            direct = str(row.get("user") or "") == user_id and policy_id not in declared.policy_ids
            if direct and _elevated(policies.get(policy_id)):
                how.append(f"policy {policies[policy_id].get('name')!r} attached to it directly")
        role = str(user.get("role") or "")
        if role and role not in declared.role_ids:
            held = [str(r.get("policy")) for r in live.access if str(r.get("role") or "") == role]
            if any(_elevated(policies.get(p)) for p in held):
                how.append("moved to a role with admin or app access")
        if how:
            found.append((member, user_id, " and ".join(how)))
    return found


def _token_by_hand(
    report: DriftReport, live: LiveDirectus, declarations: Declarations, now: datetime
) -> list[tuple[str, str]]:
    """``(member, user id)`` whose user holds a static token that is not the one ``up`` issued."""
    users = {str(u["id"]): u for u in live.users}
    replaced = {
        _member_of(item.owner)
        for item in report.drifted
        if item.kind == STATIC_TOKEN.name and item.operation in ("replace", "create-replacement")
    }
    found = []
    for member, user_id in sorted(declarations.members.items()):
        user = users.get(user_id)
        if user is None or not user.get("token") or user.get("status") != "active" or tags_revoked(user.get("tags")):
            continue
        if member in declarations.token_members:
            due = declarations.rotation_due.get(member)
            rotation = bool(due) and datetime.fromisoformat(str(due)) <= now
            if member not in replaced or rotation:
                continue  # the token up issued still works (or is only due for rotation)
        found.append((member, user_id))
    return found


def enforcement(
    report: DriftReport,
    declarations: Declarations,
    enforce: Iterable[str],
    *,
    live_allow_deletes: bool | None,
    now: datetime,
) -> list[Action]:
    """The actions the enforced classes call for, given one check's findings and listings."""
    enforced = set(enforce)
    live, declared = report.live, report.declared
    if not enforced or live is None or declared is None:
        return []
    actions: list[Action] = []
    policies = _names(live.policies)
    flags = {str(p["id"]): p for p in live.policies}
    revoked: set[str] = set()
    if "member-admin-access" in enforced:
        for member, user_id, how in _member_elevations(live, declared, declarations.members):
            revoked.add(member)
            actions.append(Action("member-admin-access", REVOKE, user_id, member, f"member {member}: {how}"))
        for row in live.access:
            role, policy = str(row.get("role") or ""), str(row.get("policy"))
            if role in declared.role_ids and policy not in declared.policy_ids and _elevated(flags.get(policy)):
                actions.append(
                    Action(
                        "member-admin-access",
                        DELETE_ACCESS,
                        str(row["id"]),
                        None,
                        f"policy {policies.get(policy, policy)!r} (admin or app access) attached to this stack's role",
                    )
                )
        for policy_id, wanted in sorted(declarations.policy_flags.items()):
            current = flags.get(policy_id)
            if current is None:
                continue
            restore = {k: v for k, v in wanted.items() if current.get(k) is True and v is False}
            if restore:
                actions.append(
                    Action(
                        "member-admin-access",
                        RESTORE_POLICY,
                        policy_id,
                        None,
                        f"policy {policies.get(policy_id)!r} has {', '.join(sorted(restore))} turned on",
                        restore,
                    )
                )
    if "member-token-by-hand" in enforced:
        for member, user_id in _token_by_hand(report, live, declarations, now):
            if member not in revoked:
                revoked.add(member)
                actions.append(
                    Action("member-token-by-hand", REVOKE, user_id, member, f"member {member}: a token set by hand")
                )
    if "outsider-mcp-access" in enforced:
        for user in live.users:
            user_id = str(user["id"])
            if user_id in declared.user_ids or user_id == declared.provisioning_user or user.get("status") != "active":
                continue
            role = str(user.get("role") or "")
            owner = tags_stack(user.get("tags"))
            if owner is not None and owner != declared.stack and role not in declared.role_ids:
                continue  # another stack's user, holding none of this stack's roles: not ours to touch
            who = str(user.get("email") or user_id)
            if role in declared.role_ids:
                actions.append(
                    Action(
                        "outsider-mcp-access",
                        CLEAR_ROLE,
                        user_id,
                        None,
                        f"user {who}, outside the stack, holds its role {_names(live.roles).get(role, role)!r}",
                    )
                )
            for row in live.access:
                policy = str(row.get("policy"))
                if str(row.get("user") or "") == user_id and policy in declared.policy_ids:
                    actions.append(
                        Action(
                            "outsider-mcp-access",
                            DELETE_ACCESS,
                            str(row["id"]),
                            None,
                            f"user {who}, outside the stack, holds its policy {policies.get(policy, policy)!r}",
                        )
                    )
    if "public-mcp-policy" in enforced:
        for row in live.access:
            policy = str(row.get("policy"))
            if not row.get("role") and not row.get("user") and policy in declared.policy_ids:
                actions.append(
                    Action(
                        "public-mcp-policy",
                        DELETE_ACCESS,
                        str(row["id"]),
                        None,
                        f"this stack's policy {policies.get(policy, policy)!r} attached to Public",
                    )
                )
    if (
        "mcp-deletes-on" in enforced
        and declarations.manage_settings
        and not declarations.allow_deletes
        and live_allow_deletes is True
    ):
        actions.append(
            Action(
                "mcp-deletes-on",
                RESTORE_SETTING,
                "settings",
                None,
                "mcp_allow_deletes turned on while the stack declares it off",
                {"mcp_allow_deletes": False},
            )
        )
    return actions
