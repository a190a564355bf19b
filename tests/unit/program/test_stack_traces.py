"""The stack traces recorded in the state keep only declaring frames, once the program or the runner asks for it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi.runtime.resource as sdk_resource
import pytest
from pulumi import automation as auto
from pulumi.runtime.proto import source_pb2

from components.engine import workspace
from components.names import PROJECT_ROOT
from components.program import entry
from components.program.pulumi_internals import PACKAGE_URI, PROVIDERS_URI, declaration_frames_only
from tests.helpers.program import STACK
from tests.helpers.pulumi_mocks import Run, run_program

PROGRAM_URI = PACKAGE_URI + "program/"

IMPORT_EVERYTHING = """
import importlib, pkgutil
import asyncio
import pulumi.runtime.resource as sdk
import pulumi.runtime.stack as sdk_stack
import pulumi._types as sdk_types
types_original = sdk_types.resource_types
original = sdk._get_stack_trace
import components.providers, components.program
for package in (components.providers, components.program):
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
import components.engine.workspace
assert sdk._get_stack_trace is original, sdk._get_stack_trace
assert sdk_stack.asyncio is asyncio, sdk_stack.asyncio
assert sdk_types.resource_types is types_original, sdk_types.resource_types
"""


def test_importing_the_providers_and_the_program_leaves_the_sdk_alone() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def frame(uri: str | None) -> source_pb2.StackFrame:
    return source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=uri, line=1)) if uri else source_pb2.StackFrame()


def test_the_wrapper_keeps_declaring_frames_and_installs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def sdk_trace() -> source_pb2.StackTrace:
        calls.append(1)
        uris = [
            PROVIDERS_URI + "user.py",
            PROGRAM_URI + "member.py",
            Path(sdk_resource.__file__).as_uri(),
            None,
            PROGRAM_URI + "entry.py",
        ]
        return source_pb2.StackTrace(frames=[frame(uri) for uri in uris])

    monkeypatch.setattr(sdk_resource, "_get_stack_trace", sdk_trace)
    declaration_frames_only()
    wrapper = sdk_resource._get_stack_trace
    declaration_frames_only()
    assert sdk_resource._get_stack_trace is wrapper
    assert wrapper is not sdk_trace
    assert [f.pc.uri for f in wrapper().frames] == [PROGRAM_URI + "member.py", PROGRAM_URI + "entry.py"]
    assert len(calls) == 1  # wrapped once, not wrapped twice


def test_main_installs_it_so_recorded_traces_point_at_the_declarations(
    unwrapped_stack_traces: Callable[[], Any],
    stack_config: Callable[[dict[str, Any]], None],
    declare: Callable[..., Run],
    roster: dict[str, Any],
) -> None:
    before = {d.name: d.stack_trace for d in declare(roster).declared}
    assert before["john-user"][0].startswith(PROVIDERS_URI)  # the SDK's own: from the resource class down

    stack_config(roster)
    run = run_program(entry.main, stack=STACK)
    assert getattr(sdk_resource._get_stack_trace, "declaration_frames_only", False)
    for declared in run.declared:
        assert declared.stack_trace, declared.name
        assert all(f.startswith(PACKAGE_URI) and not f.startswith(PROVIDERS_URI) for f in declared.stack_trace)
    first = {d.name: d.stack_trace[0].rsplit(":", 1)[0] for d in run.declared}
    assert first["john-user"] == PROGRAM_URI + "member.py"
    assert first["content-role"] == PROGRAM_URI + "template_access.py"
    assert first["mcp-settings"] == PROGRAM_URI + "entry.py"


def test_open_stack_installs_it_before_the_engine_runs_the_inline_program(
    unwrapped_stack_traces: Callable[[], Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def create_or_select_stack(stack: str, **kwargs: Any) -> str:
        seen["installed"] = getattr(sdk_resource._get_stack_trace, "declaration_frames_only", False)
        return f"stack {stack}"

    monkeypatch.setattr(workspace, "pulumi_bin_dir", lambda: None)  # no Pulumi CLI needed
    monkeypatch.setattr(auto, "PulumiCommand", lambda **_: None)
    monkeypatch.setattr(auto, "create_or_select_stack", create_or_select_stack)
    env = {"PULUMI_BACKEND_URL": tmp_path.as_uri(), "PULUMI_CONFIG_PASSPHRASE": "unit-test"}
    stack: Any = workspace.open_stack(STACK, program=lambda: None, work_dir=tmp_path, env=env)
    assert stack == f"stack {STACK}"
    assert seen == {"installed": True}
