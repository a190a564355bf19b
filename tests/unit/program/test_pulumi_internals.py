"""The contract with the Pulumi SDK's private names: which ones, for which SDK, used from one module only.

When an SDK upgrade moves a name, :func:`test_every_private_name_resolves_in_the_installed_sdk` says which; when
the pin changes, :func:`test_the_list_was_reviewed_for_the_pinned_sdk` asks for the list to be read again.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import threading
import tomllib
from pathlib import Path
from typing import Any

import pulumi.dynamic.dynamic as sdk_dynamic
import pulumi.log as sdk_log
import pulumi.runtime
import pulumi.runtime.resource as sdk_resource
import pulumi.runtime.stack as sdk_stack
import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.runtime.proto import engine_pb2, source_pb2

from components.names import PROJECT_ROOT
from components.program import pulumi_internals
from components.program.pulumi_internals import PRIVATE_NAMES, SDK_VERSION, lean_declaration, wait_outputs_linearly

#: The SDK the list below was read against, and the list itself (module, attribute path).
REVIEWED_FOR = "3.259.0"
EXPECTED = {
    ("pulumi.runtime.stack", "asyncio"),
    ("pulumi.runtime.stack", "wait_for_rpcs"),
    ("pulumi._types", "resource_types"),
    ("pulumi.runtime.resource", "_get_stack_trace"),
    ("pulumi.dynamic.dynamic", "serialize_provider"),
    ("pulumi.runtime.proto.source_pb2", "StackTrace"),
    ("pulumi.runtime.mocks", "MockMonitor"),
    ("pulumi.runtime.mocks", "MockMonitor.RegisterResource"),
    ("pulumi.runtime.mocks", "MockMonitor.make_urn"),
    ("pulumi.runtime.rpc", "unwrap_rpc_secret"),
    ("pulumi.runtime.rpc", "UNKNOWN"),
    ("pulumi.runtime.config", "CONFIG"),
    ("pulumi.runtime.config", "get_config_env"),
}

#: What the rest of ``components`` may import from the SDK: its public modules and names.
PUBLIC_MODULES = {"pulumi", "pulumi.automation", "pulumi.dynamic", "pulumi.output", "pulumi.runtime"}
PUBLIC_RUNTIME = set(pulumi.runtime.__all__) - {"rpc"}  # rpc is a module of internals, listed for convenience
PUBLIC_OUTPUT = {"Output", "Unknown"}  # Unknown: what an output holds before a preview knows it
INTERNALS = PROJECT_ROOT / "components" / "program" / "pulumi_internals.py"


def _pinned_sdk() -> str:
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("pulumi==")]
    return str(pin.removeprefix("pulumi=="))


def test_the_sdk_version_is_read_from_the_installed_package_and_is_the_pinned_one() -> None:
    assert _pinned_sdk() == SDK_VERSION


def test_the_list_was_reviewed_for_the_pinned_sdk() -> None:
    assert _pinned_sdk() == REVIEWED_FOR, (
        f"the pinned SDK is {_pinned_sdk()}: check each entry of PRIVATE_NAMES in components/program/"
        f"pulumi_internals.py against its sources (and the loop of docs/upstream-output-wait.md), then set REVIEWED_FOR"
    )
    assert set(PRIVATE_NAMES) == EXPECTED
    assert len(PRIVATE_NAMES) == len(EXPECTED)


@pytest.mark.parametrize(("module", "path"), sorted(EXPECTED))
def test_every_private_name_resolves_in_the_installed_sdk(module: str, path: str) -> None:
    value: Any = importlib.import_module(module)
    for part in path.split("."):
        assert hasattr(value, part), f"{module}.{path}: the installed SDK ({SDK_VERSION}) has no {part!r}"
        value = getattr(value, part)


def test_the_output_wait_still_has_the_shape_the_speed_up_replaces() -> None:
    source = inspect.getsource(sdk_stack.wait_for_rpcs)
    assert "asyncio.wait(" in source
    assert "FIRST_COMPLETED" in source


def _private_uses(path: Path) -> list[str]:
    """Imports and attribute chains of ``path`` that reach past the SDK's public names."""
    found = []
    inner: set[int] = set()  # ``a.b`` inside ``a.b.c``: the chain is reported once, whole
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("pulumi.") and a.name not in PUBLIC_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pulumi":
            if node.module not in PUBLIC_MODULES:
                found.append(node.module)
                continue
            for alias in node.names:
                name = alias.name
                if (
                    name.startswith("_")
                    or (node.module == "pulumi.runtime" and name not in PUBLIC_RUNTIME)
                    or (node.module == "pulumi.output" and name not in PUBLIC_OUTPUT)
                ):
                    found.append(f"{node.module}.{name}")
        elif isinstance(node, ast.Attribute):
            skip = id(node) in inner
            inner.add(id(node.value))
            if skip:
                continue
            chain = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                chain.insert(0, current.attr)
                current = current.value
            private = any(part.startswith("_") for part in chain) or (
                chain[0] == "runtime" and len(chain) > 1 and chain[1] not in PUBLIC_RUNTIME
            )
            if isinstance(current, ast.Name) and current.id == "pulumi" and private:
                found.append("pulumi." + ".".join(chain))
    return found


