"""Bad stack configuration fails with a message naming the field and the value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.model.stack_config import ConfigError, load_config, parse_config

TEMPLATES = ["analysis", "content", "developer"]
BASE: dict[str, Any] = {
    "directusUrl": "http://127.0.0.1:8055",
    "members": [{"name": "john", "email": "john@company.com", "template": "content"}],
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def member(name: str, email: str, template: str = "content", **extra: Any) -> dict[str, Any]:
    return {"name": name, "email": email, "template": template, **extra}


def test_mcp_email_derives_from_member_email() -> None:
    config = parse_config(BASE, templates=TEMPLATES)
    assert config.mcp_email(config.members[0]) == "ai-john@company.com"
    assert config.rotation_for(config.members[0]) == 90
    assert config.mcp_url == "http://127.0.0.1:8055/mcp"
    assert config.members[0].enabled is True


def test_email_pattern_is_configurable() -> None:
    config = parse_config(with_(emailPattern="mcp.{local}@ai.{domain}"), templates=TEMPLATES)
    assert config.mcp_email(config.members[0]) == "mcp.john@ai.company.com"


def test_templates_in_use_are_configured_and_used_ones() -> None:
    raw = with_(
        members=[member("john", "john@company.com"), member("sarah", "sarah@company.com", "analysis")],
        templates={"content": {"collections": ["articles"]}, "developer": {}},
    )
    assert parse_config(raw, templates=TEMPLATES).templates_in_use() == ["analysis", "content", "developer"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_(members=[member("john", "not-an-email")]), "members[0].email: 'not-an-email' is not a valid email"),
        (with_(ipAllowlist=["10.0.0.0/33"]), "ipAllowlist: '10.0.0.0/33' is not an IP address or CIDR"),
        (
            with_(members=[member("a", "a@x.io"), member("a", "b@x.io")]),
            "members[1].name: name 'a' is already used by members[0]",
        ),
        (
            with_(members=[member("a", "a@x.io"), member("b", "A@x.io")]),
            "members[1].email: email 'a@x.io' is already used by members[0]",
        ),
        (
            with_(
                emailPattern="ai-{local}@company.com",
                members=[member("a", "john@x.io"), member("b", "john@y.io")],
            ),
            "members[1].email: MCP email 'ai-john@company.com' is already used by members[0]",
        ),
        (with_(members=[member("John Smith", "j@x.io")]), "members[0].name: String should match pattern"),
        (with_(members=[member("john", "j@x.io", "contnet")]), "members[0].template: 'contnet' is not a role template"),
        (with_(members=[{"name": "john", "email": "j@x.io"}]), "members[0].template: Field required"),
        (with_(members=[member("john", "j@x.io", enabled="sometimes")]), "members[0].enabled"),
        (with_(templates={"analytics": {"collections": ["a"]}}), "templates: 'analytics' is not a role template"),
        (
            with_(templates={"content": {"collections": ["a", "a"]}}),
            "templates.content.collections: 'a' listed more than once",
        ),
        (
            with_(templates={"content": {"colections": ["a"]}}),
            "templates.content.colections: not a setting of this tool (known here: collections, vars)",
        ),
        (
            with_(mcp={"allowDeletes": "maybe"}),
            "mcp.allowDeletes: Input should be a valid boolean, unable to interpret input (got 'maybe')",
        ),
        (
            with_(mcp={"oauth": {"dynamicClientRegistration": True}}),
            "mcp.oauth: dynamicClientRegistration: true needs enabled: true",
        ),
        (
            with_(mcp={"oauth": {"enabled": False, "clientIdMetadata": True, "dynamicClientRegistration": True}}),
            "mcp.oauth: dynamicClientRegistration: true and clientIdMetadata: true needs enabled: true",
        ),
        (with_(mcp={"oauth": {"enabled": "yes please"}}), "mcp.oauth.enabled: Input should be a valid boolean"),
        (
            with_(mcp={"oauth": {"dcr": True}}),
            "mcp.oauth.dcr: not a setting of this tool (known here: enabled, dynamicClientRegistration, "
            "clientIdMetadata)",
        ),
        (with_(mcp={"promptsCollection": ""}), "mcp.promptsCollection: String should have at least 1 character"),
        (with_(mcp={"promptsCollection": 7}), "mcp.promptsCollection: Input should be a valid string (got 7)"),
        (
            with_(guardrails={"allowDynamicClientRegistration": "sure"}),
            "guardrails.allowDynamicClientRegistration: Input should be a valid boolean",
        ),
        (with_(directusUrl="ftp://x"), "directusUrl: String should match pattern"),
        (with_(rotationDays=0), "rotationDays: Input should be greater than or equal to 1 (got 0)"),
        (with_(rotationDays=120), "rotationDays: 120 is longer than guardrails.maxRotationDays (90)"),
        (
            with_(guardrails={"maxRotationDays": 30}, members=[member("john", "j@x.io", rotateAfterDays=45)]),
            "members[0].rotateAfterDays: 45 (john) is longer than guardrails.maxRotationDays (30)",
        ),
        (with_(guardrails={"requireIpAllowlist": True}), "ipAllowlist: empty, but guardrails.requireIpAllowlist"),
        (with_(emailPattern="ai-{name}"), "emailPattern: 'ai-{name}' must contain"),
        (
            with_(unknownKey=1),
            "unknownKey: not a setting of this tool (known here: directusUrl, emailPattern, members,",
        ),
    ],
)
def test_bad_input_names_field_and_value(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, templates=TEMPLATES)
    assert expected in str(caught.value)


def test_oauth_settings_default_to_directus_defaults_and_parse() -> None:
    config = parse_config(BASE, templates=TEMPLATES)
    oauth = config.mcp.oauth
    assert (oauth.enabled, oauth.dynamic_client_registration, oauth.client_id_metadata) == (False, False, False)
    assert config.mcp.prompts_collection is None
    raw = with_(mcp={"oauth": {"enabled": True, "clientIdMetadata": True}, "promptsCollection": "prompts"})
    config = parse_config(raw, templates=TEMPLATES)
    assert config.mcp.oauth.client_id_metadata and config.mcp.prompts_collection == "prompts"


def test_every_problem_is_listed_at_once() -> None:
    raw = with_(ipAllowlist=["nope"], rotationDays=0, members=[member("john", "bad")])
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, templates=TEMPLATES)
    message = str(caught.value)
    assert "ipAllowlist" in message and "rotationDays" in message and "members[0].email" in message


def test_load_config_decodes_structured_pulumi_values() -> None:
    values = {"directusUrl": "http://d:8055", "members": json.dumps(BASE["members"]), "rotationDays": "30"}
    config = load_config(values.get, templates=TEMPLATES)
    assert config.rotation_days == 30
    assert config.members[0].template == "content"


def test_load_config_refuses_unknown_keys_of_the_namespace() -> None:
    values = {"directusUrl": "http://d:8055"}
    with pytest.raises(ConfigError) as caught:
        load_config(values.get, present_keys=["directusUrl", "provisioningToken", "ipAllowList"])
    assert "directus-mcp-access:ipAllowList: not a setting of this tool" in str(caught.value)


def test_audit_defaults_are_utc_no_working_hours_and_ten_deletes_an_hour() -> None:
    audit = parse_config(BASE, templates=TEMPLATES).audit
    assert (audit.timezone, audit.working_hours, audit.work_days) == ("UTC", None, ["mon", "tue", "wed", "thu", "fri"])
    assert (audit.mass_delete_threshold, audit.mass_delete_window_minutes) == (10, 60)
    night = parse_config(with_(audit={"workingHours": "22:00-06:00", "workDays": ["Sat", "sun"]}), templates=TEMPLATES)
    assert night.audit.hours_minutes() == (22 * 60, 6 * 60)
    assert night.audit.work_days == ["sat", "sun"]


@pytest.mark.parametrize(
    ("audit", "expected"),
    [
        ({"timezone": "Europe/Berln"}, "audit.timezone: 'Europe/Berln' is not an IANA time zone"),
        ({"timezone": "UTC+2"}, "audit.timezone: 'UTC+2' is not an IANA time zone"),
        ({"timezone": "../../etc/passwd"}, "audit.timezone: '../../etc/passwd' is not an IANA time zone"),
        ({"workingHours": "8-19"}, "audit.workingHours: '8-19' is not a range of hours 'HH:MM-HH:MM'"),
        ({"workingHours": "08:00-24:30"}, "audit.workingHours: '08:00-24:30' is not a range of hours"),
        ({"workingHours": "09:00-09:00"}, "audit.workingHours: '09:00-09:00' starts and ends at the same time"),
        ({"workDays": ["mon", "funday"]}, "audit.workDays: 'funday' is not a day (use mon, tue"),
        ({"workDays": ["mon", "Mon"]}, "audit.workDays: 'mon' listed more than once"),
        ({"workDays": []}, "audit.workDays: no work day"),
        ({"massDeleteThreshold": 0}, "audit.massDeleteThreshold: Input should be greater than or equal to 1 (got 0)"),
        ({"massDeleteThreshold": "many"}, "audit.massDeleteThreshold: Input should be a valid integer"),
        ({"massDeleteWindowMinutes": 0}, "audit.massDeleteWindowMinutes: Input should be greater than or equal to 1"),
        ({"workHours": "08:00-19:00"}, "audit.workHours: not a setting of this tool (known here: "),
    ],
)
def test_bad_audit_settings_name_field_and_value(audit: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_(audit=audit), templates=TEMPLATES)
    assert expected in str(caught.value)


def test_load_config_reads_the_audit_section_from_pulumi_json() -> None:
    values = {"directusUrl": "http://d:8055", "audit": json.dumps({"timezone": "Asia/Kathmandu"})}
    assert load_config(values.get, templates=TEMPLATES, present_keys=values).audit.timezone == "Asia/Kathmandu"


def test_a_stack_that_does_not_own_the_mcp_settings_may_not_set_them() -> None:
    assert parse_config(with_(mcp={"manageSettings": False, "allowDeletes": True})).mcp.manage_settings is False
    assert parse_config(with_()).mcp.manage_settings is True  # default: today's behaviour, the stack owns them
    with pytest.raises(ConfigError) as caught:
        parse_config(with_(mcp={"manageSettings": False, "enabled": True, "systemPrompt": "Be careful."}))
    assert (
        "mcp: mcp.enabled, mcp.systemPrompt set, but mcp.manageSettings is false: this stack does not own the MCP "
        "settings of its Directus" in str(caught.value)
    )
    with pytest.raises(ConfigError, match=r"mcp.manageSettings: Input should be a valid boolean.* \(got 'maybe'\)"):
        parse_config(with_(mcp={"manageSettings": "maybe"}))


def test_members_choose_token_or_oauth_and_nothing_else() -> None:
    members = [{**BASE["members"][0], "auth": "oauth"}]
    assert parse_config(with_(members=members), templates=TEMPLATES).members[0].auth == "oauth"
    assert parse_config(BASE, templates=TEMPLATES).members[0].auth == "token"
    bad = [{**BASE["members"][0], "auth": "password"}]
    with pytest.raises(ConfigError, match=r"members\[0\]\.auth: .*'token' or 'oauth' \(got 'password'\)"):
        parse_config(with_(members=bad), templates=TEMPLATES)
    with pytest.raises(ConfigError, match=r"oauthReview\.unusedClientDays: .*\(got 0\)"):
        parse_config(with_(oauthReview={"unusedClientDays": 0}), templates=TEMPLATES)
