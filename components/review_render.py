"""The review as markdown (sized for a PR comment) or as JSON (for tools).

Markdown puts the changes first, risky ones marked ⚠, then one permission matrix per stack: what a reviewer
needs before what they may want. A comment longer than GitHub's limit is cut at a line with a note saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from components.review import Review
from components.review_diff import Change, describe_stack
from components.review_matrix import StackMatrix

#: GitHub refuses comments longer than this many characters.
COMMENT_LIMIT = 65536
RISKY_MARK = "⚠ "


def _grouped(changes: Sequence[Change]) -> Iterator[tuple[Change, list[str]]]:
    """Consecutive gains (or losses) of one action by one member, collections merged into one line."""
    group: list[Change] = []

    def key(c: Change) -> tuple[Any, ...]:
        return (c.kind, c.risky, c.stack, c.member, c.template, c.action)

    for change in changes:
        if group and (change.kind not in ("action_gained", "action_lost") or key(change) != key(group[0])):
            yield group[0], [str(c.collection) for c in group]
            group = []
        if change.kind in ("action_gained", "action_lost"):
            group.append(change)
        else:
            yield change, []
    if group:
        yield group[0], [str(c.collection) for c in group]


def change_lines(changes: Sequence[Change]) -> list[str]:
    lines = []
    for change, collections in _grouped(changes):
        text = change.text
        if collections:
            verb = "gains" if change.kind == "action_gained" else "loses"
            on = ", ".join(collections)
            text = f"{change.stack}: {change.member} ({change.template}) {verb} {change.action} on {on}"
        lines.append(f"- {RISKY_MARK if change.risky else ''}{text}")
    return lines


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
        template = f"{member.template} ({RISKY_MARK}admin)" if matrix.admin(member) else member.template
        grants = matrix.grants_of(member)
        cells = [", ".join(grants.get(c, ())) for c in columns]
        lines.append(f"| {name} | {template} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(result: Review, *, limit: int = COMMENT_LIMIT) -> str:
    lines = ["## MCP access review", ""]
    if result.base_ref is not None:
        commit = (result.base_commit or "")[:12]
        lines += [f"### Changes from `{result.base_ref}` ({commit}) to the working tree", ""]
        if result.changes:
            risky = sum(c.risky for c in result.changes)
            lines += [f"{len(result.changes)} changes, {risky} flagged {RISKY_MARK.strip()}.", ""]
            lines += [*change_lines(result.changes), ""]
        else:
            stacks = ", ".join(sorted({*result.head, *(result.base or {})})) or "no stacks"
            lines += [f"No access changes ({stacks}).", ""]
    lines += ["### Permissions (working tree)", ""]
    if not result.head:
        lines += ["No stack settings files.", ""]
    for matrix in result.head.values():
        lines += matrix_lines(matrix)
    return _fit("\n".join(lines).rstrip("\n") + "\n", limit)


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
