"""Onboarding: for one member, a ready-to-paste MCP client configuration and that member's security checklist.

Rendering is pure: the inputs are an :class:`OnboardingInfo` (built by the caller from the stack's outputs)
and a client name; the output is text. The wording lives in jinja2 templates under ``templates/onboarding/``:
one per client (``<client>.j2``, the pasteable snippet) and ``checklist.md.j2``.

For a static-token member the output contains the token. Nothing here prints or stores it; the caller decides
where the text goes. :class:`OnboardingInfo` keeps the token out of its ``repr``. Clients whose connector form has no
header field take the token in the URL (``?access_token=``); the document then says so plainly and recommends OAuth
or a shorter rotation. An OAuth member (``auth="oauth"``) gets the bare MCP URL and the client's registration method,
and no token at all.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urlencode

import jinja2

from components.errors import McpAccessError
from components.names import ONBOARDING_TEMPLATES_DIR
from components.ops.onboarding.clients import BY_NAME, CLIENT_NAMES, REGISTRY_TOOLS, McpClient

TEMPLATE_DIR = ONBOARDING_TEMPLATES_DIR
CHECKLIST_TEMPLATE = "checklist.md.j2"
#: The macros each client's template defines for the checklist: its install step (1) and its approval step (2).
CLIENT_STEPS = ("install", "approval")
#: What stands in for the token when ``onboard`` runs without ``--show-token`` or ``--out``.
TOKEN_PLACEHOLDER = "TOKEN-NOT-SHOWN-use-show-token"  # noqa: S105 (a placeholder, not a secret)


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
    #: ``token`` (a static token, the default) or ``oauth`` (the member approves a consent as the MCP user).
    auth: Literal["token", "oauth"] = "token"
    #: ``registry`` asks for Directus's registry tool mode (12.3+): only ``search``, ``execute`` and ``schema``.
    tool_mode: Literal["default", "registry"] = "default"
    #: The stack's ``mcp.oauth.dynamicClientRegistration`` (``None``: not known, not checked).
    oauth_dcr: bool | None = None
    #: For the one who onboards (not in the document): where the member must call from, and whether its recorded
    #: requests came from outside the allowlist (:mod:`components.ops.onboarding.callers`).
    network_note: str | None = None

    def __repr__(self) -> str:
        return (
            f"OnboardingInfo(member={self.member!r}, mcp_email={self.mcp_email!r}, template={self.template!r}, "
            f"stack={self.stack!r}, mcp_url={self.mcp_url!r}, token='<redacted>', "
            f"allow_deletes={self.allow_deletes!r}, ip_allowlist={self.ip_allowlist!r}, "
            f"rotation_due={self.rotation_due!r}, auth={self.auth!r}, tool_mode={self.tool_mode!r})"
        )

    @property
    def endpoint(self) -> str:
        """The MCP URL without credentials (with ``?tool_mode=registry`` in registry mode)."""
        return self._url({})

    @property
    def url_with_token(self) -> str:
        """The MCP URL carrying the token as ``?access_token=``, for clients that cannot send a header."""
        return self._url({"access_token": self.token})

    def _url(self, params: dict[str, str]) -> str:
        if self.tool_mode == "registry":
            params = {**params, "tool_mode": "registry"}
        separator = "&" if "?" in self.mcp_url else "?"
        return f"{self.mcp_url}{separator}{urlencode(params)}" if params else self.mcp_url

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
    if info.auth == "token" and not info.token:
        raise OnboardingError(f"member {info.member!r} has no token (is the member enabled in stack {info.stack!r}?)")
    chosen = BY_NAME[client]
    if info.auth == "oauth" and info.oauth_dcr is False and chosen.oauth_registration == ("dcr",):
        why = f" ({chosen.registration_note})" if chosen.registration_note else ""
        raise OnboardingError(
            f"{chosen.label} registers with Directus's OAuth server only by dynamic client registration{why}, and "
            f"stack {info.stack!r} has mcp.oauth.dynamicClientRegistration false",
            hint="set mcp.oauth.dynamicClientRegistration: true in the stack (a production stack also needs "
            "guardrails.allowDynamicClientRegistration: true) and run `up`, or give the member `auth: token`",
        )
    return chosen


REGISTRATION_WORDS = {
    "dcr": "dynamic client registration (the client registers itself with Directus)",
    "cimd": "a client ID metadata document (the client identifies itself by a URL it publishes)",
}


def _context(info: OnboardingInfo, client: McpClient) -> dict[str, Any]:
    token_in_url = info.auth == "token" and client.token_in_url
    return {
        "client": client.name,
        "client_label": client.label,
        "auth": info.auth,
        "tool_mode": info.tool_mode,
        "registry_tools": list(REGISTRY_TOOLS),
        "endpoint": info.endpoint,
        # What the member pastes as the server URL: with the token only where the client cannot send a header.
        "server_url": info.url_with_token if token_in_url else info.endpoint,
        "token_in_url": token_in_url,
        "hosted": client.hosted,
        "registration": client.oauth_registration[0],
        "registration_words": REGISTRATION_WORDS[client.oauth_registration[0]],
        "registration_note": client.registration_note,
        "approval_setting": client.approval_setting,
        "privacy_hint": client.privacy_hint,
        "client_template": client.template,
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
    """The pasteable snippet for ``client``: JSON text, form fields, or for ``claude-code`` the shell command."""
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
    context = _context(info, chosen)
    steps = _environment().get_template(chosen.template).make_module(context)
    missing = [name for name in CLIENT_STEPS if not callable(getattr(steps, name, None))]
    if missing:
        raise OnboardingError(
            f"templates/onboarding/{chosen.template} defines no {' and no '.join(missing)} macro: the checklist "
            f"needs each client's own steps ({', '.join(CLIENT_STEPS)})"
        )
    checklist = _environment().get_template(CHECKLIST_TEMPLATE).render(context)
    fence = _fence(snippet)
    lines = [f"# MCP access for {info.member} ({info.stack})", ""]
    if info.auth == "token":
        lines += [
            f"> **This document contains a secret**: the access token of `{info.mcp_email}`. Install the "
            "configuration below as step 1 explains, then delete this document (and any copy of it: downloads, "
            "messages, clipboard history).",
            "",
        ]
    else:
        lines += [
            f"> No secret in this document: {chosen.label} signs in with OAuth. Its consent is approved as "
            f"`{info.mcp_email}` (`mcp-access oauth-approve`), never with your personal account: the assistant gets "
            "the rights of whoever approves.",
            "",
        ]
    if info.auth == "token" and chosen.token_in_url:
        lines += [
            f"> **The token travels in the URL.** {chosen.label} has no field for an Authorization header, so the "
            "server URL below carries the token as `?access_token=`. Every proxy and log on the way"
            + (f" and {chosen.label}'s connector storage" if chosen.hosted else "")
            + " can see it (Directus hides it in its own logs only). Prefer OAuth for this member (`auth: oauth`), "
            "or give them a shorter token rotation (`rotateAfterDays`).",
            "",
        ]
    lines += [
        f"## Configuration for {chosen.label}",
        "",
        f"{fence}{chosen.snippet}",
        snippet.rstrip("\n"),
        fence,
        "",
        checklist.rstrip("\n"),
    ]
    return "\n".join(lines) + "\n"
