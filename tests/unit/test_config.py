"""Bad stack configuration fails with a message naming the field and the value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config import ConfigError, load_config, parse_config

BASE: dict[str, Any] = {
    "directusUrl": "http://127.0.0.1:8055",
    "members": [{"name": "john", "email": "john@company.com"}],
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def test_mcp_email_derives_from_member_email() -> None:
    config = parse_config(BASE)
    assert config.mcp_email(config.members[0]) == "ai-john@company.com"
    assert config.rotation_for(config.members[0]) == 90
    assert config.mcp_url == "http://127.0.0.1:8055/mcp"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_(members=[{"name": "john", "email": "not-an-email"}]), "members[0].email: 'not-an-email'"),
        (with_(ipAllowlist=["10.0.0.0/33"]), "ipAllowlist: '10.0.0.0/33' is not an IP address or CIDR"),
        (
            with_(members=[{"name": "a", "email": "a@x.io"}, {"name": "a", "email": "b@x.io"}]),
            "members[1].name: 'a' appears more than once",
        ),
        (with_(members=[{"name": "John Smith", "email": "j@x.io"}]), "members[0].name"),
        (with_(mcp={"allowDeletes": "maybe"}), "mcp.allowDeletes"),
        (with_(directusUrl="ftp://x"), "directusUrl"),
        (with_(rotationDays=0), "rotationDays"),
        (with_(emailPattern="ai-{name}"), "emailPattern: 'ai-{name}' must contain"),
        (with_(unknownKey=1), "unknownKey"),
    ],
)
def test_bad_input_names_field_and_value(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert expected in str(caught.value)


def test_load_config_decodes_structured_pulumi_values() -> None:
    values = {"directusUrl": "http://d:8055", "members": json.dumps(BASE["members"]), "rotationDays": "30"}
    config = load_config(values.get)
    assert config.rotation_days == 30
    assert config.members[0].name == "john"
