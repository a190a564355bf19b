"""A first non-local stack: the missing backend and secrets settings are named before Pulumi runs; the stack file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from components.engine.backend import BackendSettingsError, check_backend_settings
from components.engine.first_stack import write_stack_file
from components.engine.passthrough import check_language_host, stack_in_args
from components.errors import UsageError
from components.model.stack_config import ConfigError
from components.names import EXAMPLE_STACKS_FOLDER, PROJECT_ROOT


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
    shutil.copytree(PROJECT_ROOT / EXAMPLE_STACKS_FOLDER, tmp_path / EXAMPLE_STACKS_FOLDER)
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
    example = project / EXAMPLE_STACKS_FOLDER / "Pulumi.production.yaml"
    example.write_text(example.read_text() + "encryptionsalt: v1:abc\n")
    file, written, source = write_stack_file(
        project, "team", url="https://cms.team.example/", template=None, ip_allowlist=["10.8.0.0/16"]
    )
    assert written and file == project / "stacks" / "Pulumi.team.yaml"
    assert source == "examples/stacks/Pulumi.production.yaml"
    text = file.read_text()
    document = yaml.safe_load(text)
    assert document["config"]["directus-mcp-access:directusUrl"] == "https://cms.team.example"
    assert document["config"]["directus-mcp-access:ipAllowlist"] == ["10.8.0.0/16"]
    assert "encryptionsalt" not in document
    assert text.startswith("# Stack team: created by `mcp-access init` from examples/stacks/Pulumi.production.yaml")
    assert write_stack_file(project, "team", url="https://cms.team.example", template=None) == (file, False, None)
    assert write_stack_file(project, "team", url=None, template=None) == (file, False, None)
    assert file.read_text() == text  # never overwritten


def test_the_readme_stack_names_are_free_and_start_from_the_examples(project: Path) -> None:
    """`init staging --from-template production` (the README's first stack) is not refused by a shipped example."""
    assert not (PROJECT_ROOT / "stacks" / "Pulumi.staging.yaml").exists()
    assert not (PROJECT_ROOT / "stacks" / "Pulumi.production.yaml").exists()
    file, written, source = write_stack_file(
        project, "staging", url="http://127.0.0.1:8056", template="production", ip_allowlist=["127.0.0.1/32"]
    )
    assert written and source == "examples/stacks/Pulumi.production.yaml"
    assert yaml.safe_load(file.read_text())["config"]["directus-mcp-access:directusUrl"] == "http://127.0.0.1:8056"
    _, written, source = write_stack_file(project, "production", url="https://cms.example.org", template="staging")
    assert written and source == "examples/stacks/Pulumi.staging.yaml"


def test_a_flag_init_would_not_apply_is_refused_never_ignored(project: Path) -> None:
    file, _, _ = write_stack_file(project, "team", url="https://cms.team.example", template="staging")
    before = file.read_text()
    with pytest.raises(ConfigError) as caught:
        write_stack_file(project, "team", url="https://cms.other.example", template=None)
    message = str(caught.value)
    assert "init would not apply --url https://cms.other.example" in message
    assert "the file has directusUrl: https://cms.team.example" in message
    with pytest.raises(ConfigError, match=r"init would not apply --ip-allowlist 10\.0\.0\.0/8"):
        write_stack_file(project, "team", url=None, template=None, ip_allowlist=["10.0.0.0/8"])
    assert file.read_text() == before


def test_an_example_with_an_allowlist_needs_the_members_addresses(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        write_stack_file(project, "team", url="https://cms.team.example", template="production")
    message = str(caught.value)
    assert message.startswith("--ip-allowlist is needed: examples/stacks/Pulumi.production.yaml")
    assert "203.0.113.0/24, 198.51.100.7/32, documentation addresses" in message
    with pytest.raises(ConfigError, match="--ip-allowlist: 'office' is not an IP address or CIDR"):
        write_stack_file(
            project, "team", url="https://cms.team.example", template="production", ip_allowlist=["office"]
        )
    assert not (project / "stacks" / "Pulumi.team.yaml").exists()


@pytest.mark.parametrize(
    ("stack", "url", "template", "expected"),
    [
        (
            "team",
            "https://x",
            "prod",
            "--from-template: 'prod' is neither an example in examples/stacks/ (available: "
            "production, staging) nor a stack file in stacks/ (available: local)",
        ),
        ("team", "cms.example.com", "staging", "--url: 'cms.example.com' is not an http(s) URL"),
        ("team", None, None, "--url is needed: stacks/Pulumi.team.yaml does not exist yet"),
        ("team/eu", "https://x", None, "stack name 'team/eu': use letters, digits"),
        ("local", "https://x", "staging", "already exists: remove it or run `mcp-access init local` without"),
    ],
)
def test_bad_init_input_names_the_value(
    project: Path, stack: str, url: str | None, template: str | None, expected: str
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


@pytest.mark.parametrize("args", [["preview"], ["-s", "prod", "up", "--yes"], ["install"], ["--stack=x", "destroy"]])
def test_a_program_command_without_the_language_host_is_explained_in_one_line(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        check_language_host(args, {"PATH": str(tmp_path)})
    first = str(caught.value).splitlines()[0]
    assert "runs this program through Pulumi's Python language host (pulumi-language-python), which is not" in first
    assert "use mcp-access " in first or "use tools/bootstrap.sh" in first
    (tmp_path / "pulumi-language-python").write_text("#!/bin/sh\n")
    (tmp_path / "pulumi-language-python").chmod(0o755)
    check_language_host(args, {"PATH": str(tmp_path)})  # installed: passed through


def test_commands_that_do_not_run_the_program_pass_through(tmp_path: Path) -> None:
    for args in (["stack", "ls"], ["config", "set", "--secret", "k", "v"], ["-s", "preview", "stack", "export"]):
        check_language_host(args, {"PATH": str(tmp_path)})
