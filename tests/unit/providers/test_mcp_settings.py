"""McpSettingsProvider against a fake Directus: settings written, read back, and restored on delete."""

from __future__ import annotations

from typing import Any

import pytest

from components.directus.errors import DirectusAuthError
from components.names import TOKEN_KEY
from components.providers.base import UNKNOWN
from components.providers.mcp_settings import (
    DIRECTUS_DEFAULTS,
    MCP_KEY,
    McpSettingsProvider,
    SettingsNotAppliedError,
)
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, outs

MCP_KEYS = tuple(DIRECTUS_DEFAULTS)


def declared(**changes: Any) -> dict[str, Any]:
    props = {
        "mcp_enabled": True,
        "mcp_allow_deletes": False,
        "mcp_system_prompt_enabled": True,
        "mcp_system_prompt": "Never delete anything.",
        "mcp_oauth_enabled": False,
        "mcp_oauth_dcr_enabled": False,
        "mcp_oauth_cimd_enabled": False,
        "mcp_prompts_collection": None,
    }
    return {**props, **changes}


def mcp(fake: FakeDirectus) -> dict[str, Any]:
    return {key: fake.settings[key] for key in MCP_KEYS}


def test_create_applies_the_settings_and_reads_them_back(configured: Configure, fake: FakeDirectus) -> None:
    created = configured(McpSettingsProvider).create(declared())
    assert mcp(fake) == declared()
    assert outs(created) == declared()
    assert [c.method for c in fake.requests if c.path == "/settings"] == ["GET", "PATCH", "GET"]


def test_a_value_that_does_not_stick_fails_naming_it(configured: Configure, fake: FakeDirectus) -> None:
    fake.ignored_settings.add("mcp_allow_deletes")  # accepted by the PATCH, silently not applied
    with pytest.raises(SettingsNotAppliedError) as caught:
        configured(McpSettingsProvider).create(declared(mcp_allow_deletes=True))
    message = str(caught.value)
    assert "mcp_allow_deletes: sent True, Directus has False" in message
    assert "mcp_enabled" not in message  # the values that stuck are not blamed


def test_read_returns_live_values(configured: Configure, fake: FakeDirectus) -> None:
    settings = configured(McpSettingsProvider)
    created = settings.create(declared())
    fake.settings["mcp_allow_deletes"] = True  # switched on in the app
    read = settings.read(created.id, outs(created))
    assert read.id == created.id and outs(read)["mcp_allow_deletes"] is True
    assert settings.diff(created.id, outs(read), declared()).changes


def test_diff_reports_nothing_when_live_equals_declared(configured: Configure) -> None:
    diff = configured(McpSettingsProvider).diff("s", declared(), declared())
    assert not diff.changes and not diff.replaces


@pytest.mark.parametrize(
    "news",
    [declared(mcp_enabled=False), declared(mcp_system_prompt=None), declared(mcp_allow_deletes=UNKNOWN)],
    ids=["flag", "prompt", "unknown"],
)
def test_diff_updates_in_place(configured: Configure, news: dict[str, Any]) -> None:
    diff = configured(McpSettingsProvider).diff("s", declared(), news)
    assert diff.changes and not diff.replaces


def test_update_applies_the_new_values(configured: Configure, fake: FakeDirectus) -> None:
    settings = configured(McpSettingsProvider)
    created = settings.create(declared())
    updated = settings.update(created.id, outs(created), declared(mcp_enabled=False, mcp_system_prompt=None))
    assert mcp(fake) == declared(mcp_enabled=False, mcp_system_prompt=None) == outs(updated)


def test_delete_restores_directus_defaults_and_nothing_else(configured: Configure, fake: FakeDirectus) -> None:
    settings = configured(McpSettingsProvider)
    fake.settings["project_name"] = "ACME CMS"
    created = settings.create(declared(mcp_allow_deletes=True, mcp_system_prompt_enabled=False))
    settings.delete(created.id, outs(created))
    assert mcp(fake) == {
        "mcp_enabled": False,
        "mcp_allow_deletes": False,
        "mcp_system_prompt_enabled": True,
        "mcp_system_prompt": None,
        "mcp_oauth_enabled": False,
        "mcp_oauth_dcr_enabled": False,
        "mcp_oauth_cimd_enabled": False,
        "mcp_prompts_collection": None,
    }
    assert fake.settings["project_name"] == "ACME CMS"


