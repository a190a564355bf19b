"""Bad input to the commands and their environment: a clear message naming the value, exit code 2."""

from __future__ import annotations

import pytest

from components.cli import main
from components.directus.provisioning import (
    RETRY_MAX_WAIT_ENV,
    TIMEOUT_ENV,
    TOKEN_ENV,
    URL_ENV,
    Connection,
    ProvisioningConfigError,
    client_for,
    connection_from,
)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["onboard", "john", "--client", "gemini"], "argument --client/-c: invalid choice: 'gemini'"),
        (["onboard", "john", "--auth", "password"], "argument --auth: invalid choice: 'password'"),
        (["onboard", "john", "--tool-mode", "all"], "argument --tool-mode: invalid choice: 'all'"),
        (["onboard"], "the following arguments are required: member"),
        (["up", "--stack"], "argument --stack/-s: expected one argument"),
        (["deploy"], "argument command: invalid choice: 'deploy'"),
        ([], "the following arguments are required: command"),
        (["drift", "--rotation-warning-days", "0"], "'0' is not a whole number of days of at least 1"),
        (["audit", "--days", "two"], "'two' is not a whole number of days of at least 1"),
        (["audit", "--since", "last tuesday"], "'last tuesday' is not an ISO 8601 date or date-time"),
        (["audit", "--days", "3", "--since", "2026-11-01"], "argument --since: not allowed with argument --days"),
        (["up", "--policy-pack"], "argument --policy-pack: expected one argument"),
        (["review", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_command_lines_exit_2_naming_the_value(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (TIMEOUT_ENV, "soon", f"{TIMEOUT_ENV}='soon' is not a number of seconds"),
        (TIMEOUT_ENV, "0", f"{TIMEOUT_ENV}='0' must be more than 0 seconds"),
        (RETRY_MAX_WAIT_ENV, "-5", f"{RETRY_MAX_WAIT_ENV}='-5' must be more than 0 seconds"),
    ],
)
def test_bad_client_settings_in_the_environment_name_the_variable(
    name: str, value: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ProvisioningConfigError) as caught:
        client_for(Connection(url="http://127.0.0.1:9", token="not-used"))
    assert expected in str(caught.value)


def test_missing_provisioning_token_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(ProvisioningConfigError) as caught:
        connection_from({"directus-mcp-access:directusUrl": "http://d"}.get)
    message = str(caught.value)
    assert "config set --secret" in message and TOKEN_ENV in message


def test_missing_directus_url_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    with pytest.raises(ProvisioningConfigError, match="'directus-mcp-access:directusUrl' is not set"):
        connection_from({}.get)
