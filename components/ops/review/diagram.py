"""The review's changes as a Mermaid flowchart (GitHub draws it in a PR comment): member → template → collection.

Each edge from a template to its collections carries the actions gained (``gains read, create``: widening, blue,
solid) or lost (``loses delete``: narrowing, orange, dashed: told apart without colour too); collections with the
same change share one node; a gained ⚠ action is marked. The
markdown list above the diagram says the same in words, for screen readers, and ``--json`` keeps the facts.
Pure: built from :class:`~components.ops.review.diff.Change` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from components.ops.review.diff import RISKY_ACTIONS, Change
from components.ops.review.matrix import ordered_actions, ordered_collections

WIDEN_STYLE = "stroke:#0072b2,stroke-width:2px,color:#0072b2"
NARROW_STYLE = "stroke:#d55e00,stroke-width:2px,stroke-dasharray:6 4,color:#d55e00"
#: Edges beyond this are left out with a note (GitHub's renderer gives up on very large graphs).
MAX_EDGES = 200
ADMIN = "⚠ admin access"
GAIN_KINDS = frozenset({"member_added", "member_enabled"})
LOSS_KINDS = frozenset({"member_removed", "member_disabled"})


@dataclass(frozen=True)
class Movement:
    """One member gaining (``widen``) or losing actions on one collection through one template."""

    stack: str
    member: str
    template: str
    collection: str
    actions: tuple[str, ...]
    widen: bool


def movements(changes: Iterable[Change]) -> list[Movement]:
    grouped: dict[tuple[str, str, str, str, bool], set[str]] = {}

    def add(change: Change, collection: str, actions: Iterable[str], widen: bool) -> None:
        if change.member and change.template:
            key = (change.stack, change.member, change.template, collection, widen)
            grouped.setdefault(key, set()).update(actions)

    for change in changes:
        if change.kind in ("action_gained", "action_lost") and change.collection and change.action:
            add(change, change.collection, [change.action], change.kind == "action_gained")
        elif change.kind in GAIN_KINDS and isinstance(change.after, dict):
            for collection, actions in change.after.items():
                add(change, collection, actions, True)
        elif change.kind in LOSS_KINDS and isinstance(change.before, dict):
            for collection, actions in change.before.items():
                add(change, collection, actions, False)
        elif change.kind in ("admin_gained", "admin_lost"):
            add(change, ADMIN, ["admin"], change.kind == "admin_gained")
    return [
        Movement(stack, member, template, collection, ordered_actions(actions), widen)
        for (stack, member, template, collection, widen), actions in grouped.items()
    ]


def _label(text: str) -> str:
    """A quoted Mermaid label: quotes and the characters Mermaid reads as markup become entity codes."""
    return '"' + text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;") + '"'


class _Ids:
    def __init__(self) -> None:
        self.ids: dict[tuple[str, ...], str] = {}

    def __call__(self, *key: str) -> str:
        return self.ids.setdefault(key, f"n{len(self.ids)}")


def to_mermaid(changes: Sequence[Change], *, max_edges: int = MAX_EDGES) -> str | None:
    """The flowchart's source (without the code fence), or ``None`` when no member gains or loses anything."""
    moves = movements(changes)
    if not moves:
        return None
    ids = _Ids()
    lines = ["flowchart LR"]
    edges: list[tuple[str, str, str, bool]] = []
    seen: set[tuple[str, str, str, bool]] = set()
    stacks = sorted({m.stack for m in moves})
    for stack in stacks:
        mine = [m for m in moves if m.stack == stack]
        per_template: dict[tuple[str, str, bool], set[str]] = {}
        for move in mine:
            per_template.setdefault((move.template, move.collection, move.widen), set()).update(move.actions)
        # Collections a template gains (or loses) the same actions on share one node: fewer, readable edges.
        groups: dict[tuple[str, bool, tuple[str, ...]], list[str]] = {}
        for (template, collection, widen), actions in per_template.items():
            groups.setdefault((template, widen, ordered_actions(actions)), []).append(collection)
        lines.append(f"  subgraph {ids('stack', stack)}[{_label(f'stack {stack}')}]")
        for member in sorted({m.member for m in mine}):
            lines.append(f"    {ids('member', stack, member)}([{_label(member)}])")
        for template in sorted({m.template for m in mine}):
            lines.append(f"    {ids('template', stack, template)}{{{{{_label(template)}}}}}")
        ordered_groups = sorted(groups.items(), key=lambda item: (not item[0][1], item[0][0], item[0][2]))
        for (template, widen, group), collections in ordered_groups:
            node = ids("collections", stack, template, str(widen), *group)
            lines.append(f"    {node}[({_label(', '.join(ordered_collections(collections)))})]")
        lines.append("  end")
        for move in sorted(mine, key=lambda m: (not m.widen, m.member, m.template)):
            member_edge = (ids("member", stack, move.member), ids("template", stack, move.template), "", move.widen)
            if member_edge not in seen:
                seen.add(member_edge)
                edges.append(member_edge)
        for (template, widen, group), _ in ordered_groups:
            words = ", ".join(f"⚠ {a}" if widen and a in RISKY_ACTIONS else a for a in group)
            label = f"gains {words}" if widen else f"loses {words}"
            target = ids("collections", stack, template, str(widen), *group)
            edges.append((ids("template", stack, template), target, label, widen))
    left_out = max(len(edges) - max_edges, 0)
    edges = edges[:max_edges]
    for source, target, label, widen in edges:
        arrow = "-->" if widen else "-.->"
        lines.append(f"  {source} {arrow}|{_label(label)}| {target}" if label else f"  {source} {arrow} {target}")
    for index, (*_, widen) in enumerate(edges):
        lines.append(f"  linkStyle {index} {WIDEN_STYLE if widen else NARROW_STYLE}")
    if left_out:
        note = f"{left_out} more edges left out: see the list above"
        lines.append(f"  more[{_label(note)}]")
    return "\n".join(lines) + "\n"
