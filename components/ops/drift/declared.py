"""What the program declares, from the program's own code, without the engine: ``build`` under Pulumi's mocks.

:func:`declare` runs :func:`components.program.entry.build` in this process with ``pulumi.runtime.set_mocks`` in
preview mode. Each registration reaches an ``answer`` callback with the resource's URN (as the engine names it),
type and inputs; the callback returns the id and outputs the engine would hand back in a preview: for a resource
that stays (same or update) its id from the state, for one that would be created or replaced no id, which the
SDK then treats as unknown. So downstream inputs (a user's ``role``, a policy's ``linked_to``) resolve exactly as
in a real preview: to the real ids, or to unknown values behind a planned create. Inputs reach the callback with
unknown values as :class:`pulumi.output.Unknown` (the providers' ``is_unknown`` knows both forms).

The callback runs on the SDK's executor threads, possibly several at once: it must be thread-safe. An exception
in it does not escape through the SDK (it would only fail the resource's outputs): it is kept and raised by
:func:`declare` once the program has run.

Two costs of a registration serve only the engine, and are cut while :func:`declare` runs (see
:func:`components.program.pulumi_internals.lean_declaration`): the stack trace the SDK records for the state, and
pickling the same stateless provider once per resource.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from components.model.role_templates import RoleSpec
from components.model.stack_config import StackConfig
from components.names import PROJECT_NAME
from components.program.entry import build
from components.program.pulumi_internals import MockMonitor, lean_declaration, unwrap_rpc_secret

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One resource the program registers, as a preview's engine receives it."""

    urn: str
    type: str
    name: str
    custom: bool
    #: Declared inputs, secrets unwrapped; ``None`` inputs are not sent (absent), unknown ones are ``Unknown``.
    inputs: dict[str, Any]
    #: URNs the resource was known by before (its ``aliases``), where the state may still hold it.
    alias_urns: tuple[str, ...] = ()


#: Returns the (id, outputs) of a registration; id ``""`` means "not known in this preview".
Answer = Callable[[Registration], tuple[str, dict[str, Any]]]


def urn_of(stack: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's type is prefixed, unless the parent is the stack."""
    if parent:
        qualified = parent.split("::")[2]
        if qualified != STACK_TYPE:
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{PROJECT_NAME}::{type_}::{name}"


def _alias_urns(stack: str, request: Any) -> tuple[str, ...]:
    """URNs of the aliases that rename or retype the resource in place (the only kind this program declares)."""
    urns = []
    for alias in request.aliases:
        if alias.HasField("spec"):
            spec = alias.spec
            urns.append(urn_of(stack, request.parent, spec.type or request.type, spec.name or request.name))
        elif alias.urn:
            urns.append(alias.urn)
    return tuple(urns)


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, monitor: _AnsweringMonitor) -> None:
        self._monitor = monitor

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return self._monitor.answer_current(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _AnsweringMonitor(MockMonitor):
    """The SDK's mock monitor, with engine URNs, and each registration handed to ``answer``."""

    def __init__(self, stack: str, answer: Answer) -> None:
        super().__init__(_Mocks(self))
        self._stack = stack
        self._answer = answer
        self._current = threading.local()
        self.errors: list[BaseException] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return urn_of(self._stack, parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        if request.type != STACK_TYPE:
            self._current.urn = self.make_urn(request.parent, request.type, request.name)
            self._current.aliases = _alias_urns(self._stack, request)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def answer_current(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        registration = Registration(
            urn=self._current.urn,
            type=args.typ,
            name=args.name,
            custom=bool(args.custom),
            inputs={key: unwrap_rpc_secret(value) for key, value in args.inputs.items()},
            alias_urns=self._current.aliases,
        )
        try:
            return self._answer(registration)
        except BaseException as exc:  # kept for declare(): the SDK would only fail this resource's outputs
            self.errors.append(exc)
            return "", {}


def declare(config: StackConfig, specs: dict[str, RoleSpec], stack: str, answer: Answer) -> None:
    """Run the program's :func:`build` in preview mode, answering every registration with ``answer``.

    ``specs`` come from :func:`components.program.entry.checked_specs` (the program's own checks). The Pulumi
    runtime's globals are reset afterwards, so an engine run later in this process starts clean.
    """
    monitor = _AnsweringMonitor(stack, answer)
    pulumi.runtime.reset_options(project=PROJECT_NAME, stack=stack, preview=True)  # a new root stack resource
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT_NAME, stack=stack, preview=True, monitor=monitor)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        build(config, specs, stack)

    try:
        with lean_declaration():
            program()
    finally:
        pulumi.runtime.reset_options()
    if monitor.errors:
        raise monitor.errors[0]
