"""A first non-local stack: the missing backend and secrets settings are named before Pulumi runs; the stack file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from components.engine.backend import BackendSettingsError, check_backend_settings
from components.engine.first_stack import write_stack_file
from components.engine.passthrough import stack_in_args
from components.model.stack_config import ConfigError
from components.names import PROJECT_ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "PULUMI_BACKEND_URL",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "pulumi-home"))  # not logged in anywhere
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(PROJECT_ROOT / "stacks", tmp_path / "stacks")
    return tmp_path


def test_a_non_local_stack_without_backend_or_passphrase_names_both(project: Path) -> None:
    with pytest.raises(BackendSettingsError) as caught:
        check_backend_settings("team", {}, project)
    message = str(caught.value)
    assert "stack 'team' is not the embedded `local` stack and needs:" in message
    assert "set PULUMI_BACKEND_URL" in message and "PULUMI_ACCESS_TOKEN or `pulumi login`" in message
    assert "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE" in message


def test_a_backend_with_a_passphrase_or_a_kms_provider_is_enough(project: Path) -> None:
    backend = {"PULUMI_BACKEND_URL": "s3://bucket/state"}
    with pytest.raises(BackendSettingsError, match="PULUMI_CONFIG_PASSPHRASE") as caught:
        check_backend_settings("team", backend, project)
    assert "PULUMI_BACKEND_URL" not in str(caught.value)
    check_backend_settings("team", {**backend, "PULUMI_CONFIG_PASSPHRASE": "x"}, project)
    check_backend_settings("team", backend, project, secrets_provider="awskms://alias/mcp")
    check_backend_settings("team", {"PULUMI_ACCESS_TOKEN": "pul-x"}, project)  # Pulumi Cloud: its own secrets
    check_backend_settings("local", {}, project)  # the embedded default needs nothing


def test_pulumi_login_counts_as_a_backend(project: Path) -> None:
    home = project / "pulumi-home"
    home.mkdir()
    (home / "credentials.json").write_text('{"current": "gs://team-state"}')
    check_backend_settings("team", {"PULUMI_CONFIG_PASSPHRASE": "x"}, project)


def test_the_stack_file_comes_from_the_example_with_the_new_url_and_no_salt(project: Path) -> None:
    (project / "stacks" / "Pulumi.production.yaml").write_text(
        (project / "stacks" / "Pulumi.production.yaml").read_text() + "encryptionsalt: v1:abc\n"
    )
    file, written = write_stack_file(project, "team", url="https://cms.team.example/", template=None)
    assert written and file == project / "stacks" / "Pulumi.team.yaml"
    text = file.read_text()
    document = yaml.safe_load(text)
    assert document["config"]["directus-mcp-access:directusUrl"] == "https://cms.team.example"
    assert "encryptionsalt" not in document
    assert text.startswith("# Stack team: created by `mcp-access init` from stacks/Pulumi.production.yaml")
    assert write_stack_file(project, "team", url="https://other", template=None) == (file, False)
    assert file.read_text() == text  # never overwritten


@pytest.mark.parametrize(
    ("stack", "url", "template", "expected"),
    [
        ("team", "https://x", "prod", "--from-template: 'prod' is not a stack file in"),
        ("team", "cms.example.com", None, "--url: 'cms.example.com' is not an http(s) URL"),
        ("team/eu", "https://x", None, "stack name 'team/eu': use letters, digits"),
        ("local", "https://x", "staging", "already exists: remove it or run `mcp-access init local` without"),
    ],
)
def test_bad_init_input_names_the_value(
    project: Path, stack: str, url: str, template: str | None, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        write_stack_file(project, stack, url=url, template=template)
    assert expected in str(caught.value)
    assert not (project / "stacks" / "Pulumi.team.yaml").exists()


@pytest.mark.parametrize(
    ("args", "stack"),
    [
        (["cancel", "-s", "prod", "--yes"], "prod"),
        (["stack", "export", "--stack", "prod"], "prod"),
        (["config", "set", "--stack=prod", "--secret", "k", "v"], "prod"),
        (["config", "set", "--secret", "k", "v"], None),
    ],
)
def test_the_stack_named_on_a_pulumi_command_line(args: list[str], stack: str | None) -> None:
    assert stack_in_args(args) == stack
