"""The review as markdown (sized for a PR comment) or as JSON (for tools).

Markdown puts the changes first, risky ones marked ⚠, then one permission matrix per stack: what a reviewer
needs before what they may want. A comment longer than GitHub's limit is cut at a line with a note saying so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from components.ops.review.diagram import to_mermaid
from components.ops.review.diff import RISKY_ACTIONS, Change, describe_stack
from components.ops.review.matrix import StackMatrix, ordered_actions, ordered_collections
from components.ops.review.run import Review
from components.ops.review.timebox import when

#: GitHub refuses comments longer than this many characters.
COMMENT_LIMIT = 65536
RISKY_MARK = "⚠ "
ACTION_KINDS = ("action_gained", "action_lost")


def for_reading(changes: Sequence[Change]) -> list[Change]:
    """The changes as lines to read: one member's gains (or losses) merged, collections grouped by actions.

    ``john gains read, create, update on pages`` instead of three facts; a group is risky when it gains a risky
    action. Other facts are kept as they are. Risky lines first, then stack by stack, member by member.
    """
    merged: dict[tuple[str, str, str, str], dict[str, list[str]]] = {}
    lines: list[Change] = []
    for change in changes:
        if change.kind not in ACTION_KINDS or not (change.member and change.collection and change.action):
            lines.append(change)
            continue
        key = (change.kind, change.stack, change.member, str(change.template))
        merged.setdefault(key, {}).setdefault(change.collection, []).append(change.action)
    for (kind, stack, member, template), per_collection in merged.items():
        verb = "gains" if kind == "action_gained" else "loses"
        groups: dict[tuple[str, ...], list[str]] = {}
        for collection in ordered_collections(per_collection):
            groups.setdefault(ordered_actions(per_collection[collection]), []).append(collection)
        for actions, collections in groups.items():
            text = f"{stack}: {member} ({template}) {verb} {', '.join(actions)} on {', '.join(collections)}"
            risky = kind == "action_gained" and bool(RISKY_ACTIONS.intersection(actions))
            lines.append(
                Change(kind, stack, text, risky, member, template, collection=collections[0], action=actions[0])
            )
    return sorted(lines, key=Change.sort_key)


def matrix_lines(matrix: StackMatrix) -> list[str]:
    lines = [f"#### `{matrix.stack}`: {matrix.directus_url}", "", describe_stack(matrix), ""]
    if not matrix.members:
        return [*lines, "No members.", ""]
    columns = matrix.collections()
    lines.append("| member | template | " + " | ".join(columns) + " |")
    lines.append("|---|---|" + "---|" * len(columns))
    for member in matrix.members:
        name = member.name
        if member.rotation_override:
            name += f" (rotation {member.rotation_days} days)"
        if not member.enabled:
            name += " (disabled: no access)"
        if member.expires:
            name += f" (ends {when(member.expires)})"
        if member.elevation:
            name += f" (elevated to {member.elevation[0]} until {when(member.elevation[1])})"
        template = f"{member.template} ({RISKY_MARK}admin)" if matrix.admin(member) else member.template
        grants = matrix.grants_of(member)
        cells = [", ".join(grants.get(c, ())) for c in columns]
        lines.append(f"| {name} | {template} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def diagram_lines(changes: Sequence[Change]) -> list[str]:
    """The changes as a Mermaid diagram, after the list that says the same in words (screen readers read that)."""
    diagram = to_mermaid(changes)
    if diagram is None:
        return []
    legend = "Who gains (solid blue) or loses (dashed orange) what: member → template → collections."
    return [legend, "", "```mermaid", diagram.rstrip("\n"), "```", ""]


def render_markdown(result: Review, *, limit: int = COMMENT_LIMIT, diagram: bool = True) -> str:
    lines = ["## MCP access review", ""]
    if result.base_ref is not None:
        commit = (result.base_commit or "")[:12]
        lines += [f"### Changes from `{result.base_ref}` ({commit}) to the working tree", ""]
        if result.changes:
            readable = for_reading(result.changes)
            risky = sum(c.risky for c in readable)
            lines += [f"{len(readable)} changes, {risky} flagged {RISKY_MARK.strip()}.", ""]
            lines += [f"- {RISKY_MARK if c.risky else ''}{c.text}" for c in readable]
            lines.append("")
            if diagram:
                lines += diagram_lines(result.changes)
        else:
            stacks = ", ".join(sorted({*result.head, *(result.base or {})})) or "no stacks"
            lines += [f"No access changes ({stacks}).", ""]
    lines += ["### Permissions (working tree)", ""]
    if not result.head:
        lines += ["No stack settings files.", ""]
    for matrix in result.head.values():
        lines += matrix_lines(matrix)
    text = "\n".join(lines).rstrip("\n") + "\n"
    if diagram and len(text) > limit and "```mermaid" in text:
        return render_markdown(result, limit=limit, diagram=False)  # a cut diagram would break the comment
    return _fit(text, limit)


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    note = (
        f"\n… truncated to fit a PR comment ({limit} characters; {len(text)} in full): "
        "run `mcp-access review --json` for everything.\n"
    )
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: max(cut, 0)] + note


def review_data(result: Review) -> dict[str, Any]:
    base = None if result.base_ref is None else {"ref": result.base_ref, "commit": result.base_commit}
    return {
        "base": base,
        "head": "working tree",
        "stacks": {name: matrix.as_dict() for name, matrix in result.head.items()},
        "changes": [c.as_dict() for c in result.changes],
        "summary": {"changes": len(result.changes), "risky": sum(c.risky for c in result.changes)},
    }


def render_json(result: Review) -> str:
    return json.dumps(review_data(result), indent=2, ensure_ascii=False) + "\n"
