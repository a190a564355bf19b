"""Plain words for the declared-versus-live half of ``drift``: each planned change, as a reader understands it.

Both ways of planning go through here: the engine's refreshed preview (:mod:`components.ops.drift.preview`, the
slower cross-check) and the in-process plan (:mod:`components.ops.drift.plan`, the default). Each hands over
neutral :class:`PlannedStep` values, so one wording serves both and their findings can be compared as values.
Every step that is not "same" is drift: something was changed, added or removed by hand (or a declared change
has not been applied yet).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from components.kinds import PERMISSION_SET, POLICY, STATIC_TOKEN, USER, Kind, kind_named
from components.model.lockouts import lockout_words
from components.model.marker import tags_revoked
from components.names import DYNAMIC_PREFIX, kind_of_type

#: Steps that change nothing (the engine's op names).
IGNORED_OPS = frozenset({"same", "refresh", "read"})
REPLACE_OPS = ("replace", "create-replacement", "delete-replaced")
#: The op a resource's summary keeps when it has several steps (a replacement's create, replace, delete).
KEPT_OPS = ("replace", "create-replacement")
#: How a summary names a property whose input name means little to a reader.
PROPERTY_WORDS = {"linked_to": "access rows", "linked_policies": "attached policies"}
#: ``operation`` of a member's user (and token) suspended by ``mcp-access revoke``: see :func:`mark_revoked`.
REVOKED = "revoked-by-hand"


@dataclass(frozen=True)
class PlannedStep:
    """One step a refreshed preview plans, whoever planned it: the engine (an event) or the in-process plan.

    ``old_outputs`` are the live values (the refreshed state; ``None`` for a create), ``new_inputs`` the declared
    ones (``None`` for a delete), ``diffs`` the property names the provider reported (our dynamic providers report
    none: the wording then compares the two maps itself). Secret values are masked, as in the engine's events.
    """

    urn: str
    type: str
    #: The engine's op name: ``same``, ``create``, ``update``, ``delete``, ``replace``, ``create-replacement``, ...
    op: str
    old_outputs: Mapping[str, Any] | None = None
    new_inputs: Mapping[str, Any] | None = None
    diffs: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class DriftedResource:
    """One resource whose live state differs from the declaration."""

    name: str
    kind: str
    owner: str
    operation: str
    properties: tuple[str, ...]
    summary: str
    details: tuple[str, ...] = ()
    #: The live status that locks the member's user out (``inactive-license``, ``suspended``, ...), if that is why.
    lockout: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "resource": self.name,
            "kind": self.kind,
            "owner": self.owner,
            "operation": self.operation,
            "properties": list(self.properties),
            "summary": self.summary,
            "details": list(self.details),
        }
        if self.lockout:
            data["lockout"] = self.lockout
        return data


def _owner(kind: Kind | None, name: str, stack: str) -> str:
    """``member john``, ``template content`` or ``stack `team```: the component that declares the resource."""
    if kind is not None and kind.owner == "stack":
        return f"stack `{stack}`"
    base = name.rsplit("-", 1)[0]
    if base == "_guard":  # components.program.guard.GUARD
        return "the guard user"
    return f"{kind.owner if kind else 'template'} {base}"


def _rows(value: Any) -> set[tuple[str, str]]:
    return set(_rules_by_row(value))


def _rules_by_row(value: Any) -> dict[tuple[str, str], tuple[list[str], Any]]:
    """``{(collection, action): (fields, filter)}``; ``["*"]`` and ``None`` when a row has none (as Directus's
    ``null``/``{}``, and rows in state from before filters existed)."""
    if not isinstance(value, list):
        return {}
    return {
        (str(r.get("collection")), str(r.get("action"))): (
            sorted(r.get("fields") or ["*"]),
            r.get("permissions") or None,
        )
        for r in value
        if isinstance(r, Mapping)
    }


def _rule_details(live: Any, declared: Any) -> list[str]:
    """Rows granted on both sides whose field list or item filter differs (changed or removed by hand)."""
    live_rules, declared_rules = _rules_by_row(live), _rules_by_row(declared)
    lines = []
    for key in sorted(live_rules.keys() & declared_rules.keys()):
        (live_fields, live_filter), (fields, filter_) = live_rules[key], declared_rules[key]
        collection, action = key
        if live_fields != fields:
            lines.append(f"fields of {action} on {collection}: {live_fields} in Directus, {fields} declared")
        if live_filter != filter_:
            lines.append(
                f"filter of {action} on {collection}: {_filter_words(live_filter)} in Directus, "
                f"{_filter_words(filter_)} declared"
            )
    return lines


def _filter_words(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if value else "none (all items)"


def _permission_details(live: Any, declared: Any) -> list[str]:
    extra = sorted(_rows(live) - _rows(declared))
    missing = sorted(_rows(declared) - _rows(live))
    lines = [f"granted in Directus but not declared: {action} on {collection}" for collection, action in extra]
    lines += [f"declared but missing in Directus: {action} on {collection}" for collection, action in missing]
    return lines + _rule_details(live, declared)


def _live_value(live: Mapping[str, Any], prop: str, kind: Kind | None = None) -> Any:
    name = kind.live_names.get(prop, prop) if kind else prop
    return live.get(name, live.get(prop))


def _same(prop: str, live_value: Any, declared_value: Any) -> bool:
    if prop == "permissions":
        return _rules_by_row(live_value) == _rules_by_row(declared_value)
    if isinstance(live_value, list) and isinstance(declared_value, list):
        return sorted(map(str, live_value)) == sorted(map(str, declared_value))
    return bool(live_value == declared_value)


def changed_properties(
    live: Mapping[str, Any], declared: Mapping[str, Any], kind: Kind | None = None
) -> tuple[str, ...]:
    """Declared inputs whose live value (refreshed outputs) differs: the dynamic provider reports no diff keys."""
    return tuple(
        sorted(
            prop
            for prop, value in declared.items()
            if not prop.startswith("__") and value is not None and not _same(prop, _live_value(live, prop, kind), value)
        )
    )


def _link_details(live: Any, declared: Any) -> list[str]:
    """A policy's access rows (``user:<id>``, ``role:<id>``, ``public``) that Directus has and the code does not."""
    extra = sorted(set(live or []) - set(declared or []))
    words = {"user": "user", "role": "role"}
    lines = []
    for link in extra:
        if link == "public":
            lines.append("attached to Public in Directus (anyone, without a token) but not declared")
        else:
            holder, _, ident = link.partition(":")
            lines.append(f"attached to {words.get(holder, holder)} {ident} in Directus but not declared")
    return lines


