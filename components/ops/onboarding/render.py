"""Onboarding: for one member, a ready-to-paste MCP client configuration and that member's security checklist.

Rendering is pure: the inputs are an :class:`OnboardingInfo` (built by the caller from the stack's outputs)
and a client name; the output is text. The wording lives in jinja2 templates under ``templates/onboarding/``:
one per client (``<client>.j2``, the pasteable snippet) and ``checklist.md.j2``.

The output contains the member's static token. Nothing here prints or stores it; the caller decides where the
text goes. :class:`OnboardingInfo` keeps the token out of its ``repr``.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2

from components.errors import McpAccessError
from components.names import ONBOARDING_TEMPLATES_DIR
from components.ops.onboarding.clients import BY_NAME, CLIENT_NAMES, McpClient

TEMPLATE_DIR = ONBOARDING_TEMPLATES_DIR
CHECKLIST_TEMPLATE = "checklist.md.j2"


class OnboardingError(McpAccessError, ValueError):
    """The onboarding cannot be rendered (unknown client, missing token, ...). The message names the value."""


@dataclass(frozen=True)
class OnboardingInfo:
    """What the onboarding of one member needs. ``token`` is a secret: it never appears in ``repr``."""

    member: str
    mcp_email: str
    template: str
    stack: str
    mcp_url: str
    token: str
    allow_deletes: bool
    ip_allowlist: list[str]
    rotation_due: str | None

    def __repr__(self) -> str:
        return (
            f"OnboardingInfo(member={self.member!r}, mcp_email={self.mcp_email!r}, template={self.template!r}, "
            f"stack={self.stack!r}, mcp_url={self.mcp_url!r}, token='<redacted>', "
            f"allow_deletes={self.allow_deletes!r}, ip_allowlist={self.ip_allowlist!r}, "
            f"rotation_due={self.rotation_due!r})"
        )

    @property
    def server_name(self) -> str:
        """The MCP server's name in client configs: one per stack, so several environments can coexist."""
        return f"directus-{self.stack}"


def _tojson(value: Any) -> str:
    # Replaces jinja2's HTML-safe ``tojson`` (which turns ``<>&'`` into ``\\u00xx``): these files are JSON, not
    # HTML, and a URL or token should read exactly as it is. ``json.dumps`` always yields a valid JSON value.
    return json.dumps(value, ensure_ascii=False)


def _shquote(value: Any) -> str:
    return shlex.quote(str(value))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Autoescape is off on purpose: the output is JSON, shell and markdown, never HTML.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701
    )
    env.filters["tojson"] = _tojson
    env.filters["shquote"] = _shquote
    return env


def _client(info: OnboardingInfo, client: str) -> McpClient:
    if client not in BY_NAME:
        raise OnboardingError(f"unknown MCP client {client!r} (valid clients: {', '.join(CLIENT_NAMES)})")
    if not info.token:
        raise OnboardingError(f"member {info.member!r} has no token (is the member enabled in stack {info.stack!r}?)")
    return BY_NAME[client]


def _context(info: OnboardingInfo, client: McpClient) -> dict[str, Any]:
    return {
        "client": client.name,
        "client_label": client.label,
        "member": info.member,
        "mcp_email": info.mcp_email,
        "template": info.template,
        "stack": info.stack,
        "mcp_url": info.mcp_url,
        "token": info.token,
        "server_name": info.server_name,
        "allow_deletes": info.allow_deletes,
        "ip_allowlist": list(info.ip_allowlist),
        "rotation_due": info.rotation_due,
    }


def client_config(info: OnboardingInfo, client: str) -> str:
    """The pasteable snippet for ``client``: JSON text, or for ``claude-code`` the shell command to run."""
    chosen = _client(info, client)
    return _environment().get_template(chosen.template).render(_context(info, chosen))


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run inside ``text``, so the block cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_onboarding(info: OnboardingInfo, client: str) -> str:
    """Markdown for one member and client: title, secret warning, the snippet in a fenced block, the checklist."""
    snippet = client_config(info, client)
    chosen = BY_NAME[client]
    checklist = _environment().get_template(CHECKLIST_TEMPLATE).render(_context(info, chosen))
    fence = _fence(snippet)
    lines = [
        f"# MCP access for {info.member} ({info.stack})",
        "",
        f"> **This document contains a secret**: the access token of `{info.mcp_email}`. Install the configuration "
        "below as step 1 explains, then delete this document (and any copy of it: downloads, messages, clipboard "
        "history).",
        "",
        f"## Configuration for {chosen.label}",
        "",
        f"{fence}{chosen.snippet}",
        snippet.rstrip("\n"),
        fence,
        "",
        checklist.rstrip("\n"),
    ]
    return "\n".join(lines) + "\n"
