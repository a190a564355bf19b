"""The "managed by" marker written on every object this project creates in Directus.

Roles and policies carry it in ``description``, users in ``tags``. ``create`` adopts an existing object
(after a crash between Directus's answer and Pulumi's state write) only when it carries the marker, and
the drift scan tells our objects from hand-made ones by it.
"""

from __future__ import annotations

from collections.abc import Sequence

PRODUCT = "directus-mcp-access"
TAG = f"managed-by:{PRODUCT}"
#: Tag of a user whose member was removed but whom Directus would not delete (content still points to it).
REMOVED_TAG = f"removed-by:{PRODUCT}"
#: Tag of a user suspended by ``mcp-access revoke`` (break-glass), written in the same request that suspends it
#: and clears its token. ``up`` refuses to re-activate such a user unless told (``up --restore MEMBER``).
REVOKED_TAG = f"revoked-by:{PRODUCT}"


def stack_tag(stack: str) -> str:
    """The user tag naming the stack that manages the user (e.g. ``mcp-stack:production``)."""
    return f"mcp-stack:{stack}"


def describe(text: str, stack: str) -> str:
    """A description that ends with the marker line, so readers in the Directus app see who owns it."""
    line = f"[{TAG} stack={stack}]"
    return f"{text.strip()}\n{line}" if text.strip() else line


def description_stack(description: str | None) -> str | None:
    """The stack named by the marker line of a role's or policy's description (``None``: no marker)."""
    start = f"[{TAG} stack="
    for line in (description or "").splitlines():
        if line.startswith(start) and line.endswith("]"):
            return line.removeprefix(start).removesuffix("]")
    return None


def tags_stack(tags: Sequence[str] | None) -> str | None:
    """The stack named by a user's ``mcp-stack:<name>`` tag, if it also carries the managed-by marker."""
    if not tags_have_marker(tags):
        return None
    prefix = stack_tag("")
    return next((t.removeprefix(prefix) for t in tags or [] if isinstance(t, str) and t.startswith(prefix)), None)


def description_has_marker(description: str | None) -> bool:
    return bool(description) and f"[{TAG} " in (description or "")


def tags_have_marker(tags: Sequence[str] | None) -> bool:
    return bool(tags) and TAG in (tags or [])


def user_tags(stack: str) -> list[str]:
    return [TAG, stack_tag(stack)]


def tags_revoked(tags: Sequence[str] | None) -> bool:
    """Whether ``mcp-access revoke`` suspended this user (and nobody restored it since)."""
    return REVOKED_TAG in (tags or [])
