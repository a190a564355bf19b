"""The MCP clients ``mcp-access onboard`` writes a configuration for: one table, one entry per client.

The entries follow the clients the Directus MCP docs list (ChatGPT, Claude.ai, Claude Desktop, Claude Code,
Cursor, VS Code, Raycast). For each: how it sends a static token (an ``Authorization`` header, or
``?access_token=`` in the URL because its connector form has no header field), how it registers with Directus's
OAuth server (dynamic client registration or a client ID metadata document), and where its tool-approval setting
lives. Adding a client is one entry here plus its template ``templates/onboarding/<name>.j2``: the snippet, and
the two macros of its checklist steps, ``install()`` and ``approval()`` (see
:mod:`components.ops.onboarding.render` for what the template receives; the checklist refuses a template without
them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a client sends a static token: a request header, or a query parameter in the server URL.
StaticAuthVia = Literal["header", "url"]
#: How a client registers with Directus's MCP OAuth server (12.0+).
OAuthRegistration = Literal["dcr", "cimd"]


@dataclass(frozen=True)
class McpClient:
    #: The ``--client`` value, and the snippet template's file name (``<name>.j2``).
    name: str
    #: How the client calls itself in its own documentation.
    label: str
    #: What the snippet is: a shell command to run, a JSON configuration file to edit, or form fields to fill in.
    snippet: Literal["sh", "json", "text"]
    #: How it sends a static token. ``url`` puts the token in the URL: proxies, logs on the way and the vendor's
    #: connector storage see it (Directus redacts ``access_token`` in its own logs only).
    static_auth_via: StaticAuthVia
    #: How it registers for OAuth, in order of preference (the first is what the snippet tells the member).
    oauth_registration: tuple[OAuthRegistration, ...]
    #: Where the member keeps tool calls on manual approval.
    approval_setting: str
    #: Whether the client runs on the vendor's servers (the connector, and a URL token, are stored there).
    hosted: bool = False
    #: The client's own setting that keeps conversations out of model training, if it has one.
    privacy_hint: str = ""
    #: Why the client registers the way it does, when it is not the obvious choice (said in the checklist).
    registration_note: str = ""

    @property
    def template(self) -> str:
        return f"{self.name}.j2"

    @property
    def token_in_url(self) -> bool:
        return self.static_auth_via == "url"


#: Verified in ``@directus/api`` 39.2.1 (Directus 12.4.1), ``services/mcp-oauth/cimd.js``.
CHATGPT_NO_CIMD = (
    "ChatGPT's client ID metadata document declares token_endpoint_auth_method private_key_jwt, and Directus "
    "accepts only public CIMD clients (token_endpoint_auth_method none), so ChatGPT connects through dynamic "
    "client registration"
)

CLIENTS: tuple[McpClient, ...] = (
    McpClient(
        "chatgpt",
        "ChatGPT",
        "text",
        static_auth_via="url",
        oauth_registration=("dcr",),
        approval_setting="the connector's actions: keep confirmation on for every write (do not pre-approve them)",
        hosted=True,
        registration_note=CHATGPT_NO_CIMD,
    ),
    McpClient(
        "claude-ai",
        "Claude.ai",
        "text",
        static_auth_via="url",
        oauth_registration=("dcr",),
        approval_setting="Settings → Connectors → the connector's tool permissions: 'Needs approval', never "
        "'Always allow'",
        hosted=True,
    ),
    McpClient(
        "claude-desktop",
        "Claude Desktop",
        "text",
        static_auth_via="url",
        oauth_registration=("dcr",),
        approval_setting="the permission prompt: 'Allow once', never 'Always allow' (Settings → Connectors → tool "
        "permissions)",
        hosted=True,
    ),
    McpClient(
        "claude-code",
        "Claude Code",
        "sh",
        static_auth_via="header",
        oauth_registration=("dcr",),
        approval_setting="permissions.allow in settings.json: no mcp__<server> entry; never "
        "--dangerously-skip-permissions",
    ),
    McpClient(
        "cursor",
        "Cursor",
        "json",
        static_auth_via="header",
        oauth_registration=("dcr",),
        approval_setting="Settings → Agents → Auto-Run: off, no MCP tool on its allowlist",
        privacy_hint="in Cursor: turn Privacy Mode on",
    ),
    McpClient(
        "vscode",
        "VS Code",
        "json",
        static_auth_via="header",
        oauth_registration=("dcr", "cimd"),
        approval_setting="chat.tools.global.autoApprove off; per tool call 'Allow once', not 'Always allow'",
    ),
    McpClient(
        "raycast",
        "Raycast",
        "text",
        static_auth_via="url",
        oauth_registration=("dcr",),
        approval_setting="Raycast AI's confirmation before a tool runs: keep it on for this server",
    ),
)
CLIENT_NAMES: tuple[str, ...] = tuple(client.name for client in CLIENTS)
BY_NAME: dict[str, McpClient] = {client.name: client for client in CLIENTS}

#: ``onboard --auth``: a static token (default), or OAuth (the member approves a consent as their MCP user).
AUTH_METHODS = ("token", "oauth")
#: ``onboard --tool-mode``: every tool, or the registry mode (Directus 12.3+: ``search``, ``execute``, ``schema``).
TOOL_MODES = ("default", "registry")
REGISTRY_TOOLS = ("search", "execute", "schema")
