"""The client side of Directus's MCP OAuth (what Claude Code or Cursor do): DCR, PKCE, code exchange.

The OAuth settings themselves are stack settings (``mcp.oauth``), applied by ``up``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

REDIRECT_URI = "http://127.0.0.1:9/callback"  # never called: the test reads the code from the redirect


def oauth_environment(port: int) -> dict[str, str]:
    """Server environment that turns the OAuth server on (Directus 12.0+)."""
    return {
        "MCP_OAUTH_ENABLED": "true",
        "MCP_OAUTH_DCR_ENABLED": "true",
        "MCP_OAUTH_ALLOWED_REDIRECT_DOMAINS": "127.0.0.1",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


@dataclass
class PendingAuthorization:
    client_id: str
    verifier: str
    url: str


def register_and_authorize(directus_url: str, client_name: str = "test assistant") -> PendingAuthorization:
    """Register a public client by DCR and build the authorization URL a client opens in the browser."""
    registered = httpx.post(
        f"{directus_url}/mcp-oauth/register",
        json={
            "client_name": client_name,
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        },
    )
    assert registered.status_code == 201, registered.text
    client_id = str(registered.json()["client_id"])
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{directus_url}/mcp",
        "scope": "mcp:access",
        "state": secrets.token_urlsafe(8),
    }
    return PendingAuthorization(client_id, verifier, f"{directus_url}/mcp-oauth/authorize?{urlencode(query)}")


def exchange(directus_url: str, pending: PendingAuthorization, redirect: str) -> httpx.Response:
    """``POST /mcp-oauth/token`` with the code from the redirect and the PKCE verifier."""
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    return httpx.post(
        f"{directus_url}/mcp-oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": pending.client_id,
            "code_verifier": pending.verifier,
            "resource": f"{directus_url}/mcp",
        },
    )


def approve_as(directus_url: str, email: str, password: str, authorize_url: str) -> str:
    """A person approving in the browser with a password session (e.g. the admin): the redirect with the code."""
    from components.ops.onboarding.oauth_consent import _SIGNED_PARAMS

    with httpx.Client(base_url=directus_url, follow_redirects=False) as browser:
        assert browser.post("/auth/login", json={"email": email, "password": password, "mode": "session"}).is_success
        page = browser.get(authorize_url)
        match = _SIGNED_PARAMS.search(page.text)
        assert match, page.text[:300]
        decision = browser.post(
            "/mcp-oauth/authorize/decision",
            data={"signed_params": match.group(1) or match.group(2), "approved": "true"},
            headers={"Origin": directus_url},
        )
        assert decision.status_code == 302, decision.text
        return decision.headers["location"]
