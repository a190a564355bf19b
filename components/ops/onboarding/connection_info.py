"""What ``mcp-access connection`` and ``local`` print: the MCP URL and the members of a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def connection_text(outputs: Mapping[str, Any], *, show_token: bool) -> str:
    """The MCP URL and each member's user, template and rotation date; tokens only with ``show_token``."""
    lines: list[str] = []
    add = lines.append
    mcp_url = outputs["mcpUrl"].value
    members = outputs.get("members")
    tokens = outputs.get("tokens")
    add("")
    add(f"MCP server URL: {mcp_url}")
    for name, info in sorted((members.value if members else {}).items()):
        if not info.get("enabled", True):
            add(
                f"  member {name}: user {info['mcpEmail']}, template {info['template']}: DISABLED (suspended, no token)"
            )
            continue
        add(
            f"  member {name}: user {info['mcpEmail']}, template {info['template']}, "
            f"token rotation due {info['rotationDue']}"
        )
        if show_token and tokens is not None and name in tokens.value:
            add(f"    token: {tokens.value[name]}")
    if not show_token:
        add("Tokens are not printed; add --show-token to print them (keep them out of chats, logs and git).")
    return "\n".join(lines)


def connection_json(outputs: Mapping[str, Any], *, show_token: bool) -> str:
    """The same as :func:`connection_text` as JSON: ``{mcpUrl, members: {name: {...}}}``, ``tokens`` on request."""
    members = outputs.get("members")
    document: dict[str, Any] = {"mcpUrl": outputs["mcpUrl"].value, "members": members.value if members else {}}
    tokens = outputs.get("tokens")
    if show_token and tokens is not None:
        document["tokens"] = tokens.value
    return json.dumps(document, indent=2, sort_keys=True)
