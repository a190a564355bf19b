"""``mcp-access oauth-approve``: approve an OAuth consent as a member's dedicated MCP user, then lock it again.

Directus shows its consent page (``GET /mcp-oauth/authorize``) only to a browser session, and the dedicated
MCP users this project creates have no password and no app access. Verified on Directus 12.4.0: a user without
app access can still open a session with ``POST /auth/login`` (``mode: session``) and approve; it takes no
seat. So the approval is one short step run by whoever holds the provisioning token:

1. a random one-time password is set on the member's user (never printed, never stored);
2. a session is opened with it, the authorization request the member's client started is opened, and the
   consent is approved (``POST /mcp-oauth/authorize/decision`` with the ``Origin`` of the server);
3. the password is replaced by another random one nobody knows, which also ends every password session
   (Directus clears a user's sessions when its password changes); the OAuth session stays;
4. the redirect (to the client's callback, with the one-time ``code``) is returned: the member opens it in
   the browser that started the flow, and the client exchanges the code with its PKCE verifier.

The code is bound to the client's PKCE challenge, so whoever runs this step never holds a usable token.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx

from components.directus.client import DirectusClient
from components.errors import McpAccessError
from components.kinds import USERS_PATH

_SIGNED_PARAMS = re.compile(r'name="signed_params"\s+value="([^"]+)"|value="([^"]+)"\s+name="signed_params"')


class ConsentError(McpAccessError):
    """The consent could not be approved (bad authorize URL, client refused, OAuth off)."""


@dataclass
class ConsentRun:
    """What happened, request by request (method, path, HTTP status): for the report and the tests."""

    steps: list[tuple[str, str, int]] = field(default_factory=list)
    redirect: str = ""

    def record(self, response: httpx.Response) -> httpx.Response:
        self.steps.append((response.request.method, response.request.url.path, response.status_code))
        return response


def check_authorize_url(directus_url: str, authorize_url: str) -> None:
    """The URL must be this Directus's ``/mcp-oauth/authorize`` with a PKCE challenge."""
    parts, base = urlsplit(authorize_url), urlsplit(directus_url)
    query = parse_qs(parts.query)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.endswith("/mcp-oauth/authorize"):
        raise ConsentError(f"--authorize-url: {authorize_url!r} is not {directus_url}/mcp-oauth/authorize?...")
    missing = [k for k in ("client_id", "redirect_uri", "code_challenge") if not query.get(k)]
    if missing:
        raise ConsentError(f"--authorize-url: {authorize_url!r} lacks {', '.join(missing)}")


def approve_consent(
    admin: DirectusClient, directus_url: str, user_id: str, email: str, authorize_url: str
) -> ConsentRun:
    """Approve the authorization request ``authorize_url`` as ``user_id``; returns the redirect to open."""
    check_authorize_url(directus_url, authorize_url)
    run = ConsentRun()
    password = secrets.token_urlsafe(32)
    admin.update(USERS_PATH, user_id, {"password": password})
    try:
        with httpx.Client(base_url=directus_url, follow_redirects=False, timeout=30) as browser:
            login = run.record(
                browser.post("/auth/login", json={"email": email, "password": password, "mode": "session"})
            )
            if login.status_code != 200:
                raise ConsentError(f"the session login of {email} failed: HTTP {login.status_code}")
            page = run.record(browser.get(authorize_url))
            match = _SIGNED_PARAMS.search(page.text) if page.status_code == 200 else None
            if match is None:
                where = page.headers.get("location", "")
                raise ConsentError(
                    f"Directus did not show the consent page (HTTP {page.status_code}{' to ' + where if where else ''})"
                )
            signed = html.unescape(match.group(1) or match.group(2))
            decision = run.record(
                browser.post(
                    "/mcp-oauth/authorize/decision",
                    data={"signed_params": signed, "approved": "true"},
                    headers={"Origin": directus_url},
                )
            )
            location = decision.headers.get("location", "")
            if decision.status_code != 302 or "code=" not in location:
                raise ConsentError(f"the consent was not accepted (HTTP {decision.status_code})")
            run.redirect = location
    finally:
        # Nobody keeps a password: a new random one, never shown, also ends the password session.
        admin.update(USERS_PATH, user_id, {"password": secrets.token_urlsafe(32)})
    return run
