"""What changes in MCP access between two revisions, as facts a reviewer reads: pure, no git, no Directus.

Each :class:`Change` is one fact (one member gaining one action on one collection, one flag flipped, one
member added...), with a plain-words ``text`` and ``risky`` set for what widens dangerous access: admin
access, delete or share, deletes or admin turned on, an ip allowlist widened or lifted. The renderer groups
facts for reading; the JSON output keeps them one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.ops.review.matrix import (
    ACTION_ORDER,
    ALL,
    Grants,
    MemberAccess,
    Rule,
    StackMatrix,
    ordered_collections,
)
from components.ops.review.timebox import TIMEBOX_KINDS, joining_words, timebox_facts

#: Actions whose gain is flagged: they destroy data (delete) or expose it outside Directus (share).
RISKY_ACTIONS = frozenset({"delete", "share"})

#: Order of the facts within a stack: the environment, its flags, then member by member.
KINDS = (
    "stack_added",
    "stack_removed",
    "flag_changed",
    "ip_allowlist_entry_added",
    "ip_allowlist_entry_removed",
    "template_ip_access_changed",
    "template_rule_changed",
    "member_added",
    "member_removed",
    "member_disabled",
    "member_enabled",
    "member_template_changed",
    "member_email_changed",
    "member_rotation_changed",
    *TIMEBOX_KINDS,
    "admin_gained",
    "admin_lost",
    "action_gained",
    "action_lost",
)


@dataclass(frozen=True)
class Change:
    """One fact. Fields that do not apply to the kind are ``None``; ``before``/``after`` hold the values."""

    kind: str
    stack: str
    text: str
    risky: bool = False
    member: str | None = None
    template: str | None = None
    collection: str | None = None
    action: str | None = None
    flag: str | None = None
    before: Any = None
    after: Any = None

    def sort_key(self) -> tuple[Any, ...]:
        member_rank = (1, self.member) if self.member else (0, "")
        action_rank = ACTION_ORDER.index(self.action) if self.action in ACTION_ORDER else len(ACTION_ORDER)
        return (
            not self.risky,
            self.stack,
            member_rank,
            KINDS.index(self.kind),
            action_rank,
            (str(self.collection or "").startswith("directus_"), self.collection or ""),
            self.flag or "",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stack": self.stack,
            "member": self.member,
            "template": self.template,
            "collection": self.collection,
            "action": self.action,
            "flag": self.flag,
            "before": self.before,
            "after": self.after,
            "risky": self.risky,
            "text": self.text,
        }


def describe_grants(grants: Grants) -> str:
    """``read, create, update on articles, pages; read on directus_fields``: collections grouped by actions."""
    if not grants:
        return "no permissions"
    groups: dict[tuple[str, ...], list[str]] = {}
    for collection in ordered_collections(grants):
        groups.setdefault(tuple(grants[collection]), []).append(collection)
    return "; ".join(f"{', '.join(actions)} on {', '.join(cols)}" for actions, cols in groups.items())


def _grants_risky(grants: Grants) -> bool:
    return any(RISKY_ACTIONS.intersection(actions) for actions in grants.values())


def _as_json(grants: Grants) -> dict[str, list[str]]:
    return {c: list(a) for c, a in grants.items()}


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def describe_stack(matrix: StackMatrix) -> str:
    """The stack's flags on one line: ``MCP on; deletes off; admin refused; ip allowlist none; rotation ...``."""
    ips = ", ".join(matrix.ip_allowlist) if matrix.ip_allowlist else "none"
    required = " (required)" if matrix.require_ip_allowlist else ""
    return (
        f"MCP {_on_off(matrix.mcp_enabled)}; deletes {_on_off(matrix.allow_deletes)}; "
        f"admin {'allowed' if matrix.allow_admin_access else 'refused'}; ip allowlist {ips}{required}; "
        f"rotation {matrix.rotation_days} days, at most {matrix.max_rotation_days}"
    )


@dataclass
class _StackDiff:
    stack: str
    changes: list[Change] = field(default_factory=list)

    def add(self, kind: str, text: str, **fields: Any) -> None:
        self.changes.append(Change(kind=kind, stack=self.stack, text=f"{self.stack}: {text}", **fields))

    def flag(self, flag: str, before: Any, after: Any, text: str, *, risky: bool = False) -> None:
        if before != after:
            self.add("flag_changed", text, flag=flag, before=before, after=after, risky=risky)


