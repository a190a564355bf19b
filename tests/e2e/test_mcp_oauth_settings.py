"""The MCP OAuth switches and the prompts collection as code, on a real Directus 12.4.1 started with the OAuth
environment (``MCP_OAUTH_ENABLED`` & co, :func:`components.localdev.server.oauth_environment`).

``up`` applies them and Directus's OAuth server answers; a change by hand shows in ``preview --refresh`` and the next
``up`` restores it; a prompts collection that does not exist stops ``preview`` before any change; ``destroy``
restores Directus's defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.localdev import server
from components.ops.drift.run import run_drift
from components.providers.mcp_settings import DIRECTUS_DEFAULTS, LATER_FIELDS
from tests.helpers.directus import fresh_directus
from tests.helpers.stacks import make_stack, planned_changes, set_values

OAUTH = {"enabled": True, "dynamicClientRegistration": True, "clientIdMetadata": True}
REGISTER = {
    "client_name": "e2e",
    "redirect_uris": ["http://127.0.0.1:9/callback"],
    "token_endpoint_auth_method": "none",
    "grant_types": ["authorization_code"],
    "response_types": ["code"],
}


@pytest.fixture(scope="module")
def oauth_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    with fresh_directus(tmp_path_factory.mktemp("oauth-directus"), server.oauth_environment()) as instance:
        yield instance


@pytest.fixture
def admin(oauth_directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(oauth_directus.url, oauth_directus.admin_token) as client:
        yield client


def mcp_settings(admin: DirectusClient) -> dict[str, Any]:
    row = admin.get("/settings", {"fields": "*"}) or {}
    return {key: row.get(key) for key in LATER_FIELDS}


def test_oauth_settings_apply_show_drift_and_are_restored_on_destroy(
    oauth_directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    stack = make_stack(
        oauth_directus,
        tmp_path,
        "oauth",
        mcp={"enabled": True, "allowDeletes": False, "oauth": OAUTH, "promptsCollection": "articles"},
    )
    stack.up(color="never")
    assert mcp_settings(admin) == {
        "mcp_oauth_enabled": True,
        "mcp_oauth_dcr_enabled": True,
        "mcp_oauth_cimd_enabled": True,
        "mcp_prompts_collection": "articles",
    }
    # The OAuth server answers: metadata, and a client registering itself (DCR).
    url = oauth_directus.url
    assert httpx.get(f"{url}/.well-known/oauth-authorization-server").status_code == 200
    registered = httpx.post(f"{url}/mcp-oauth/register", json=REGISTER)
    assert registered.status_code == 201, registered.text
    assert planned_changes(stack) == {}

    admin.request("PATCH", "/settings", json={"mcp_oauth_dcr_enabled": False})  # switched off in the app
    assert planned_changes(stack) == {"mcp-settings": ("update", ["mcp_oauth_dcr_enabled"])}
    stack.up(refresh=True, color="never")
    assert mcp_settings(admin)["mcp_oauth_dcr_enabled"] is True

    set_values(stack, mcp={"enabled": True, "oauth": {"enabled": True}})  # DCR and CIMD off, no prompts
    stack.up(color="never")
    assert mcp_settings(admin) == {
        "mcp_oauth_enabled": True,
        "mcp_oauth_dcr_enabled": False,
        "mcp_oauth_cimd_enabled": False,
        "mcp_prompts_collection": None,
    }
    refused = httpx.post(f"{url}/mcp-oauth/register", json=REGISTER)  # DCR off in the settings
    assert (refused.status_code, refused.json()["error"]) == (404, "not_found")

    stack.destroy(color="never")
    assert mcp_settings(admin) == {key: DIRECTUS_DEFAULTS[key] for key in LATER_FIELDS}


def test_a_prompts_collection_that_does_not_exist_stops_preview_naming_it(
    oauth_directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    before = mcp_settings(admin)
    stack = make_stack(oauth_directus, tmp_path, "prompts", mcp={"enabled": True, "promptsCollection": "promts"})
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    assert f"mcp.promptsCollection: collection 'promts' does not exist in the Directus at {oauth_directus.url}" in str(
        caught.value
    )
    assert mcp_settings(admin) == before


def test_drift_says_when_oauth_is_declared_but_the_server_environment_is_off(
    directus: server.DirectusInstance, tmp_path: Path
) -> None:
    # The session's Directus runs without MCP_OAUTH_ENABLED: it stores the settings, and its endpoints answer 404.
    stack = make_stack(directus, tmp_path, "oauth-off", mcp={"enabled": True, "oauth": {"enabled": True}})
    stack.up(color="never")
    try:
        assert httpx.get(f"{directus.url}/.well-known/oauth-authorization-server").status_code == 404
        report = run_drift(stack)
        assert report.directus_version == "12.4.1"
        assert [(f.subject, f.message.split(":")[0]) for f in report.server] == [
            (
                "mcp_oauth_enabled",
                "the stack turns mcp_oauth_enabled on, but this Directus runs without MCP_OAUTH_ENABLED=true",
            )
        ]
        assert report.exit_code == 1
    finally:
        stack.destroy(color="never")
