"""The engine's environment: state written once per run unless the operator asks for one write per step."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.engine.workspace import SKIP_CHECKPOINTS_ENV, engine_env


def test_the_state_is_written_once_per_run_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(SKIP_CHECKPOINTS_ENV, raising=False)
    assert engine_env("team", tmp_path, None)[SKIP_CHECKPOINTS_ENV] == "true"


def test_the_operator_can_bring_back_one_write_per_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SKIP_CHECKPOINTS_ENV, "false")
    assert engine_env("team", tmp_path, None)[SKIP_CHECKPOINTS_ENV] == "false"
