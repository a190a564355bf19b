"""The state drift reads holds every secret in clear (a token probe needs it): no printed form may show one."""

from __future__ import annotations

import json

from components.ops.drift.state import SECRET_SIG_KEY, parse_state

TOKEN = "tok-3xq9-secret-value-never-shown"
PASSWORD = "pg-password-never-shown"


def _secret(value: object) -> dict[str, str]:
    return {SECRET_SIG_KEY: "1b47061264138c4ac30d75fd1eb44270", "plaintext": json.dumps(value)}


def _deployment() -> dict[str, object]:
    return {
        "resources": [
            {
                "urn": "urn:pulumi:prod::directus-mcp-access::pulumi:pulumi:Stack::directus-mcp-access-prod",
                "type": "pulumi:pulumi:Stack",
                "outputs": {"members": {"ann": {"userId": "u1"}}, "tokens": _secret({"ann": TOKEN})},
            },
            {
                "urn": "urn:pulumi:prod::directus-mcp-access::directus-mcp-access:index:StaticToken::ann-token",
                "type": "directus-mcp-access:index:StaticToken",
                "id": "token-u1",
                "custom": True,
                "inputs": {"user_id": "u1", "note": _secret(PASSWORD)},
                "outputs": {"user_id": "u1", "token": _secret(TOKEN)},
            },
        ]
    }


def test_no_printed_form_of_the_state_shows_a_secret() -> None:
    state = parse_state("prod", _deployment())
    assert state.resources[1].outputs["token"] == TOKEN  # decoded for the providers: the reason for the masking
    shown = [repr(state), str(state), f"{state}", f"{state!r}", repr(state.resources), str(state.resources[1])]
    shown.append(repr(state.outputs()))
    for text in shown:
        assert TOKEN not in text, text
        assert PASSWORD not in text, text
    assert "prod" in repr(state)  # still says which stack it is
