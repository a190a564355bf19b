"""The layers of ``components/README.md`` are import contracts (``[tool.importlinter]`` in pyproject.toml).

``make lint`` runs ``lint-imports``. These tests run it on this tree (kept) and on a copy of it with one upward
import added (broken, naming the import), so a contract that silently stopped checking would fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.names import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", "--config", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "components", tmp_path / "components", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(module: Path, line: str) -> None:
    module.write_text(f"{line}  # noqa\n{module.read_text()}")


def test_the_tree_keeps_every_contract() -> None:
    result = _lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    _add_import(project / "components" / "model" / "base.py", "import components.engine.deployed")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "components.model is not allowed to import components.engine" in result.stdout
    assert "components.model.base -> components.engine.deployed" in result.stdout


def test_one_ops_room_importing_another_breaks_their_independence(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    _add_import(project / "components" / "ops" / "review" / "render.py", "import components.ops.drift.wording")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "components.ops.review is not allowed to import components.ops.drift" in result.stdout


def test_a_cycle_inside_a_room_breaks_even_through_a_lazy_import(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    backend = project / "components" / "engine" / "backend.py"
    lazy = "\n\ndef _late() -> None:\n    import components.engine.workspace  # noqa\n"
    backend.write_text(backend.read_text() + lazy)
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "No cycles are allowed in components.engine" in result.stdout


@pytest.mark.parametrize("heavy", ["pydantic", "components.directus.client"])
def test_the_guardrails_importing_something_heavy_breaks(tmp_path: Path, heavy: str) -> None:
    project = _copy(tmp_path)
    _add_import(project / "components" / "guardrails" / "rules.py", f"import {heavy}")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "guardrails: the policy pack's process loads nothing heavy BROKEN" in result.stdout


def test_a_new_ops_room_is_covered_without_a_line_of_its_own(tmp_path: Path) -> None:
    """A new ``components/ops/<room>/`` is one of the independent rooms as soon as it exists."""
    project = _copy(tmp_path)
    room = project / "components" / "ops" / "newroom"
    room.mkdir()
    (room / "__init__.py").write_text("")
    (room / "run.py").write_text("import components.ops.audit.rules  # noqa\n")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "components.ops.newroom is not allowed to import components.ops.audit" in result.stdout


def test_no_room_imports_the_apply_path(tmp_path: Path) -> None:
    """``rotate`` is handed the apply path; a room importing it would tie every room to the others."""
    project = _copy(tmp_path)
    _add_import(project / "components" / "ops" / "breakglass" / "rotate.py", "import components.ops.apply.run")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "components.ops.breakglass is not allowed to import components.ops.apply" in result.stdout


def test_a_composing_room_needs_its_one_ignore_line(tmp_path: Path) -> None:
    """A room built on others (here a digest of review's matrix) breaks independence until it adds its line."""
    project = _copy(tmp_path)
    room = project / "components" / "ops" / "digest"
    room.mkdir()
    (room / "__init__.py").write_text("")
    (room / "run.py").write_text("import components.ops.review.matrix  # noqa\n")
    assert _lint_imports(project).returncode == 1
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    line = '    "components.ops.digest.** -> components.ops.**",\n'
    pyproject.write_text(text.replace("ignore_imports = [\n", "ignore_imports = [\n" + line, 1))
    result = _lint_imports(project)
    assert result.returncode == 0, result.stdout
    _add_import(project / "components" / "ops" / "review" / "render.py", "import components.ops.digest.run")
    assert "components.ops.review is not allowed to import components.ops.digest" in _lint_imports(project).stdout


def test_a_rooms_command_module_importing_the_cli_breaks_the_layers(tmp_path: Path) -> None:
    project = _copy(tmp_path)
    _add_import(project / "components" / "ops" / "calendar" / "run.py", "import components.cli")
    result = _lint_imports(project)
    assert result.returncode == 1
    assert "components.ops is not allowed to import components.cli" in result.stdout