def test_no_other_module_reaches_past_the_sdks_public_names() -> None:
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): uses
        for path in sorted((PROJECT_ROOT / "components").rglob("*.py"))
        if path != INTERNALS and (uses := _private_uses(path))
    }
    assert offenders == {}


def test_the_scan_sees_a_private_use(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import pulumi\nimport pulumi.runtime.stack as s\nfrom pulumi.runtime import rpc\n"
        "from pulumi.runtime.config import CONFIG\nx = pulumi.runtime.config.CONFIG.get\ny = pulumi._types\n"
    )
    assert _private_uses(module) == [
        "pulumi.runtime.stack",
        "pulumi.runtime.rpc",
        "pulumi.runtime.config",
        "pulumi.runtime.config.CONFIG.get",
        "pulumi._types",
    ]


def test_without_the_sdks_sources_the_output_wait_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """An install of ``.pyc`` files only: ``inspect.getsource`` raises, and nothing is replaced (nor raised)."""
    import asyncio

    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)

    def no_source(_function: Any) -> str:
        raise OSError("could not get source code")

    monkeypatch.setattr(pulumi_internals.inspect, "getsource", no_source)
    wait_outputs_linearly()
    assert sdk_stack.asyncio is asyncio


class _Stateless(ResourceProvider):
    pass


class _WithState(ResourceProvider):
    def __init__(self, value: str) -> None:
        self.value = value


@pytest.fixture
def counted_pickle(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The SDK's provider pickling, counting its calls (what ``lean_declaration`` saves and puts back)."""
    calls: list[object] = []

    def serialize_provider(provider: ResourceProvider) -> str:
        calls.append(provider)
        return f"pickled {type(provider).__name__} {vars(provider)}"

    monkeypatch.setattr(sdk_dynamic, "serialize_provider", serialize_provider)
    return calls


def test_lean_declaration_pickles_a_stateless_provider_once_per_class(counted_pickle: list[object]) -> None:
    with lean_declaration():
        first = sdk_dynamic.serialize_provider(_Stateless())
        again = [sdk_dynamic.serialize_provider(_Stateless()) for _ in range(5)]
    assert again == [first] * 5
    assert len(counted_pickle) == 1


def test_lean_declaration_pickles_a_provider_with_state_every_time(counted_pickle: list[object]) -> None:
    with lean_declaration():
        pickled = [sdk_dynamic.serialize_provider(_WithState(v)) for v in ("a", "b", "a")]
    assert pickled == [f"pickled _WithState {{'value': {v!r}}}" for v in ("a", "b", "a")]
    assert len(counted_pickle) == 3


def test_lean_declaration_is_thread_safe(counted_pickle: list[object]) -> None:
    results: list[str] = []
    with lean_declaration():
        threads = [
            threading.Thread(target=lambda: results.append(sdk_dynamic.serialize_provider(_Stateless())))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(results)) == 1
    assert len(counted_pickle) == 1


def test_lean_declaration_records_no_stack_trace_and_puts_everything_back(
    counted_pickle: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def sdk_trace() -> source_pb2.StackTrace:
        return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri="x", line=1))])

    monkeypatch.setattr(sdk_resource, "_get_stack_trace", sdk_trace)
    pickle = sdk_dynamic.serialize_provider
    with pytest.raises(RuntimeError), lean_declaration():
        assert list(sdk_resource._get_stack_trace().frames) == []
        raise RuntimeError("the program failed")
    assert sdk_resource._get_stack_trace is sdk_trace
    assert sdk_dynamic.serialize_provider is pickle


class _CountingEngine:
    """An engine stub that records the severity of each ``Log`` call it gets."""

    def __init__(self) -> None:
        self.severities: list[int] = []

    def Log(self, request: Any) -> None:  # noqa: N802 (the gRPC method's name)
        self.severities.append(request.severity)


def test_the_sdks_debug_messages_no_longer_reach_the_engine_and_warnings_still_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = _CountingEngine()
    monkeypatch.setattr(sdk_log, "get_engine", lambda: engine)
    monkeypatch.setattr(sdk_log, "debug", sdk_log.debug)  # put back whatever was there after the test
    monkeypatch.delenv(pulumi_internals.SDK_DEBUG_ENV, raising=False)
    pulumi_internals.drop_debug_messages()
    sdk_log.debug("Registering resource: t=directus:User, name=john-user")
    sdk_log.warn("a warning")
    assert engine.severities == [engine_pb2.WARNING]


def test_the_sdks_debug_messages_are_kept_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _CountingEngine()
    monkeypatch.setattr(sdk_log, "get_engine", lambda: engine)
    monkeypatch.setattr(sdk_log, "debug", sdk_log.debug)  # put back whatever was there after the test
    monkeypatch.delenv(pulumi_internals.SDK_DEBUG_ENV, raising=False)
    pulumi_internals.drop_debug_messages()  # as an earlier command in the same process would have
    monkeypatch.setenv(pulumi_internals.SDK_DEBUG_ENV, "1")
    pulumi_internals.drop_debug_messages()
    sdk_log.debug("Registering resource: t=directus:User, name=john-user")
    assert engine.severities == [engine_pb2.DEBUG]
