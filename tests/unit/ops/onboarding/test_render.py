"""Onboarding: every client's snippet is valid, carries the exact URL and token, and the checklist is personal."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from components.ops.onboarding.clients import BY_NAME
from components.ops.onboarding.clients import CLIENT_NAMES as CLIENTS
from components.ops.onboarding.render import OnboardingError, OnboardingInfo, client_config, render_onboarding

TOKEN = "tok_Zx9-secret-VALUE_42"
URL = "https://cms.example.com/mcp"
JSON_CLIENTS = ("cursor", "vscode")
FORM_CLIENTS = ("chatgpt", "claude-ai", "claude-desktop", "raycast")
HEADER_CLIENTS = ("claude-code", "cursor", "vscode")

INFO = OnboardingInfo(
    member="john",
    mcp_email="ai-john@company.com",
    template="content",
    stack="production",
    mcp_url=URL,
    token=TOKEN,
    allow_deletes=False,
    ip_allowlist=["10.20.0.0/16", "203.0.113.7"],
    rotation_due="2026-03-01",
)


def server_entry(info: OnboardingInfo, client: str) -> dict[str, Any]:
    """The one server entry of a JSON client config (and check it is the only one)."""
    config = json.loads(client_config(info, client))
    servers_key = "servers" if client == "vscode" else "mcpServers"
    assert list(config) == [servers_key]
    servers = config[servers_key]
    assert list(servers) == [f"directus-{info.stack}"]
    entry: dict[str, Any] = servers[f"directus-{info.stack}"]
    return entry


def form_url(info: OnboardingInfo, client: str) -> str:
    """The server URL of a connector form (the one line ending in ``URL: <url>``)."""
    (line,) = [line for line in client_config(info, client).splitlines() if "URL: " in line]
    return line.split("URL: ", 1)[1]


def bearer_of(info: OnboardingInfo, client: str) -> tuple[str, str]:
    """(URL, Authorization header value) as the client will see them; for URL-token clients, the URL minus the
    token, and the token the URL carries."""
    if client in FORM_CLIENTS:
        url = form_url(info, client)
        at = url.rindex("access_token=")
        return url[: at - 1], "Bearer " + unquote_plus(url[at + len("access_token=") :])
    if client == "claude-code":
        argv = shlex.split(client_config(info, client))
        assert argv[:6] == ["claude", "mcp", "add", "--transport", "http", "--scope"]
        assert argv[6:8] == ["user", f"directus-{info.stack}"]
        assert argv[9] == "--header"
        assert argv[10].startswith("Authorization: ")
        assert len(argv) == 11
        return argv[8], argv[10].removeprefix("Authorization: ")
    entry = server_entry(info, client)
    if client == "vscode":
        assert entry["type"] == "http"
    return entry["url"], entry["headers"]["Authorization"]


def test_clients_are_the_seven_the_directus_docs_list() -> None:
    assert CLIENTS == ("chatgpt", "claude-ai", "claude-desktop", "claude-code", "cursor", "vscode", "raycast")
    assert {c for c in CLIENTS if BY_NAME[c].token_in_url} == set(FORM_CLIENTS)
    assert all(BY_NAME[c].oauth_registration for c in CLIENTS)


def test_claude_code_command_is_the_expected_argv() -> None:
    argv = shlex.split(client_config(INFO, "claude-code"))
    assert argv == [
        "claude",
        "mcp",
        "add",
        "--transport",
        "http",
        "--scope",
        "user",
        "directus-production",
        URL,
        "--header",
        f"Authorization: Bearer {TOKEN}",
    ]


@pytest.mark.parametrize("client", JSON_CLIENTS)
def test_json_snippets_parse_and_carry_url_and_token(client: str) -> None:
    text = client_config(INFO, client)
    json.loads(text)
    assert URL in text
    assert TOKEN in text
    assert bearer_of(INFO, client) == (URL, f"Bearer {TOKEN}")


def test_cursor_and_vscode_shapes() -> None:
    assert server_entry(INFO, "cursor") == {"url": URL, "headers": {"Authorization": f"Bearer {TOKEN}"}}
    assert server_entry(INFO, "vscode") == {
        "type": "http",
        "url": URL,
        "headers": {"Authorization": f"Bearer {TOKEN}"},
    }


@pytest.mark.parametrize("client", FORM_CLIENTS)
def test_url_token_clients_carry_the_token_as_access_token_and_say_so(client: str) -> None:
    assert form_url(INFO, client) == f"{URL}?access_token={TOKEN}"
    doc = render_onboarding(INFO, client)
    warning = doc[: doc.index("## Configuration")]
    assert "**The token travels in the URL.**" in warning
    assert "Prefer OAuth for this member (`auth: oauth`), or give them a shorter token rotation" in warning
    assert TOKEN not in warning
    for header_client in HEADER_CLIENTS:
        assert "travels in the URL" not in render_onboarding(INFO, header_client)


AUTHS = ("token", "oauth")
MODES = ("default", "registry")


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("mode", MODES)
def test_every_client_auth_and_tool_mode_renders(client: str, auth: Any, mode: Any) -> None:
    info = replace(INFO, auth=auth, tool_mode=mode, token=TOKEN if auth == "token" else "")
    doc = render_onboarding(info, client)
    snippet = client_config(info, client)
    if client in JSON_CLIENTS:
        json.loads(snippet)
    url = form_url(info, client) if client in FORM_CLIENTS else None
    if auth == "token":
        assert doc.count(TOKEN) == 1 and TOKEN in snippet  # in the snippet, nowhere else
    else:
        assert "access_token" not in doc and "Authorization" not in snippet and "secret**" not in doc
        assert f"by {'dynamic client registration'}" in doc
        assert "Do not sign in there with your personal account" in doc
        assert "mcp-access oauth-approve john --stack production --authorize-url" in doc
        if url is not None:
            assert urlsplit(url).path == "/mcp"
    query = parse_qs(urlsplit(url).query) if url else {}
    if mode == "registry":
        assert "tool_mode=registry" in snippet
        assert "never auto-approve `execute`" in doc and "search, execute, schema" in doc
        if url is not None:
            assert query["tool_mode"] == ["registry"]
    else:
        assert "tool_mode" not in snippet and "execute" not in doc
    if url is not None and auth == "token":
        assert query["access_token"] == [TOKEN]


@pytest.mark.parametrize("client", CLIENTS)
def test_server_name_follows_the_stack(client: str) -> None:
    staging = replace(INFO, stack="staging")
    assert "directus-staging" in client_config(staging, client)
    assert "directus-production" not in client_config(staging, client)
    if client in JSON_CLIENTS:
        server_entry(staging, client)  # asserts the only server is "directus-staging"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("token", ["a'b$c\"d", "x`whoami`;rm -rf ~ \\ <&> $(id) é\n\ttab", '}]},{"evil": 1'])
def test_hostile_token_round_trips(client: str, token: str) -> None:
    info = replace(INFO, token=token, mcp_url="https://cms.example.com/mcp?a=1&b='2'&c=\"3\"\\")
    assert bearer_of(info, client) == (info.mcp_url, f"Bearer {token}")


@pytest.mark.parametrize("client", CLIENTS)
def test_render_contains_the_snippet_in_a_fenced_block(client: str) -> None:
    doc = render_onboarding(INFO, client)
    assert doc.startswith("# MCP access for john (production)\n")
    language = BY_NAME[client].snippet
    match = re.search(rf"^```{language}\n(.*?)\n```$", doc, re.MULTILINE | re.DOTALL)
    assert match is not None
    assert match.group(1) + "\n" == client_config(INFO, client)
    assert "secret" in doc.split("```")[0].lower()
    assert "delete this document" in doc.split("```")[0]
    # The checklist comes after the snippet.
    assert doc.index("## Checklist for john") > match.end()


def test_fence_survives_backticks_in_the_snippet() -> None:
    info = replace(INFO, token="a```b")
    doc = render_onboarding(info, "cursor")
    assert "\n````json\n" in doc
    assert "\n````\n" in doc


@pytest.mark.parametrize("client", CLIENTS)
def test_checklist_is_personal(client: str) -> None:
    doc = render_onboarding(INFO, client)
    checklist = doc[doc.index("## Checklist for john") :]
    assert "ai-john@company.com" in checklist
    assert "**content** role template" in checklist
    assert "**production** stack" in checklist
    assert "Deletes are **off** in the `production` stack" in checklist
    assert "10.20.0.0/16, 203.0.113.7" in checklist
    assert "rotation is due on **2026-03-01**" in checklist
    assert "owner of the `production` stack's Pulumi code" in checklist
    assert "train" in checklist
    assert "conversation" in checklist
    assert "trust" in checklist
    # The token is only in the snippet, never in the checklist.
    assert TOKEN not in checklist


def test_checklist_without_allowlist_rotation_or_with_deletes() -> None:
    info = replace(INFO, allow_deletes=True, ip_allowlist=[], rotation_due=None, template="analysis")
    doc = render_onboarding(info, "cursor")
    assert "Deletes are **on**" in doc
    assert "Deletes are **off**" not in doc
    assert "does not restrict where the token can be used from" in doc
    assert "may only connect from" not in doc
    assert "rotation is due" not in doc
    assert "No rotation date is recorded" in doc
    assert "**analysis** role template" in doc
    assert "cannot create, change or delete" in doc


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("claude-code", ["--scope project", "permissions.allow", "mcp__directus-production", "history"]),
        ("claude-desktop", ["Settings → Connectors → Add custom connector", "Always allow", "connector"]),
        ("claude-ai", ["Settings → Connectors → Add custom connector", "Always allow"]),
        ("chatgpt", ["Apps & Connectors", "developer mode", "confirmation"]),
        ("raycast", ["MCP Servers", "Install Server", "confirmation"]),
        ("cursor", ["~/.cursor/mcp.json", "Auto-Run", "Privacy Mode"]),
        ("vscode", ["MCP: Open User Configuration", "chat.tools.global.autoApprove", ".vscode/mcp.json"]),
    ],
)
def test_checklist_names_where_to_paste_and_the_approval_setting(client: str, expected: list[str]) -> None:
    doc = render_onboarding(INFO, client)
    for text in expected:
        assert text in doc, text
    label = BY_NAME[client].label
    assert f"### 1. Install the configuration in {label}\n" in doc
    assert f"## Configuration for {label}\n" in doc


@pytest.mark.parametrize("client", ["", "gemini", "Cursor", "claude_code"])
def test_unknown_client_is_refused_naming_it_and_the_valid_ones(client: str) -> None:
    for render in (client_config, render_onboarding):
        with pytest.raises(OnboardingError) as caught:
            render(INFO, client)
        message = str(caught.value)
        assert repr(client) in message
        for valid in CLIENTS:
            assert valid in message
    assert issubclass(OnboardingError, ValueError)


def test_missing_token_is_refused() -> None:
    with pytest.raises(OnboardingError, match="'john' has no token"):
        client_config(replace(INFO, token=""), "cursor")


def test_repr_hides_the_token() -> None:
    text = repr(INFO)
    assert TOKEN not in text
    assert "<redacted>" in text
    assert "ai-john@company.com" in text
    assert TOKEN not in str(INFO)
    assert TOKEN not in repr([INFO])


def test_info_is_frozen() -> None:
    with pytest.raises(AttributeError):
        INFO.token = "other"  # type: ignore[misc]


def test_chatgpt_connects_by_dynamic_registration_and_says_why() -> None:
    """Directus takes only public CIMD clients; ChatGPT's document declares private_key_jwt (api 39.2.1, cimd.js)."""
    oauth = replace(INFO, token="", auth="oauth", oauth_dcr=True)
    text = render_onboarding(oauth, "chatgpt")
    assert "dynamic client registration" in text
    assert "private_key_jwt" in text and "token_endpoint_auth_method none" in text
    with pytest.raises(OnboardingError) as caught:
        render_onboarding(replace(oauth, oauth_dcr=False), "chatgpt")
    message = str(caught.value)
    assert "ChatGPT registers with Directus's OAuth server only by dynamic client registration" in message
    assert "stack 'production' has mcp.oauth.dynamicClientRegistration false" in message
    assert "private_key_jwt" not in render_onboarding(replace(oauth, oauth_dcr=True), "vscode")  # CIMD is fine there
    render_onboarding(replace(oauth, oauth_dcr=False), "vscode")  # VS Code can use CIMD


def test_oauth_onboarding_on_an_11_server_says_oauth_needs_12() -> None:
    from packaging.version import Version

    from components.directus.version import ServerInfo
    from components.model.stack_config import ConfigError
    from components.ops.onboarding.run import check_oauth_server

    with pytest.raises(ConfigError) as caught:
        check_oauth_server(ServerInfo(Version("11.17.4")), "http://127.0.0.1:8061")
    assert "runs 11.17.4: the MCP OAuth server came with Directus 12.0" in str(caught.value)
    assert "auth: token" in str(caught.value)
    check_oauth_server(ServerInfo(Version("12.4.1")), "http://x")
