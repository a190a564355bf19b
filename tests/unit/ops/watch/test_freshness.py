"""Whether the watch must re-read the state: a ``file://`` backend's state and config files tell; others cannot."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from components.ops.watch.freshness import fingerprint


def fake_stack(work_dir: Path, backend: str) -> SimpleNamespace:
    workspace = SimpleNamespace(work_dir=str(work_dir), env_vars={"PULUMI_BACKEND_URL": backend})
    return SimpleNamespace(name="team", workspace=workspace)


def test_a_file_backend_s_state_or_config_changing_changes_the_fingerprint(tmp_path: Path) -> None:
    state = tmp_path / "state" / ".pulumi" / "stacks" / "directus-mcp-access" / "team.json"
    state.parent.mkdir(parents=True)
    state.write_text("{}")
    config = tmp_path / "project" / "stacks" / "Pulumi.team.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("config: {}\n")
    stack = fake_stack(tmp_path / "project", (tmp_path / "state").as_uri())
    first = fingerprint(stack)
    assert first is not None and len(first) == 2
    assert fingerprint(stack) == first
    state.write_text('{"resources": []}')
    second = fingerprint(stack)
    assert second != first
    os.utime(config, ns=(1, 1))
    assert fingerprint(stack) != second


def test_another_backend_or_no_state_yet_is_unknown(tmp_path: Path) -> None:
    assert fingerprint(fake_stack(tmp_path, "postgres://user:pw@db/state")) is None
    assert fingerprint(fake_stack(tmp_path, (tmp_path / "empty").as_uri())) is None