def _value_details(
    live: Mapping[str, Any], declared: Mapping[str, Any], properties: Iterable[str], kind: Kind | None
) -> list[str]:
    lines = []
    for prop in properties:
        if kind is None or prop not in kind.shown:
            continue
        if kind is POLICY and prop == "linked_to":
            lines += _link_details(_live_value(live, prop, kind), declared.get(prop))
            continue
        live_value = _live_value(live, prop, kind)
        lines.append(f"{prop}: {_shown(live_value)!r} in Directus, {_shown(declared.get(prop))!r} declared")
    return lines


def _shown(value: Any) -> Any:
    """A whole number the same way on both planning paths: the engine's protocol carries numbers as floats, the
    in-process plan may keep them so (``30.0``), the engine's events give ``30``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _token_summary(owner: str, live: Mapping[str, Any], properties: Iterable[str], now: datetime) -> str:
    """Why a token is replaced, from its refreshed outputs: a replace from the provider comes with no ``diffs``."""
    if "user_id" in properties:
        return f"the token of {owner} belongs to a user that is re-created: `up` issues a new one"
    due_text = live.get("rotation_due")
    due = datetime.fromisoformat(str(due_text)) if due_text else None
    if live.get("status") == "valid" and due is not None and due <= now:
        return f"the token of {owner} is past its rotation date ({due:%Y-%m-%d}): `up` issues a new one"
    return f"the token of {owner} no longer works (changed, cleared or suspended by hand): `up` issues a new one"


def describe(step: PlannedStep, was_in_state: Callable[[str], bool], now: datetime | None = None) -> DriftedResource:
    """Plain words for one planned step of a refreshed preview."""
    name = step.urn.rsplit("::", 1)[-1]
    stack = step.urn.removeprefix("urn:pulumi:").split("::", 1)[0]
    kind_name = kind_of_type(step.type) or step.type
    kind = kind_named(kind_name)
    what = kind.words if kind else kind_name
    differs = "differ" if kind is not None and kind.plural else "differs"
    owner = _owner(kind, name, stack)
    op = step.op
    live = dict(step.old_outputs or {})
    declared = dict(step.new_inputs or {})
    properties = tuple(step.diffs) or (changed_properties(live, declared, kind) if live else ())
    details: list[str] = []
    lockout: str | None = None
    if op == "create":
        if was_in_state(step.urn):
            summary = f"the {what} of {owner} is gone from Directus (deleted by hand?): `up` re-creates it"
        else:
            summary = f"the {what} of {owner} is declared but not applied yet: `up` creates it"
    elif op in ("delete", "discard"):
        summary = f"the {what} of {owner} is no longer declared: `up` removes it from Directus"
    elif kind is STATIC_TOKEN and op in REPLACE_OPS:
        summary = _token_summary(owner, live, properties, now or datetime.now(UTC))
    elif kind is USER and tags_revoked(live.get("tags")) and declared.get("status") == "active":
        member = owner.removeprefix("member ")
        summary = (
            f"member {member} was revoked by hand (`mcp-access revoke`: suspended, token cleared) but the code "
            f"still enables it: set `enabled: false` for {member} to keep it so; `up` refuses to re-enable it "
            f"until run as `mcp-access up --restore {member}`"
        )
        op = REVOKED
    elif kind is USER and declared.get("status") == "active" and (words := lockout_words(live.get("status"))):
        member = owner.removeprefix("member ")
        summary = f"the MCP user of member {member} {words[0]}: {words[1]}"
        lockout = str(live.get("status"))
    else:
        changed = ", ".join(PROPERTY_WORDS.get(p, p) for p in properties) or "its properties"
        summary = f"the {what} of {owner} {differs} in Directus ({changed}): `up` restores the declared values"
        if kind is PERMISSION_SET:
            details = _permission_details(live.get("permissions"), declared.get("permissions"))
        else:
            details = _value_details(live, declared, properties, kind)
    return DriftedResource(name, kind_name, owner, op, properties, summary, tuple(details), lockout)


def mark_revoked(items: Iterable[DriftedResource]) -> list[DriftedResource]:
    """The token of a member revoked by hand is not "changed by hand": say that ``revoke`` cleared it."""
    items = list(items)
    revoked = {item.owner for item in items if item.operation == REVOKED}
    return [
        replace(
            item,
            operation=REVOKED,
            summary=f"the token of {item.owner} was cleared by `mcp-access revoke`; `up --restore` issues a new one",
        )
        if item.owner in revoked and item.kind == STATIC_TOKEN.name
        else item
        for item in items
    ]


def mark_locked_out(items: Iterable[DriftedResource]) -> list[DriftedResource]:
    """The token of a member whose user is locked out was not "changed by hand": say that the status refuses it."""
    items = list(items)
    locked = {item.owner: item.lockout for item in items if item.lockout}
    return [
        replace(
            item,
            lockout=locked[item.owner],
            summary=f"the token of {item.owner} is refused while its user is {locked[item.owner]} (see its user); "
            "once the user is active again, `up` issues a new token",
        )
        if item.owner in locked and item.kind == STATIC_TOKEN.name
        else item
        for item in items
    ]


def drifted(
    steps: Iterable[PlannedStep], state_urns: frozenset[str], now: datetime | None = None
) -> list[DriftedResource]:
    """Every resource of this project that a plan would change, in words, one item per resource, sorted.

    ``state_urns`` are the resources in the state before the refresh: a planned create of one of them means it
    was deleted in Directus, of another that it was declared but never applied. Steps of the stack, of
    components and of the dynamic provider itself (``updated`` whenever stack config changes) hold no Directus
    state and are skipped. A replacement's several steps make one item, worded from its replace step.
    """
    found: dict[str, DriftedResource] = {}
    for step in steps:
        if step.op in IGNORED_OPS or not step.type.startswith(DYNAMIC_PREFIX):
            continue
        item = describe(step, state_urns.__contains__, now)
        if item.name not in found or item.operation in KEPT_OPS:
            found[item.name] = item
    return sorted(mark_locked_out(mark_revoked(found.values())), key=lambda item: (item.owner, item.name))
