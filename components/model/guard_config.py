"""The stack's ``guard`` section: what ``mcp-access watch`` may undo by itself (``enforce``).

Kept in its own small class so that other settings of the guard (its own read-only identity, ``guard.user``)
join the same object without touching this one. Without ``enforce`` the watch only reports.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from components.model.base import ConfigModel

#: The classes of finding the watch can undo, and what it does for each (the words ``docs/watch.md`` uses).
ENFORCEABLE = {
    "member-admin-access": "an MCP user gains admin or app access: the member is revoked (as `revoke` does)",
    "member-token-by-hand": "a token set by hand on an MCP user: the member is revoked (as `revoke` does)",
    "outsider-mcp-access": (
        "a user outside the stack gets an MCP role, policy or token: the user's access is restored to what it had "
        "(role cleared from this stack's roles, this stack's policies detached, token cleared)"
    ),
    "public-mcp-policy": "an MCP policy of this stack attached to Public: the attachment is removed",
    "mcp-deletes-on": "deletes turned on in the MCP settings while the stack declares them off: turned off again",
}


class GuardConfig(ConfigModel):
    """``guard.enforce``: the finding classes the watch undoes (empty: report only)."""

    enforce: list[str] = Field(default_factory=list)

    @field_validator("enforce")
    @classmethod
    def _known_classes(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in ENFORCEABLE]
        if unknown:
            raise ValueError(
                f"{', '.join(map(repr, unknown))} is not a class the watch can enforce "
                f"(known: {', '.join(ENFORCEABLE)})"
            )
        duplicates = sorted({name for name in value if value.count(name) > 1})
        if duplicates:
            raise ValueError(f"{', '.join(map(repr, duplicates))} listed more than once")
        return value
