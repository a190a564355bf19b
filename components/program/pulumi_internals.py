"""Every use of the Pulumi Python SDK's private names, in one module.

The SDK has no setting for what is done here; each use reaches a module attribute that its public API does not
promise. :data:`PRIVATE_NAMES` lists them all for the SDK this project pins (:data:`SDK_VERSION`, read from the
installed package), and ``tests/unit/program/test_pulumi_internals.py`` checks the list against the installed SDK
and that no other module of ``components`` reaches past the SDK's public names: an SDK upgrade that moves one
fails there, loudly, before any run. At run time every use degrades the same way: if a name is gone, nothing is
replaced (slower, never wrong).

What is here:

- :func:`speed_up_sdk`: the final wait for outputs in O(outputs) instead of O(outputs²)
  (:func:`wait_outputs_linearly`, reported upstream in ``docs/upstream-output-wait.md``), each resource class's
  property types computed once (:func:`cache_resource_types`) and the SDK's debug messages dropped instead of
  sent to the engine one blocking call at a time (:func:`drop_debug_messages`);
- :func:`declaration_frames_only`: the stack traces recorded in the state keep only the declaring frames;
- :func:`lean_declaration`: while drift declares the program under mocks, no stack traces at all and one pickle
  per provider class;
- names drift and the program read: :class:`MockMonitor` (subclassed to see each registration's URN),
  :func:`unwrap_rpc_secret`, :data:`UNKNOWN`, :func:`config_keys`.

Importing this module changes nothing in the SDK.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import os
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi._types as sdk_types
import pulumi.dynamic.dynamic as sdk_dynamic
import pulumi.log as sdk_log
import pulumi.runtime.config as sdk_config
import pulumi.runtime.resource as sdk_resource
import pulumi.runtime.rpc as sdk_rpc
import pulumi.runtime.stack as sdk_stack
from pulumi.dynamic import ResourceProvider
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import source_pb2

__all__ = [
    "PRIVATE_NAMES",
    "SDK_VERSION",
    "UNKNOWN",
    "MockMonitor",
    "cache_resource_types",
    "config_keys",
    "declaration_frames_only",
    "drop_debug_messages",
    "lean_declaration",
    "speed_up_sdk",
    "unwrap_rpc_secret",
    "wait_outputs_linearly",
]

#: The installed SDK's version (pyproject.toml pins it; tools/bootstrap.sh builds the CLI of the same version).
SDK_VERSION = importlib.metadata.version("pulumi")

#: Every private name of the SDK this project uses, as (module, attribute path): checked by a contract test.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("pulumi.runtime.stack", "asyncio"),  # wait_outputs_linearly: replaced
    ("pulumi.runtime.stack", "wait_for_rpcs"),  # wait_outputs_linearly: its source is read
    ("pulumi._types", "resource_types"),  # cache_resource_types: wrapped
    ("pulumi.runtime.resource", "_get_stack_trace"),  # declaration_frames_only: wrapped; lean_declaration: replaced
    ("pulumi.dynamic.dynamic", "serialize_provider"),  # lean_declaration: wrapped
    ("pulumi.runtime.proto.source_pb2", "StackTrace"),  # lean_declaration: an empty trace
    ("pulumi.runtime.mocks", "MockMonitor"),  # drift's declaration: subclassed
    ("pulumi.runtime.mocks", "MockMonitor.RegisterResource"),  # overridden to see the URN and aliases
    ("pulumi.runtime.mocks", "MockMonitor.make_urn"),  # overridden: the engine's URNs
    ("pulumi.runtime.rpc", "unwrap_rpc_secret"),  # drift: declared inputs without their secret wrappers
    ("pulumi.runtime.rpc", "UNKNOWN"),  # drift: the wire form of an unknown value
    ("pulumi.runtime.config", "CONFIG"),  # the program: keys set in the config namespace
    ("pulumi.runtime.config", "get_config_env"),
)

UNKNOWN: str = sdk_rpc.UNKNOWN
unwrap_rpc_secret: Callable[[Any], Any] = sdk_rpc.unwrap_rpc_secret


def config_keys() -> set[str]:
    """Every key of the program's stack config, from the environment and as set in this process."""
    return set(sdk_config.get_config_env()) | set(sdk_config.CONFIG.get())


def _source(function: Any) -> str | None:
    """A function's source, or ``None`` on an install without sources (``.pyc`` only) or for a builtin."""
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return None