def _flags(d: _StackDiff, base: StackMatrix, head: StackMatrix) -> None:
    d.flag("directusUrl", base.directus_url, head.directus_url, f"Directus {base.directus_url} → {head.directus_url}")
    d.flag(
        "mcp.enabled",
        base.mcp_enabled,
        head.mcp_enabled,
        f"MCP server turned {_on_off(head.mcp_enabled)}",
        risky=head.mcp_enabled,
    )
    d.flag(
        "mcp.allowDeletes",
        base.allow_deletes,
        head.allow_deletes,
        f"deletes through MCP turned {_on_off(head.allow_deletes)}",
        risky=head.allow_deletes,
    )
    d.flag(
        "guardrails.allowAdminAccess",
        base.allow_admin_access,
        head.allow_admin_access,
        "admin access for MCP users "
        + ("now allowed (guardrails.allowAdminAccess)" if head.allow_admin_access else "no longer allowed"),
        risky=head.allow_admin_access,
    )
    d.flag(
        "guardrails.requireIpAllowlist",
        base.require_ip_allowlist,
        head.require_ip_allowlist,
        "ip allowlist " + ("now required" if head.require_ip_allowlist else "no longer required"),
    )
    rotation = f"rotation {base.rotation_days} → {head.rotation_days} days"
    d.flag("rotationDays", base.rotation_days, head.rotation_days, rotation)
    d.flag(
        "guardrails.maxRotationDays",
        base.max_rotation_days,
        head.max_rotation_days,
        f"rotation cap {base.max_rotation_days} → {head.max_rotation_days} days",
    )
    emails = f"MCP user emails {base.email_pattern} → {head.email_pattern}"
    d.flag("emailPattern", base.email_pattern, head.email_pattern, emails)
    d.flag(
        "mcp.systemPromptEnabled",
        base.system_prompt_enabled,
        head.system_prompt_enabled,
        f"Directus's built-in MCP system prompt turned {_on_off(head.system_prompt_enabled)}",
    )
    d.flag("mcp.systemPrompt", base.system_prompt, head.system_prompt, "custom MCP system prompt changed")


def _ip_allowlist(d: _StackDiff, base: StackMatrix, head: StackMatrix) -> None:
    before, after = base.ip_allowlist, head.ip_allowlist
    for entry in after:
        if entry not in before:
            # Adding to an empty list narrows (from anywhere to this); adding to a list widens it.
            widens = bool(before)
            note = " (widens where MCP calls are accepted from)" if widens else ""
            d.add("ip_allowlist_entry_added", f"ip allowlist {entry} added{note}", after=entry, risky=widens)
    for entry in before:
        if entry not in after:
            lifted = not after
            note = " (no allowlist left: MCP calls accepted from any address)" if lifted else ""
            d.add("ip_allowlist_entry_removed", f"ip allowlist {entry} removed{note}", before=entry, risky=lifted)


def _template_ip_access(d: _StackDiff, base: StackMatrix, head: StackMatrix) -> None:
    """Report a template's ip_access change only where it does not just follow the stack's allowlist."""
    stack_added = set(head.ip_allowlist) - set(base.ip_allowlist)
    stack_removed = set(base.ip_allowlist) - set(head.ip_allowlist)
    for name in sorted(set(base.templates) & set(head.templates)):
        before, after = base.templates[name].ip_access, head.templates[name].ip_access
        if set(after) - set(before) == stack_added and set(before) - set(after) == stack_removed:
            continue
        risky = bool(before) and (not after or bool(set(after) - set(before)))
        shown_before, shown_after = ", ".join(before) or "any address", ", ".join(after) or "any address"
        d.add(
            "template_ip_access_changed",
            f"template {name}: ip access {shown_before} → {shown_after}",
            template=name,
            before=list(before),
            after=list(after),
            risky=risky,
        )


def _widens(before: Rule, after: Rule) -> bool:
    """More fields, or an item filter removed or changed (whether a changed filter matches more is not decided)."""
    more_fields = before.fields != ("*",) and (after.fields == ("*",) or bool(set(after.fields) - set(before.fields)))
    return more_fields or (before.filter is not None and after.filter != before.filter)


def _template_rules(d: _StackDiff, base: StackMatrix, head: StackMatrix) -> None:
    """A field list or item filter changed on a permission the template grants on both sides."""
    for name in sorted(set(base.templates) & set(head.templates)):
        was, now = base.templates[name], head.templates[name]
        for collection, action in sorted(set(was.rules) | set(now.rules)):
            if action not in was.grants.get(collection, ()) or action not in now.grants.get(collection, ()):
                continue  # gained or lost as a whole: the members' action facts say so
            before, after = was.rules.get((collection, action), ALL), now.rules.get((collection, action), ALL)
            if before == after:
                continue
            d.add(
                "template_rule_changed",
                f"template {name}: {action} on {collection}: {before.words()} → {after.words()}",
                template=name,
                collection=collection,
                action=action,
                before={"fields": list(before.fields), "filter": before.filter},
                after={"fields": list(after.fields), "filter": after.filter},
                risky=_widens(before, after),
            )


def _elevated_admin(matrix: StackMatrix, member: MemberAccess) -> bool:
    template = matrix.templates.get(member.elevation[0]) if member.elevation else None
    return bool(template and template.admin_access)