OAUTH_ON = {
    "mcp_oauth_enabled": True,
    "mcp_oauth_dcr_enabled": True,
    "mcp_oauth_cimd_enabled": True,
    "mcp_prompts_collection": "prompts",
}


def test_oauth_switches_and_prompts_collection_are_applied_read_and_restored(
    configured: Configure, fake: FakeDirectus
) -> None:
    settings = configured(McpSettingsProvider)
    created = settings.create(declared(**OAUTH_ON))
    assert {k: fake.settings[k] for k in OAUTH_ON} == OAUTH_ON == {k: outs(created)[k] for k in OAUTH_ON}
    fake.settings["mcp_oauth_dcr_enabled"] = False  # switched off in the app
    read = settings.read(created.id, outs(created))
    assert outs(read)["mcp_oauth_dcr_enabled"] is False
    assert settings.diff(created.id, outs(read), declared(**OAUTH_ON)).changes
    settings.delete(created.id, outs(read))
    assert {k: fake.settings[k] for k in OAUTH_ON} == {k: DIRECTUS_DEFAULTS[k] for k in OAUTH_ON}


def test_a_state_from_before_the_oauth_fields_shows_no_change_when_the_stack_sets_none() -> None:
    # Outputs recorded before the fields were managed, and inputs where Pulumi dropped the None prompts collection.
    old_outputs = {k: v for k, v in declared().items() if not k.startswith(("mcp_oauth", "mcp_prompts"))}
    news = {k: v for k, v in declared().items() if k != "mcp_prompts_collection"}
    assert not McpSettingsProvider().diff("s", old_outputs, news).changes
    assert McpSettingsProvider().diff("s", old_outputs, {**news, "mcp_oauth_enabled": True}).changes


def test_a_directus_without_the_oauth_columns_reads_defaults_and_refuses_turning_them_on(
    configured: Configure, fake: FakeDirectus
) -> None:
    for key in OAUTH_ON:
        fake.settings.pop(key, None)  # a Directus 11.x: no such columns
    settings = configured(McpSettingsProvider)
    created = settings.create(declared())
    assert {k: outs(created)[k] for k in OAUTH_ON} == {k: DIRECTUS_DEFAULTS[k] for k in OAUTH_ON}
    assert not settings.diff(created.id, outs(settings.read(created.id, outs(created))), declared()).changes
    patches = [c for c in fake.requests if c.method == "PATCH"]
    with pytest.raises(SettingsNotAppliedError) as caught:
        settings.update(created.id, outs(created), declared(mcp_oauth_enabled=True))
    assert "this Directus has no setting mcp_oauth_enabled (added in Directus 12.0)" in str(caught.value)
    assert [c for c in fake.requests if c.method == "PATCH"] == patches  # nothing sent
    settings.delete(created.id, outs(created))
    assert fake.settings["mcp_enabled"] is False


def test_a_rejected_provisioning_token_says_how_to_fix_it_without_showing_it(
    configured: Configure, fake: FakeDirectus
) -> None:
    revoked = "revoked-provisioning-token-0123456789"
    settings = configured(McpSettingsProvider, token=revoked)
    with pytest.raises(DirectusAuthError) as caught:
        settings.read("s", declared())
    message = str(caught.value)
    assert TOKEN_KEY in message and revoked not in message
    assert fake.settings["mcp_enabled"] is False


def test_delete_in_a_stack_that_handed_the_settings_over_leaves_them_alone(
    configured: Configure, fake: FakeDirectus
) -> None:
    # The stack's config now says another stack on this Directus owns the settings: removing our resource (or
    # `destroy`) must not turn MCP off for that stack.
    owner = configured(McpSettingsProvider)
    created = owner.create(declared())
    released = configured(McpSettingsProvider, config={MCP_KEY: '{"manageSettings": false}'})
    before = len(fake.requests)
    released.delete(created.id, outs(created))
    assert mcp(fake) == declared()
    assert fake.requests[before:] == []  # not a single request: the settings are not ours any more
