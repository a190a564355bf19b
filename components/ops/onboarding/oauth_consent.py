"""``mcp-access oauth-approve``: approve an OAuth consent as a member's dedicated MCP user, then lock it again.

Directus shows its consent page (``GET /mcp-oauth/authorize``) only to a browser session, and the dedicated
MCP users this project creates have no password and no app access. Verified on Directus 12.4.0: a user without
app access can still open a session with ``POST /auth/login`` (``mode: session``) and approve; it takes no
seat. So the approval is one short step run by whoever holds the provisioning token:

1. a random one-time password is set on the member's user (never printed, never stored); it satisfies the
   server's ``auth_password_policy`` (Directus's "Strong" policy wants a digit, both cases and punctuation, which
   ``token_urlsafe`` alone lacks about half the time);
2. a session is opened with it (with the user agent :data:`APPROVAL_USER_AGENT`, which ``audit`` recognises), the
   authorization request the member's client started is opened, and the consent is approved
   (``POST /mcp-oauth/authorize/decision`` with the ``Origin`` of the server);
3. the password is cleared (``password: null``; verified on Directus 12.4.1 and 11.17.4: the user then has no
   password at all and password sessions end), retried a few times; SIGTERM in the window is held until this is
   done. If it still fails, the error names the user and ``drift`` flags the password until it is cleared;
4. the redirect (to the client's callback, with the one-time ``code``) is returned: the member opens it in
   the browser that started the flow, and the client exchanges the code with its PKCE verifier.

The code is bound to the client's PKCE challenge, so whoever runs this step never holds a usable token.
"""

from __future__ import annotations

import html
import re
import secrets
import signal
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from urllib.parse import parse_qs, urlsplit

import httpx

from components.directus.client import DirectusClient
from components.directus.errors import DirectusError
from components.errors import McpAccessError
from components.kinds import USERS_PATH
from components.names import APPROVAL_USER_AGENT

#: Attempts and first pause (seconds, doubling) for clearing the one-time password.
CLEAR_ATTEMPTS = 4
CLEAR_PAUSE = 0.5
#: Punctuation that Directus's "Strong" password policy accepts (its class ``[!@#$%^&*()_+}{';'?>.<,]``).
PUNCTUATION = "!#$%&*+.?@^_"

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


def one_time_password(policy: str | None = None) -> str:
    """A random password with every character class (digit, both cases, punctuation) that matches ``policy``.

    ``policy`` is Directus's ``auth_password_policy`` (a JavaScript regular expression, possibly as ``/.../``);
    one Python cannot compile is not checked here (Directus still is the judge).
    """
    pattern = None
    if policy:
        body = policy[1 : policy.rindex("/")] if policy.startswith("/") and policy.count("/") >= 2 else policy
        try:
            pattern = re.compile(body)
        except re.error:
            pattern = None
    for _ in range(100):
        extra = [secrets.choice(chars) for chars in (string.digits, string.ascii_lowercase, string.ascii_uppercase)]
        extra.append(secrets.choice(PUNCTUATION))
        candidate = secrets.token_urlsafe(32) + "".join(extra)
        if pattern is None or pattern.search(candidate):
            return candidate
    raise ConsentError(f"no random password matches this server's auth_password_policy {policy!r}")


@contextmanager
def sigterm_held() -> Iterator[None]:
    """Hold SIGTERM until the block is done (then act on it as before): the password must not outlive a kill.

    Only the main thread can set signal handlers; elsewhere (a test's worker thread) nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGTERM, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if received:
            signal.raise_signal(signal.SIGTERM)


def clear_password(admin: DirectusClient, user_id: str, email: str, *, pause: float = CLEAR_PAUSE) -> None:
    """``password: null``, retried; :class:`ConsentError` naming the user if it still fails."""
    last: DirectusError | None = None
    for attempt in range(CLEAR_ATTEMPTS):
        try:
            admin.update(USERS_PATH, user_id, {"password": None})
            return
        except DirectusError as exc:
            last = exc
            time.sleep(pause * 2**attempt)
    raise ConsentError(
        f"the one-time password of {email} (user {user_id}) could not be cleared after {CLEAR_ATTEMPTS} attempts: "
        f"{last}",
        hint=f"clear it now (PATCH /users/{user_id} with password null, or `mcp-access revoke` the member); "
        "`mcp-access drift` reports the password until it is gone",
    )


def approve_consent(
    admin: DirectusClient, directus_url: str, user_id: str, email: str, authorize_url: str
) -> ConsentRun:
    """Approve the authorization request ``authorize_url`` as ``user_id``; returns the redirect to open."""
    check_authorize_url(directus_url, authorize_url)
    run = ConsentRun()
    policy = (admin.get("/settings", params={"fields": "auth_password_policy"}) or {}).get("auth_password_policy")
    password = one_time_password(policy)
    with sigterm_held():
        try:
            admin.update(USERS_PATH, user_id, {"password": password})
            _approve(run, directus_url, email, password, authorize_url)
        finally:
            # Nobody keeps a password: cleared, which also ends the password session; the OAuth grant stays.
            clear_password(admin, user_id, email)
    return run


def _approve(run: ConsentRun, directus_url: str, email: str, password: str, authorize_url: str) -> None:
    headers = {"User-Agent": APPROVAL_USER_AGENT}
    with httpx.Client(base_url=directus_url, follow_redirects=False, timeout=30, headers=headers) as browser:
        login = run.record(browser.post("/auth/login", json={"email": email, "password": password, "mode": "session"}))
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