def _member_joins(d: _StackDiff, matrix: StackMatrix, member: MemberAccess, kind: str, verb: str) -> None:
    """A member who starts having access (added, or enabled again): one fact with everything it gets."""
    grants = matrix.grants_of(member)
    admin = matrix.admin(member)
    template = f"{member.template}, ⚠ admin access" if admin else member.template
    if member.enabled:
        text = f"member {member.name} {verb} ({template}, {member.mcp_email}): {describe_grants(grants)}"
        text += joining_words(member.expires, member.elevation, _elevated_admin(matrix, member))
    else:
        text = f"member {member.name} {verb}, disabled ({template}, {member.mcp_email}): no access until enabled"
    d.add(
        kind,
        text,
        member=member.name,
        template=member.template,
        after=_as_json(grants),
        risky=member.enabled and (admin or _grants_risky(grants)),
    )


def _member(d: _StackDiff, base: StackMatrix, head: StackMatrix, name: str) -> None:
    was, now = base.member(name), head.member(name)
    if was is None and now is not None:
        _member_joins(d, head, now, "member_added", "added")
        return
    if now is None and was is not None:
        d.add(
            "member_removed",
            f"member {name} removed (was {was.template}: its MCP user and token go)",
            member=name,
            template=was.template,
            before=_as_json(base.grants_of(was)),
        )
        return
    assert was is not None and now is not None
    if was.template != now.template:
        d.add(
            "member_template_changed",
            f"member {name} moved from {was.template} to {now.template}",
            member=name,
            template=now.template,
            before=was.template,
            after=now.template,
        )
    if was.enabled and not now.enabled:
        d.add(
            "member_disabled",
            f"member {name} disabled (token revoked, user suspended)",
            member=name,
            template=now.template,
            before=_as_json(base.grants_of(was)),
        )
    elif now.enabled and not was.enabled:
        _member_joins(d, head, now, "member_enabled", "enabled again")
    if was.mcp_email != now.mcp_email:
        d.add(
            "member_email_changed",
            f"member {name}'s MCP user {was.mcp_email} → {now.mcp_email} (a new user and token)",
            member=name,
            template=now.template,
            before=was.mcp_email,
            after=now.mcp_email,
        )
    if was.rotation_days != now.rotation_days and (was.rotation_override or now.rotation_override):
        d.add(
            "member_rotation_changed",
            f"member {name}'s token rotation {was.rotation_days} → {now.rotation_days} days",
            member=name,
            template=now.template,
            before=was.rotation_days,
            after=now.rotation_days,
        )
    timebox_facts(
        d.add,
        name,
        now.template,
        (was.expires, was.elevation),
        (now.expires, now.elevation),
        _elevated_admin(head, now),
    )
    if not (was.enabled and now.enabled):
        return  # a member without access on either side: the facts above say everything
    label = f"{name} ({now.template})"
    admin_before, admin_after = base.admin(was), head.admin(now)
    if admin_after and not admin_before:
        d.add("admin_gained", f"{label} gains admin access", member=name, template=now.template, risky=True)
    elif admin_before and not admin_after:
        d.add("admin_lost", f"{label} loses admin access", member=name, template=now.template)
    before, after = base.grants_of(was), head.grants_of(now)
    for collection in ordered_collections([*before, *after]):
        had, has = set(before.get(collection, ())), set(after.get(collection, ()))
        for action in ACTION_ORDER:
            if action in has - had:
                d.add(
                    "action_gained",
                    f"{label} gains {action} on {collection}",
                    member=name,
                    template=now.template,
                    collection=collection,
                    action=action,
                    risky=action in RISKY_ACTIONS,
                )
            elif action in had - has:
                d.add(
                    "action_lost",
                    f"{label} loses {action} on {collection}",
                    member=name,
                    template=now.template,
                    collection=collection,
                    action=action,
                )


def diff_stack(stack: str, base: StackMatrix | None, head: StackMatrix | None) -> list[Change]:
    """The facts that change ``stack`` from ``base`` to ``head`` (``None``: the stack has no file there)."""
    d = _StackDiff(stack)
    if base is None and head is None:
        return []
    if head is None:
        assert base is not None
        members = ", ".join(m.name for m in base.members) or "none"
        d.add(
            "stack_removed",
            f"environment removed (stack file deleted; its members were {members}). Its Directus users, roles and "
            f"tokens stay until `mcp-access destroy --stack {stack}`",
            before=base.as_dict(),
        )
        return d.changes
    if base is None:
        d.add(
            "stack_added",
            f"new environment {head.directus_url} ({describe_stack(head)})",
            after=head.as_dict(),
            risky=head.allow_deletes or any(head.admin(m) and m.enabled for m in head.members),
        )
        for member in head.members:
            _member_joins(d, head, member, "member_added", "added")
        return d.changes
    _flags(d, base, head)
    _ip_allowlist(d, base, head)
    _template_ip_access(d, base, head)
    _template_rules(d, base, head)
    names = [m.name for m in base.members] + [m.name for m in head.members if base.member(m.name) is None]
    for name in names:
        _member(d, base, head, name)
    return d.changes


def diff_matrices(base: Mapping[str, StackMatrix], head: Mapping[str, StackMatrix]) -> list[Change]:
    """Every change across stacks, the risky ones first, then stack by stack."""
    changes = [c for stack in sorted({*base, *head}) for c in diff_stack(stack, base.get(stack), head.get(stack))]
    return sorted(changes, key=Change.sort_key)