# --- the final wait for outputs ---------------------------------------------------------------------------------


class _AsyncioWaitingOnce:
    """``asyncio`` as ``pulumi.runtime.stack`` sees it, except that ``wait(FIRST_COMPLETED)`` waits for all.

    More precisely, it returns at the first exception or when every task is done (``FIRST_EXCEPTION``): the
    SDK's loop then awaits what is done (re-raising the first failure, as before) and puts the rest back.
    """

    linear_output_wait = True

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(
        tasks: Iterable[Any], *, timeout: float | None = None, return_when: str = asyncio.ALL_COMPLETED
    ) -> tuple[set[Any], set[Any]]:
        if return_when == asyncio.FIRST_COMPLETED:
            return_when = asyncio.FIRST_EXCEPTION
        return await asyncio.wait(tasks, timeout=timeout, return_when=return_when)


def wait_outputs_linearly() -> None:
    """Make the SDK's final wait for outstanding outputs cost O(outputs) instead of O(outputs²).

    After the program has registered its resources, the Python SDK (3.259 to at least 3.272) waits for every
    outstanding output with ``asyncio.wait(pending, return_when=FIRST_COMPLETED)`` in a loop: each turn adds a
    callback to every pending output, returns when one of them is done, and starts again with the rest. With
    ~10 outputs per resource and ~3 resources per member that is ~9,000 outputs at 300 members, and the loop
    took about a third of the program process's CPU time in a no-change ``preview --refresh`` (py-spy). Waiting
    for all of them at once (or the first exception) gives the same result: the same outputs are awaited and
    the first failure is still raised. See ``docs/upstream-output-wait.md``.

    The SDK has no setting for this, so the ``asyncio`` name inside ``pulumi.runtime.stack`` is replaced. If a
    later SDK no longer waits that way, or its source cannot be read to tell, nothing is replaced (slower, never
    wrong). Idempotent.
    """
    current = getattr(sdk_stack, "asyncio", None)
    if not isinstance(current, types.ModuleType):
        return  # installed already, or the SDK changed
    source = _source(getattr(sdk_stack, "wait_for_rpcs", None))
    if source is None or "FIRST_COMPLETED" not in source:
        return
    setattr(sdk_stack, "asyncio", _AsyncioWaitingOnce())  # noqa: B010 (a private name of the SDK)


# --- property types once per class ------------------------------------------------------------------------------


def cache_resource_types() -> None:
    """Compute each resource class's property types once, not once per resource.

    The SDK (3.259) calls ``pulumi._types.resource_types(cls)`` for every resource it registers, which reads the
    class's annotations with ``typing.get_type_hints`` each time: about 2.7 ms per resource, ~2.5 s of a program
    with 300 members. The answer depends on the class only. Each caller gets its own copy of the dict. If a later
    SDK renames the function, nothing is replaced. Idempotent.
    """
    original = getattr(sdk_types, "resource_types", None)
    if original is None or getattr(original, "cached_per_class", False):
        return
    cache: dict[type, dict[str, type]] = {}

    def resource_types(resource_cls: type) -> dict[str, type]:
        types_of_class = cache.get(resource_cls)
        if types_of_class is None:
            types_of_class = cache[resource_cls] = original(resource_cls)
        return dict(types_of_class)

    resource_types.cached_per_class = True  # type: ignore[attr-defined]
    setattr(sdk_types, "resource_types", resource_types)  # noqa: B010 (a private module of the SDK)


# --- the SDK's debug messages -----------------------------------------------------------------------------------

#: Set (to anything) to keep the SDK's debug messages, e.g. for ``pulumi up --debug`` on a program of this project.
SDK_DEBUG_ENV = "DIRECTUS_MCP_ACCESS_SDK_DEBUG"


#: The SDK's own ``pulumi.log.debug``, as it was when this module was imported (which changes nothing).
_SDK_DEBUG = sdk_log.debug


def _no_debug_message(
    msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None
) -> None:
    """``pulumi.log.debug`` that sends nothing."""


def drop_debug_messages() -> None:
    """Drop the SDK's own debug messages instead of sending each to the engine in a blocking call.

    The SDK (3.259) logs ~5 debug lines per resource it registers (``Preparing resource``, ``Registering
    resource``, ``resource registration successful``, ...) through ``pulumi.log.debug``, and each is a
    synchronous gRPC ``Log`` call from the program's event loop to the engine, which turns it into an event. The
    engine shows debug messages only when run with ``--debug``, which this project never asks for; at 300 members
    these ~4,500 calls were about half of the event loop's time in an ``up`` from empty (py-spy). This project
    logs nothing at debug level itself. :data:`SDK_DEBUG_ENV` keeps them (and puts the SDK's function back if an
    earlier call replaced it). Idempotent.
    """
    sdk_log.debug = _SDK_DEBUG if os.environ.get(SDK_DEBUG_ENV) else _no_debug_message


