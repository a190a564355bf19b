"""The operator's first day from a fresh copy of the project: install, a first stack, `pulumi` with the project's
environment, the calendar, and errors that end with one readable block.

The copy has no ``.venv``: its virtualenv is made by the SDK's own pip toolchain code (what ``pulumi install``
runs through the Python language host, see ``tools/pulumi/pip-install``) from ``requirements.txt``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from components.engine.workspace import pulumi_bin_dir
from components.localdev.server import DirectusInstance
from components.names import CONFIG_NAMESPACE, PROJECT_ROOT

pytestmark = pytest.mark.e2e
STACK = "first"


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return [line for line in out.splitlines() if line and (PROJECT_ROOT / line).is_file()]


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project as a clone has it (tracked files, no .venv); its venv made by `pulumi install`'s code."""
    copy = tmp_path_factory.mktemp("fresh-clone") / "project"
    for name in _tracked_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, copy / name)
    assert not (copy / ".venv").exists()
    helper = tmp_path_factory.mktemp("go") / "pip-install"
    subprocess.run(["go", "build", "-o", str(helper), "./pip-install"], cwd=PROJECT_ROOT / "tools" / "pulumi",
                   env={**os.environ, "CGO_ENABLED": "0"}, check=True, timeout=900)  # fmt: skip
    done = subprocess.run([str(helper), str(copy)], capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Finished creating virtual environment" in done.stdout
    return copy


@pytest.fixture
def first_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "DIRECTUS_"))}
    (tmp_path / "state").mkdir()
    return {
        **env,
        "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(8),
    }


def _run(copy: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(copy / ".venv" / "bin" / "mcp-access"), *args], cwd=copy, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


@pytest.fixture
def first_stack(fresh_copy: Path, first_env: dict[str, str], directus: DirectusInstance) -> Iterator[Path]:
    """`init` then the provisioning token through the pass-through, on the fresh copy; destroyed afterwards."""
    created = _run(fresh_copy, first_env, "init", STACK, "--url", directus.url, "--from-template", "local")
    assert created.returncode == 0, created.stderr
    assert f"wrote {fresh_copy / 'stacks' / f'Pulumi.{STACK}.yaml'} from stacks/Pulumi.local.yaml" in created.stdout
    assert f"stack '{STACK}' created in its backend" in created.stdout
    token_key = f"{CONFIG_NAMESPACE}:provisioningToken"
    secret = _run(fresh_copy, first_env, "pulumi", "-s", STACK, "--", "config", "set", "--secret", token_key,
                  directus.admin_token)  # fmt: skip
    assert secret.returncode == 0, secret.stderr
    yield fresh_copy
    _run(fresh_copy, first_env, "destroy", "--stack", STACK, "--yes")
    _run(fresh_copy, first_env, "pulumi", "-s", STACK, "--", "stack", "rm", "--yes", "--force")
    (fresh_copy / "stacks" / f"Pulumi.{STACK}.yaml").unlink(missing_ok=True)


def test_fresh_copy_venv_has_the_pinned_sdk_and_the_project(fresh_copy: Path) -> None:
    python = fresh_copy / ".venv" / "bin" / "python"
    check = "import components, pulumi, icalendar; print(components.__file__); print(pulumi.__name__)"
    out = subprocess.run([str(python), "-c", check], cwd=fresh_copy / "stacks", capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.splitlines()[0].startswith(str(fresh_copy / "components"))  # the copy itself, installed editable
    version = subprocess.run([str(python), "-m", "pip", "show", "pulumi"], capture_output=True, text=True, check=True)
    assert "Version: 3.259.0" in version.stdout


def test_first_stack_then_preview_up_and_the_calendar_from_the_fresh_copy(
    first_stack: Path, first_env: dict[str, str]
) -> None:
    copy = first_stack
    stored = (copy / "stacks" / f"Pulumi.{STACK}.yaml").read_text()
    assert "secure: " in stored and "encryptionsalt:" in stored  # the token went in encrypted, with this stack's salt
    listed = _run(copy, first_env, "pulumi", "--", "stack", "ls")
    assert listed.returncode == 0 and STACK in listed.stdout, listed.stderr
    preview = _run(copy, first_env, "preview", "--stack", STACK)
    assert preview.returncode == 0, preview.stderr
    assert "directus-mcp-access-guardrails" in preview.stdout or "+ " in preview.stdout
    assert f"pulumi preview (stack {STACK}) finished" in preview.stdout
    up = _run(copy, first_env, "up", "--stack", STACK)
    assert up.returncode == 0, up.stderr
    assert "'create': " in up.stdout
    ics = copy / "rotation.ics"
    cal = _run(copy, first_env, "calendar", "--stack", STACK, "--out", str(ics))
    assert cal.returncode == 0, cal.stderr
    assert "2 rotation reminder(s) and the monthly review" in cal.stdout
    events = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert set(events) == {
        f"rotation.john.{STACK}@directus-mcp-access",
        f"rotation.sarah.{STACK}@directus-mcp-access",
        f"monthly-review.{STACK}@directus-mcp-access",
    }
    due = events[f"rotation.john.{STACK}@directus-mcp-access"].decoded("dtstart")
    assert (due - datetime.now(UTC).date()).days in (89, 90)  # the local example rotates every 90 days


def test_plain_pulumi_install_needs_the_python_language_host(fresh_copy: Path, first_env: dict[str, str]) -> None:
    """The one step CI cannot show: `pulumi install` runs through pulumi-language-python, not obtainable here."""
    bin_dir = pulumi_bin_dir()
    assert bin_dir is not None
    done = _run(fresh_copy, first_env, "pulumi", "--", "install")
    if (bin_dir / "pulumi-language-python").exists():
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode != 0
        assert "language" in done.stderr.lower() and "python" in done.stderr.lower(), done.stderr


def test_a_first_stack_without_backend_settings_names_them_and_writes_nothing(fresh_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "DIRECTUS_"))}
    env["PULUMI_HOME"] = str(fresh_copy / ".no-login")
    done = _run(fresh_copy, env, "init", "team", "--url", "https://cms.team.example")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "error: stack 'team' is not the embedded `local` stack and needs:"
    assert "set PULUMI_BACKEND_URL" in done.stderr and "PULUMI_CONFIG_PASSPHRASE" in done.stderr
    assert "PULUMI_ACCESS_TOKEN must be set" not in done.stderr  # Pulumi's own message never comes first
    assert not (fresh_copy / "stacks" / "Pulumi.team.yaml").exists()
