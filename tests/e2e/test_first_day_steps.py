"""The first-day steps of docs/first-day.md, followed literally on a project folder, against a Directus that
`mcp-access local --stack staging` starts: `init staging --from-template production` (the README's first stack),
`local --stack`, `preview`, `up`, a broken stack file, Directus down, and `destroy` that asks first."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from components.cli import main
from components.localdev import server
from components.localdev.local_stack import data_dir_of
from components.names import EXAMPLE_STACKS_FOLDER, PROJECT_ROOT
from components.ops.onboarding.render import TOKEN_PLACEHOLDER
from tests.helpers.directus import require

STACK = "staging"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder as a team keeps it (Pulumi.yaml, stacks/, the examples), its own file backend."""
    require(server.directus_cli().exists(), "Directus is not installed: run tools/bootstrap.sh")
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", folder)
    shutil.copytree(PROJECT_ROOT / "stacks", folder / "stacks")
    shutil.copytree(PROJECT_ROOT / EXAMPLE_STACKS_FOLDER, folder / EXAMPLE_STACKS_FOLDER)
    (tmp_path / "state").mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", (tmp_path / "state").as_uri())
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", secrets.token_hex(8))
    monkeypatch.delenv("DIRECTUS_PROVISIONING_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    yield folder
    instance = server.running_instance(data_dir_of(STACK, folder))
    if instance is not None:
        server.stop(instance)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_first_day_steps_work_literally(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = ("--repo", str(project))
    url = f"http://127.0.0.1:{server.free_port()}"
    # 1. The README's first stack: the name `staging` is free, the example's documentation addresses are not kept.
    code, _, err = cli(capsys, "init", STACK, "--url", url, "--from-template", "production", *repo)
    assert code == 2 and "--ip-allowlist is needed" in err and "documentation addresses" in err
    code, out, err = cli(
        capsys, "init", STACK, "--url", url, "--from-template", "production", "--ip-allowlist", "127.0.0.1/32", *repo
    )
    assert code == 0, err
    assert f"from {EXAMPLE_STACKS_FOLDER}/Pulumi.production.yaml" in out and f"stack '{STACK}' created" in out
    stack_file = project / "stacks" / f"Pulumi.{STACK}.yaml"
    config = yaml.safe_load(stack_file.read_text())["config"]
    assert config["directus-mcp-access:directusUrl"] == url
    assert config["directus-mcp-access:ipAllowlist"] == ["127.0.0.1/32"]
    # A flag init would not apply is refused, not ignored.
    code, _, err = cli(capsys, "init", STACK, "--url", "http://127.0.0.1:1", *repo)
    assert code == 2 and "init would not apply --url http://127.0.0.1:1" in err
    # 6. Directus down: named in seconds, before the engine.
    code, _, err = cli(capsys, "preview", "--stack", STACK, *repo)
    assert code == 2 and f"Directus at {url} (stack '{STACK}') is not reachable" in err
    # 4. A Directus of one's own for the stack, with the collections its templates name.
    code, out, err = cli(capsys, "local", "--stack", STACK, *repo)
    assert code == 0, err
    assert "articles" in out and "page_views" in out and "provisioning token (encrypted)" in out
    assert "secure:" in stack_file.read_text()
    code, out, err = cli(capsys, "preview", "--stack", STACK, *repo)
    assert code == 0, err
    # the summary on a line of its own, not glued to the engine's last line (the policy pack's table)
    assert any(line.startswith(f"pulumi preview (stack {STACK}) finished") for line in out.splitlines()), out
    code, out, err = cli(capsys, "up", "--stack", STACK, *repo)
    assert code == 0, err
    assert "'create': " in out
    # The last line of step 4: the member's configuration (no token unless asked), and where its client must call
    # from (the stack's recorder is off: whether its requests come from outside cannot be told, and how to let it).
    code, out, err = cli(capsys, "onboard", "john", "--stack", STACK, "--client", "claude-code", *repo)
    assert code == 0, err
    assert TOKEN_PLACEHOLDER in out
    assert "note: member john's MCP client must call Directus from 127.0.0.1/32 (the stack's ipAllowlist)" in err
    assert "cannot be told: the stack's recorder is off" in err
    # 7. A YAML syntax error: the file and the right line, before the engine.
    good = stack_file.read_text()
    lines = good.splitlines()
    broken_line = next(i for i, line in enumerate(lines) if "firstName: Sarah" in line)
    lines[broken_line] = lines[broken_line] + ": Smith"
    stack_file.write_text("\n".join(lines) + "\n")
    code, _, err = cli(capsys, "drift", "--stack", STACK, *repo)
    assert code == 2
    assert err.startswith(f"error: stacks/Pulumi.{STACK}.yaml, line {broken_line + 1}, column "), err
    stack_file.write_text(good)
    # 5. destroy asks first on any stack but local.
    code, _, err = cli(capsys, "destroy", "--stack", STACK, *repo)
    assert code == 2 and "needs confirmation; nothing was changed" in err
    code, out, err = cli(capsys, "destroy", "--stack", STACK, "--yes", *repo)
    assert code == 0, err
    assert "'delete': " in out
    code, out, _ = cli(capsys, "local-stop", "--stack", STACK, *repo)
    assert code == 0 and "stopped" in out
