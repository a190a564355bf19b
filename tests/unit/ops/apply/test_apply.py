"""The one apply path: its order of steps, the policy pack on every entrance, and nothing else calling ``up``."""

from __future__ import annotations

import argparse
import ast
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from components import cli, console
from components.engine.guarded import POLICY_PACK
from components.names import PROJECT_ROOT
from components.ops.apply import run
from components.ops.apply.run import ApplyRequest, apply


class FakeStack:
    """Records the engine calls of an apply."""

    name = "staging"

    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def preview(self, **options: Any) -> None:
        self.log.append(("preview", options))

    def up(self, **options: Any) -> Any:
        self.log.append(("up", options))
        return SimpleNamespace(summary=SimpleNamespace(resource_changes={"same": 3}), outputs={})


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    steps: list[Any] = []

    def guard(stack: Any, restore: Any) -> Any:
        steps.append(("guard", list(restore)))
        return lambda: [steps.append("remove tags") or f"restored {name}" for name in restore]

    def backup(stack: Any, folder: Path) -> Any:
        steps.append(("backup", folder))
        return SimpleNamespace(path=folder / "b.json"), ["kim"]

    monkeypatch.setattr(run, "guard_restores", guard)
    monkeypatch.setattr(run, "backup_before_up", backup)
    return steps


def test_up_runs_guard_backup_pack_preview_restore_then_up(log: list[Any], tmp_path: Path) -> None:
    said: list[str] = []
    request = ApplyRequest(restore=["kim"], backup_folder=tmp_path)
    apply(FakeStack(log), request, said.append)  # type: ignore[arg-type]
    pack = {"policy_packs": [str(POLICY_PACK)]}
    assert log == [
        ("guard", ["kim"]),
        ("backup", tmp_path),
        ("preview", {"refresh": True, "color": "never", **pack}),
        "remove tags",
        ("up", {"refresh": True, "color": "never", **pack, "on_output": None}),
    ]
    assert said[0] == f"schema access for kim: backed up schema and access first to {tmp_path / 'b.json'}"
    assert said[1] == "restored kim"
    assert said[2].startswith("pulumi up (stack staging) finished in ")
    assert said[2].endswith("s: {'same': 3}")


def test_a_targeted_apply_keeps_the_pack_and_skips_the_restore_guard(log: list[Any]) -> None:
    urn = "urn:pulumi:staging::p::t::kim-token"
    apply(FakeStack(log), ApplyRequest(target=[urn], replace=[urn], refresh=False))  # type: ignore[arg-type]
    scope = {"target": [urn], "replace": [urn]}
    pack = {"policy_packs": [str(POLICY_PACK)]}
    assert log == [
        ("preview", {"refresh": False, "color": "never", **scope, **pack}),
        ("up", {"refresh": False, "color": "never", **pack, "on_output": None, **scope}),
    ]


def test_without_the_pack_there_is_no_preview(log: list[Any]) -> None:
    apply(FakeStack(log), ApplyRequest(policy={}))  # type: ignore[arg-type]
    assert [step[0] for step in log] == ["guard", "up"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["up", "--stack", "staging"], {"restore": [], "target": [], "policy": True, "backup": True}),
        (["up", "--restore", "kim", "--no-policy-pack"], {"restore": ["kim"], "target": [], "policy": False}),
        (["local"], {"restore": [], "target": [], "policy": True, "backup": False}),
        (["rotate", "kim"], {"restore": [], "target": ["urn:token"], "policy": True, "backup": False}),
    ],
)
def test_every_entrance_applies_through_the_one_path(
    argv: list[str], expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[ApplyRequest] = []

    def fake_apply(stack: Any, request: ApplyRequest, say: Any = None) -> Any:
        applied.append(request)
        return SimpleNamespace(outputs={})

    def fake_rotate(stack: Any, member: str, replace_token: Any) -> Any:
        replace_token("urn:token")
        return SimpleNamespace(lines=lambda show_token: [])

    monkeypatch.setattr(cli, "apply", fake_apply)
    monkeypatch.setattr(cli, "open_stack", lambda *a, **k: object())
    monkeypatch.setattr(console, "open_stack", lambda *a, **k: object())
    monkeypatch.setattr(cli.local_stack, "ensure_running", lambda say, **k: SimpleNamespace(url="u", admin_token="t"))
    monkeypatch.setattr(cli.local_stack, "path_note", lambda: None)
    monkeypatch.setattr(cli, "_prechecks", lambda *a, **k: None)
    monkeypatch.setattr(cli, "refuse_past_changes", lambda stack: None)
    monkeypatch.setattr(cli.local_stack, "stack_env", lambda stack: {})
    monkeypatch.setattr(cli, "DirectusClient", lambda *a: _NullContext())
    monkeypatch.setattr(cli, "ensure_demo_collections", lambda client: [])
    monkeypatch.setattr(cli, "connection_text", lambda outputs, show_token: "")
    monkeypatch.setattr(cli, "sealed_delivery", lambda *a, **k: nullcontext())
    monkeypatch.setattr(cli, "refuse_shown_token", lambda *a: None)
    monkeypatch.setattr("components.ops.breakglass.rotate.rotate", fake_rotate)
    args: argparse.Namespace = cli.build_parser().parse_args(argv)
    assert args.handler(args) == 0
    (request,) = applied
    assert list(request.restore) == expected["restore"]
    assert list(request.target) == expected["target"]
    assert bool(request.policy) == expected["policy"]
    if "backup" in expected:
        assert (request.backup_folder is not None) == expected["backup"]


class _NullContext:
    def __enter__(self) -> object:
        return object()

    def __exit__(self, *exc: object) -> None:
        return None


def test_only_the_apply_path_calls_the_engines_up() -> None:
    """``stack.up(...)`` appears once in ``components``: in :func:`components.engine.guarded.guarded_up`."""
    callers = []
    for path in sorted((PROJECT_ROOT / "components").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "up":
                callers.append(str(path.relative_to(PROJECT_ROOT)))
    assert callers == ["components/engine/guarded.py"]


def test_the_entrances_own_step_runs_after_the_backup_and_before_the_pack(log: list[Any], tmp_path: Path) -> None:
    said: list[str] = []

    def prepare() -> str:
        log.append("prepare")
        return "recorder: log collection ready"

    apply(FakeStack(log), ApplyRequest(backup_folder=tmp_path, prepare=prepare), said.append)  # type: ignore[arg-type]
    assert [step if isinstance(step, str) else step[0] for step in log] == [
        "guard",
        "backup",
        "prepare",
        "preview",
        "up",
    ]
    assert "recorder: log collection ready" in said
