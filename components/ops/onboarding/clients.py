"""The MCP clients ``mcp-access onboard`` writes a configuration for: one table, one entry per client.

Adding a client is one entry here plus its snippet template ``templates/onboarding/<name>.j2`` (the text the
member pastes; it receives the member's URL, token and server name, see :mod:`components.ops.onboarding.render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class McpClient:
    #: The ``--client`` value, and the snippet template's file name (``<name>.j2``).
    name: str
    #: How the client calls itself in its own documentation.
    label: str
    #: What the snippet is: a shell command to run, or a JSON configuration file to edit.
    snippet: Literal["sh", "json"]

    @property
    def template(self) -> str:
        return f"{self.name}.j2"


CLIENTS: tuple[McpClient, ...] = (
    McpClient("claude-code", "Claude Code", "sh"),
    McpClient("claude-desktop", "Claude Desktop", "json"),
    McpClient("cursor", "Cursor", "json"),
    McpClient("vscode", "VS Code", "json"),
)
CLIENT_NAMES: tuple[str, ...] = tuple(client.name for client in CLIENTS)
BY_NAME: dict[str, McpClient] = {client.name: client for client in CLIENTS}
