"""Run the steps of the example GitHub Actions workflows (examples/github-actions/) the way a runner does.

A step's ``run`` script is executed with GitHub's default shell for Linux runners (``bash -eo pipefail``),
its ``env`` with ``${{ ... }}`` expressions replaced by values the test gives, ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` as files, and the project's ``.venv/bin`` on PATH (what the "Install" step adds).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.names import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / "examples" / "github-actions"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    return data


def step(workflow: str, job: str, name: str) -> dict[str, Any]:
    for candidate in load(workflow)["jobs"][job]["steps"]:
        if candidate.get("name") == name:
            return dict(candidate)
    raise KeyError(f"{workflow}: job {job} has no step named {name!r}")


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def _resolve(value: str, expressions: Mapping[str, str]) -> str:
    return EXPRESSION.sub(lambda m: expressions[m.group(1)], value)


def run_step(
    workflow: str,
    job: str,
    name: str,
    *,
    cwd: Path,
    expressions: Mapping[str, str],
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> StepResult:
    """Run one step; ``expressions`` maps each ``${{ ... }}`` used in the job's and step's env to a value."""
    job_env = load(workflow)["jobs"][job].get("env") or {}
    target = step(workflow, job, name)
    output, summary = cwd / ".github_output", cwd / ".github_step_summary"
    output.write_text("")
    summary.write_text("")
    full = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        **{k: _resolve(str(v), expressions) for k, v in {**job_env, **(target.get("env") or {})}.items()},
        **(env or {}),
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", target["run"]],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return StepResult(done.returncode, done.stdout, done.stderr, outputs, summary.read_text())
