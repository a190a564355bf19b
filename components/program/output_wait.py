"""Wait for a program's outstanding outputs in time that grows with their number, not with its square.

Installed next to :func:`components.program.stack_traces.declaration_frames_only` (by the program's entry and by
:func:`components.engine.workspace.open_stack`); importing this module changes nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Iterable
from typing import Any

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