def speed_up_sdk() -> None:
    """Install the speed-ups (the program's entry and :func:`components.engine.workspace.open_stack` do)."""
    wait_outputs_linearly()
    cache_resource_types()
    drop_debug_messages()


# --- stack traces in the state ----------------------------------------------------------------------------------

#: Frames of this package are the only ones kept in the stack traces recorded in the state (see below), except
#: those of the resource classes themselves (``providers/``), which say nothing about where a resource is declared.
PACKAGE_URI = Path(__file__).resolve().parent.parent.as_uri() + "/"
PROVIDERS_URI = (Path(__file__).resolve().parent.parent / "providers").as_uri() + "/"


def declaration_frames_only() -> None:
    """Record, for each resource, only the frames that declare it: this package's, outside ``providers/``.

    The Python SDK sends the whole Python stack of every resource registration to the engine, which stores it
    in the state as ``stackTrace``: with the inline program that is ~20 frames of asyncio, grpc, threading and
    SDK files, more than half of the state's bytes, and the file backend rewrites (and hashes, and backs up)
    the whole state after every step, so an ``up`` of 300 members spent most of its time on them. The trace is
    only diagnostic. What is kept (``program/member.py`` or ``program/template_access.py``, then
    ``program/entry.py``) says where each resource is declared, and ``sourcePosition`` (the first frame kept)
    points there rather than into ``providers/base.py``.

    Installed by the program's entry and by the Automation API runner before any resource is registered. The SDK
    has no setting for this (3.259), so its ``_get_stack_trace`` is wrapped; if a later SDK renames it, nothing is
    wrapped and the full traces come back (slower, never wrong). Idempotent.
    """
    original = getattr(sdk_resource, "_get_stack_trace", None)
    if original is None or getattr(original, "declaration_frames_only", False):
        return

    def declaration_frames() -> Any:
        trace = original()
        kept = [
            frame
            for frame in trace.frames
            if frame.HasField("pc")
            and frame.pc.uri.startswith(PACKAGE_URI)
            and not frame.pc.uri.startswith(PROVIDERS_URI)
        ]
        del trace.frames[:]
        trace.frames.extend(kept)
        return trace

    declaration_frames.declaration_frames_only = True  # type: ignore[attr-defined]
    sdk_resource._get_stack_trace = declaration_frames


# --- drift's declaration under mocks ----------------------------------------------------------------------------


@contextmanager
def lean_declaration() -> Iterator[None]:
    """While drift declares the program: no stack traces (only the state keeps them), one pickle per provider class.

    The SDK computes a stack trace for every registration (a third of the declaration's time at 300 members)
    and dill-pickles the provider of every dynamic resource; our providers hold no state (see
    :mod:`components.providers.base`), so one pickle per class gives the very same ``__provider`` value. Both
    are module attributes of the SDK (3.259): if a later SDK renames them, nothing is replaced (slower, never
    wrong). Both are put back on exit, also after an exception.
    """
    saved = {
        (sdk_resource, "_get_stack_trace"): getattr(sdk_resource, "_get_stack_trace", None),
        (sdk_dynamic, "serialize_provider"): getattr(sdk_dynamic, "serialize_provider", None),
    }
    pickle = saved[(sdk_dynamic, "serialize_provider")]
    pickled: dict[type, str] = {}
    lock = threading.Lock()

    def once_per_class(provider: ResourceProvider) -> str:
        if vars(provider) or pickle is None:  # a provider with state of its own: pickle it as it is
            return str(pickle(provider)) if pickle else ""
        with lock:
            if type(provider) not in pickled:
                pickled[type(provider)] = str(pickle(provider))
            return pickled[type(provider)]

    if saved[(sdk_resource, "_get_stack_trace")] is not None:
        sdk_resource._get_stack_trace = source_pb2.StackTrace
    if pickle is not None:
        sdk_dynamic.serialize_provider = once_per_class
    try:
        yield
    finally:
        for (module, name), value in saved.items():
            if value is not None:
                setattr(module, name, value)
