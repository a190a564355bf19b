"""``preview --engine`` in words: the engine's step events through the in-process preview's keyed wording."""

from __future__ import annotations

from typing import Any, ClassVar

from pulumi import automation as auto

from components.kinds import PERMISSION_SET, USER, Kind
from components.ops.preview.render import render_preview
from components.ops.preview.run import preview_with_engine


def urn(kind: Kind, name: str) -> str:
    return f"urn:pulumi:team::directus-mcp-access::{kind.type}::{name}"


def event(kind: Kind, name: str, op: auto.OpType, live: Any = None, declared: Any = None) -> auto.EngineEvent:
    def state(values: Any, outputs: bool) -> auto.StepEventStateMetadata | None:
        if values is None:
            return None
        return auto.StepEventStateMetadata(
            type=kind.type,
            urn=urn(kind, name),
            id="x",
            parent="",
            provider="",
            inputs=None if outputs else values,
            outputs=values if outputs else None,
        )

    metadata = auto.StepEventMetadata(
        op=op, urn=urn(kind, name), type=kind.type, provider="", old=state(live, True), new=state(declared, False)
    )
    return auto.EngineEvent(1, 0, resource_pre_event=auto.ResourcePreEvent(metadata))


ARTICLES = {"collection": "articles", "action": "read", "fields": ["*"]}
NOTES = {"collection": "internal_notes", "action": "read", "fields": ["*"]}


class _Preview:
    change_summary: ClassVar[dict[str, int]] = {"same": 14, "update": 1, "create": 1}


class _Stack:
    """The engine's preview --refresh: the refresh of each resource in the state, then the plan."""

    name = "team"

    def __init__(self) -> None:
        self.asked: dict[str, Any] = {}

    def preview(self, *, on_event: Any, **options: Any) -> _Preview:
        self.asked = options
        for kind, name in ((PERMISSION_SET, "analysis-permissions"), (USER, "sarah-user")):
            on_event(event(kind, name, auto.OpType.REFRESH))
        on_event(
            event(
                PERMISSION_SET,
                "analysis-permissions",
                auto.OpType.UPDATE,
                {"permissions": [ARTICLES]},
                {"permissions": [NOTES, ARTICLES]},  # one grant added, sorted first: every position shifts
            )
        )
        on_event(event(USER, "sarah-user", auto.OpType.CREATE, None, {"email": "ai-sarah@company.com"}))
        return _Preview()


def test_one_added_grant_is_one_line_and_a_resource_gone_from_directus_is_named_so() -> None:
    stack = _Stack()
    result, summary = preview_with_engine(stack, {"policy_packs": ["policy"]}, own_pack=True)  # type: ignore[arg-type]
    text = render_preview(result)
    assert text.startswith("Preview of stack 'team' (refreshed; planned by the Pulumi engine):\n")
    assert "  ~  analysis-permissions: " in text
    assert "       - declared but missing in Directus: read on internal_notes" in text
    assert "read on articles" not in text  # unchanged, whatever its position
    assert "  +  sarah-user: the MCP user of member sarah is gone from Directus (deleted by hand?)" in text
    assert text.endswith("Policy pack directus-mcp-access-guardrails: no violation\n")
    assert list(summary) == ["create", "update", "same"]  # in the in-process summary's order
    assert stack.asked["diff"] is False and stack.asked["refresh"] is True  # no engine diff unless streamed
