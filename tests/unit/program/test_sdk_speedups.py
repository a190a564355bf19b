"""The SDK speed-ups: one wait for all outstanding outputs (same results, same failures); types per class."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.runtime.stack as sdk_stack
import pytest

from components.program.pulumi_internals import cache_resource_types, wait_outputs_linearly
from tests.helpers.pulumi_mocks import run_program

OUTPUTS = 400


@pytest.fixture
def sdk_asyncio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SDK's own ``asyncio`` name for this test, whatever an earlier test installed."""
    monkeypatch.setattr(sdk_stack, "asyncio", asyncio)
    yield


#: Set by the first ``asyncio.wait`` call: the outputs below start resolving only once the SDK waits for them,
#: whatever the time the registrations took before (it varies with the machine's load).
GATES: list[asyncio.Event] = []


def count_waits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the pending tasks handed to each ``asyncio.wait`` call (all of them pass through here)."""
    sizes: list[int] = []
    original = asyncio.wait

    async def counting_wait(tasks: Any, **kwargs: Any) -> Any:
        tasks = list(tasks)
        sizes.append(len(tasks))
        for gate in GATES:
            gate.set()
        return await original(tasks, **kwargs)

    monkeypatch.setattr(asyncio, "wait", counting_wait)
    return sizes


def many_outputs(results: list[int]) -> None:
    """A program with many outputs that resolve one after another (each waits for the one before), as an
    engine's answers arrive: each records that it ran."""
    done = [asyncio.Event() for _ in range(OUTPUTS)]
    GATES[:] = [asyncio.Event()]

    async def after_previous(index: int) -> int:
        await (done[index - 1] if index else GATES[0]).wait()
        await asyncio.sleep(0)
        done[index].set()
        return index

    for index in range(OUTPUTS):
        pulumi.Output.from_input(after_previous(index)).apply(results.append)


def test_without_it_the_sdk_waits_once_per_output(sdk_asyncio: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = count_waits(monkeypatch)
    results: list[int] = []
    run_program(lambda: many_outputs(results), stack="wait")
    assert sorted(results) == list(range(OUTPUTS))
    assert len(sizes) > OUTPUTS / 4  # the quadratic shape this module removes: if the SDK fixed it, drop us
    assert sum(sizes) > OUTPUTS * 10


def test_with_it_every_output_is_awaited_in_a_few_waits(sdk_asyncio: None, monkeypatch: pytest.MonkeyPatch) -> None:
    wait_outputs_linearly()
    wait_outputs_linearly()  # idempotent
    assert getattr(sdk_stack.asyncio, "linear_output_wait", False)
    sizes = count_waits(monkeypatch)
    results: list[int] = []
    run_program(lambda: many_outputs(results), stack="wait")
    assert sorted(results) == list(range(OUTPUTS))  # every output still awaited
    assert len(sizes) <= 3, sizes  # one wait for every output (plus one per round of new ones)


def test_with_it_a_failing_output_still_fails_the_run(sdk_asyncio: None) -> None:
    wait_outputs_linearly()

    def program() -> None:
        def fail(_: int) -> int:
            raise ValueError("declared value is wrong")

        pulumi.Output.from_input(1).apply(fail)
        for index in range(50):
            pulumi.Output.from_input(index).apply(lambda value: value)

    with pytest.raises(ValueError, match="declared value is wrong"):
        run_program(program, stack="wait")


def test_resource_types_are_computed_once_per_class_and_each_caller_gets_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulumi._types as sdk_types

    calls: list[type] = []

    def sdk_resource_types(cls: type) -> dict[str, type]:
        calls.append(cls)
        return {"token": str}

    monkeypatch.setattr(sdk_types, "resource_types", sdk_resource_types)
    cache_resource_types()
    cache_resource_types()  # idempotent
    first = sdk_types.resource_types(int)
    first["changed"] = bytes
    assert sdk_types.resource_types(int) == {"token": str}
    assert sdk_types.resource_types(str) == {"token": str}
    assert calls == [int, str]


def test_with_it_of_several_failing_outputs_the_first_failure_is_raised(sdk_asyncio: None) -> None:
    """Outputs fail, one at once and others later, among many that succeed: the run fails with the first one.

    With a wait that let every task finish first, one of the later failures would usually come first (the SDK
    awaits the finished tasks in set order): ten of them make that near certain.

    The patch must be the one in force (not the SDK's own ``asyncio``, which the fixture puts back first).
    """
    wait_outputs_linearly()
    assert getattr(sdk_stack.asyncio, "linear_output_wait", False), "the test must run with the patch installed"

    def program() -> None:
        first_failed = asyncio.Event()

        async def fail_later() -> int:
            await first_failed.wait()  # strictly after the first failure, and well after it: the SDK's
            await asyncio.sleep(1.0)  # registrations run on threads, so "after" is measured in time
            raise RuntimeError("second failure")

        def fail_first(_: int) -> int:
            first_failed.set()
            raise ValueError("first failure")

        for index in range(50):
            pulumi.Output.from_input(index).apply(lambda value: value)
        for _ in range(10):
            pulumi.Output.from_input(fail_later()).apply(lambda value: value)
        pulumi.Output.from_input(1).apply(fail_first)

    with pytest.raises(ValueError, match="first failure"):
        run_program(program, stack="wait")
