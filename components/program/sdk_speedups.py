"""Two costs of the Python SDK that grow faster than the program needs: its final wait, its type lookups.

:func:`speed_up_sdk` installs both, next to :func:`components.program.stack_traces.declaration_frames_only`
(in the program's entry and in :func:`components.engine.workspace.open_stack`); importing changes nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Iterable
from typing import Any

import pulumi._types as sdk_types
import pulumi.runtime.stack as sdk_stack


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
    the first failure is still raised.

    The SDK has no setting for this, so the ``asyncio`` name inside ``pulumi.runtime.stack`` is replaced. If a
    later SDK no longer waits that way, nothing is replaced (slower, never wrong). Idempotent.
    """
    current = getattr(sdk_stack, "asyncio", None)
    if not isinstance(current, types.ModuleType):
        return  # installed already, or the SDK changed
    if "FIRST_COMPLETED" not in inspect.getsource(sdk_stack.wait_for_rpcs):
        return
    setattr(sdk_stack, "asyncio", _AsyncioWaitingOnce())  # noqa: B010 (a private name of the SDK)


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


def speed_up_sdk() -> None:
    """Install both; importing this module changes nothing."""
    wait_outputs_linearly()
    cache_resource_types()
