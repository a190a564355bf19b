"""Run the program through the Pulumi Automation API, with the real Pulumi CLI.

The program runs *inline*: the Automation API serves it from this process and the CLI connects to it, which
is the Automation API's own mechanism. It needs no ``pulumi-language-python`` plugin binary, which this
project's offline toolchain cannot obtain (see docs/toolchain.md). With a regular Pulumi installation,
``pulumi up`` in the project folder runs the same program from ``__main__.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pulumi import automation as auto

from components.directus.provisioning import LOCAL_URL_ENV, RETRY_MAX_WAIT_ENV, TIMEOUT_ENV, TOKEN_ENV, URL_ENV
from components.engine.backend import check_backend_settings, redact
from components.engine.failures import engine_failure, failure_text
from components.errors import McpAccessError, StackNotFoundError
from components.model.role_templates import project_templates
from components.names import LOCAL_STACK, PROJECT_NAME, PROJECT_ROOT, cache_dir
from components.program.pulumi_internals import SDK_VERSION, declaration_frames_only, speed_up_sdk

#: The CLI matches the installed SDK's version (pyproject.toml pins it; tools/bootstrap.sh builds that CLI).
PULUMI_VERSION = SDK_VERSION
SKIP_CHECKPOINTS_ENV = "PULUMI_SKIP_CHECKPOINTS"


class EngineError(McpAccessError):
    """The Pulumi engine failed (the message carries its output), or its CLI is missing."""


@contextmanager
def engine_errors(stack: str | None) -> Iterator[None]:
    """Turn the Automation API's errors into this project's: a missing stack, or the engine's failure."""
    try:
        yield
    except auto.StackNotFoundError:
        raise StackNotFoundError(stack or "?") from None
    except auto.CommandError as exc:
        transcript = redact(str(exc))
        message, hint = failure_text(
            engine_failure(transcript), stack=stack or "?", fallback="\n".join(transcript.splitlines()[-15:])
        )
        raise EngineError(message, hint=hint) from None


def toolchain_root() -> Path:
    """Where tools/bootstrap.sh puts the Pulumi CLI it builds (``<root>/bin/pulumi``)."""
    return cache_dir() / f"pulumi-{PULUMI_VERSION}"


def _pulumi_on_path_is_compatible() -> bool:
    found = shutil.which("pulumi")
    if not found:
        return False
    try:
        out = subprocess.run([found, "version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return out.strip().lstrip("v").startswith(PULUMI_VERSION)


def pulumi_bin_dir() -> Path | None:
    """The folder of the Pulumi CLI to use: the built one, unless a compatible one is already on PATH."""
    built = toolchain_root() / "bin"
    if (built / "pulumi").exists():
        return built
    if _pulumi_on_path_is_compatible():
        return None
    raise EngineError(f"Pulumi CLI {PULUMI_VERSION} not found: run tools/bootstrap.sh")


def local_stack_env(work_dir: Path) -> dict[str, str]:
    """The embedded default: state in a git-ignored folder, and the local-only passphrase from stacks/local.env."""
    env: dict[str, str] = {}
    env_file = work_dir / "stacks" / "local.env"
    for line in env_file.read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    state = work_dir / env.pop("LOCAL_STATE_DIR", ".pulumi-state")
    state.mkdir(parents=True, exist_ok=True)
    env["PULUMI_BACKEND_URL"] = state.as_uri()
    return env


def engine_env(
    stack: str, work_dir: Path, bin_dir: Path | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for the CLI and the provider processes it starts."""
    env = {
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The dynamic-provider plugin script runs `$PULUMI_PYTHON_CMD -m pulumi.dynamic`: use our venv's Python.
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_RUNTIME_VIRTUALENV": str(Path(sys.prefix)),
    }
    # The file and PostgreSQL backends rewrite the whole state after every step, so an `up` of N members costs
    # N^2; with this the engine writes the state once, when the run ends (also after a failed step). A run
    # killed before that leaves no record of what it did: the re-run adopts those objects by their markers
    # (docs/providers.md, "After an interrupted run"). PULUMI_SKIP_CHECKPOINTS=false in the environment brings back one
    # write per step.
    env[SKIP_CHECKPOINTS_ENV] = os.environ.get(SKIP_CHECKPOINTS_ENV, "true")
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    if stack == LOCAL_STACK:
        for key, value in local_stack_env(work_dir).items():
            env.setdefault(key, os.environ.get(key, value))
    env.update(extra or {})
    if stack != LOCAL_STACK:
        env[LOCAL_URL_ENV] = ""  # only the local stack follows the running local Directus's port
    return env


def open_stack(
    stack: str,
    *,
    program: Callable[[], None] | None = None,
    work_dir: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    create: bool = True,
) -> auto.Stack:
    """Select (or create) ``stack`` of the project in ``work_dir``, with the inline program.

    Read-only commands pass ``create=False``: a mistyped stack name is then an error
    (``auto.StackNotFoundError``), not a new empty stack.
    """
    if program is None:
        program = _project_program(work_dir)
    declaration_frames_only()  # the inline program registers its resources from this process
    speed_up_sdk()
    # The inline program runs in this process, not in the engine's: it reads the Directus URL and provisioning
    # token (for its live schema check) from here, so hand it the same values the providers get.
    for key in (TOKEN_ENV, URL_ENV, TIMEOUT_ENV, RETRY_MAX_WAIT_ENV):
        if env and key in env:
            os.environ[key] = env[key]
    os.environ[LOCAL_URL_ENV] = (env or {}).get(LOCAL_URL_ENV, "") if stack == LOCAL_STACK else ""
    options = workspace_options(stack, work_dir, env)
    if not create:
        return auto.select_stack(stack, project_name=PROJECT_NAME, program=program, opts=options)
    return auto.create_or_select_stack(stack, project_name=PROJECT_NAME, program=program, opts=options)


def _project_program(work_dir: Path) -> Callable[[], None]:
    """The project's program with the role templates of ``work_dir`` (looked up when it runs)."""
    from components.program.entry import main

    def program() -> None:
        main(template_dir=project_templates(work_dir))

    return program


def pulumi_command(bin_dir: Path | None) -> auto.PulumiCommand:
    """The CLI :func:`pulumi_bin_dir` chose. Its version is known already (the cache folder is per version, a CLI
    on PATH was asked), so the Automation API's own ``pulumi version`` call (~0.4 s per command) is skipped."""
    if bin_dir is None:
        return auto.PulumiCommand(skip_version_check=True)
    return auto.PulumiCommand(root=str(bin_dir.parent), skip_version_check=True)


def workspace_options(
    stack: str, work_dir: Path, env: Mapping[str, str] | None, *, secrets_provider: str | None = None
) -> auto.LocalWorkspaceOptions:
    """The CLI and environment for ``stack``, after checking that a non-``local`` stack has a backend and secrets."""
    bin_dir = pulumi_bin_dir()
    full_env = engine_env(stack, work_dir, bin_dir, env)
    check_backend_settings(stack, full_env, work_dir, secrets_provider=secrets_provider)
    return auto.LocalWorkspaceOptions(
        work_dir=str(work_dir),
        env_vars=full_env,
        pulumi_command=pulumi_command(bin_dir),
        secrets_provider=secrets_provider,
    )
