"""Run Pulumi declarations under ``pulumi.runtime.set_mocks`` and record what they declare.

No engine, no CLI, no Directus: the mock monitor answers every registration. :func:`run_program` installs fresh
mocks, runs a declaring function inside ``@pulumi.runtime.test`` and returns every registered resource (its
type, name, inputs, outputs, parent and the options the engine would see) and the stack's exports, resolved,
with their secretness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from components.kinds import STATIC_TOKEN
from components.names import PROJECT_NAME

#: The moment the mocked StaticToken provider "issues" every token.
ISSUED_AT = datetime(2030, 1, 1, tzinfo=UTC)


def token_value(user_id: str) -> str:
    """The token the mock hands out for ``user_id``."""
    return f"mock-token-for-{user_id}"


def rotation_due(days: int) -> str:
    return (ISSUED_AT + timedelta(days=days)).isoformat(timespec="seconds")


class DirectusMocks(pulumi.runtime.Mocks):
    """Ids name the resource (``<type>::<name>``); outputs echo the inputs, plus what a StaticToken generates."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == STATIC_TOKEN.type:
            days = int(args.inputs["rotate_after_days"])
            outputs.update(
                token=token_value(args.inputs["user_id"]),
                issued_at=ISSUED_AT.isoformat(timespec="seconds"),
                rotation_due=rotation_due(days),
                status="valid",
            )
        return f"{args.typ}::{args.name}", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@dataclass(frozen=True)
class Declared:
    """One ``RegisterResource`` request as the engine would receive it, and the mock's answer."""

    type: str
    name: str
    urn: str
    id: str
    custom: bool
    #: Inputs with secrets unwrapped (see ``secret_inputs``); ``None`` values are not sent, so are absent.
    inputs: dict[str, Any]
    secret_inputs: tuple[str, ...]
    outputs: dict[str, Any]
    #: URN of the parent resource (the stack's own URN for top-level resources).
    parent: str
    dependencies: tuple[str, ...]
    additional_secret_outputs: tuple[str, ...]
    #: Alias types (``pulumi.Alias(type_=...)``) the resource declares.
    alias_types: tuple[str, ...]
    #: ``file://...:line`` of each frame of the recorded stack trace, innermost first.
    stack_trace: tuple[str, ...]


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.declared: list[Declared] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            registration = self.resources[response.urn]
            sent = rpc.deserialize_properties(request.object)
            self.declared.append(
                Declared(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    id=registration.id,
                    custom=request.custom,
                    inputs={key: rpc.unwrap_rpc_secret(value) for key, value in sent.items()},
                    secret_inputs=tuple(sorted(key for key, value in sent.items() if rpc.is_rpc_secret(value))),
                    outputs=dict(registration.state),
                    parent=request.parent,
                    dependencies=tuple(request.dependencies),
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    alias_types=tuple(a.spec.type for a in request.aliases if a.HasField("spec")),
                    stack_trace=tuple(f"{f.pc.uri}:{f.pc.line}" for f in request.stackTrace.frames),
                )
            )
        return response


@dataclass(frozen=True)
class Exported:
    value: Any
    secret: bool


@dataclass(frozen=True)
class Run:
    declared: list[Declared]
    exports: dict[str, Exported]

    def of_type(self, type_: str) -> list[Declared]:
        return [d for d in self.declared if d.type == type_]

    def named(self, name: str) -> Declared:
        (found,) = [d for d in self.declared if d.name == name]
        return found

    def children_of(self, parent: Declared) -> list[Declared]:
        return [d for d in self.declared if d.parent == parent.urn]


def run_program(program: Callable[[], object], *, stack: str) -> Run:
    """Run ``program`` (which declares resources and exports) under fresh mocks; wait for every registration."""
    pulumi.runtime.reset_options(project=PROJECT_NAME, stack=stack)  # a new root Stack: no exports carried over
    mocks = DirectusMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT_NAME, stack=stack, preview=False, monitor=monitor)
    exports: dict[str, Exported] = {}

    async def resolve_exports() -> None:
        root = pulumi.runtime.get_root_resource()
        for name, value in getattr(root, "outputs", {}).items():
            output = pulumi.Output.from_input(value)
            exports[name] = Exported(await output.future(), await output.is_secret())

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def declare() -> Any:
        program()
        return resolve_exports()

    declare()
    return Run(declared=list(monitor.declared), exports=exports)
