"""``drift``'s in-process plan: what ``pulumi preview --refresh`` would plan, without the engine.

The engine's refreshed preview starts the CLI, the Python program and the dynamic-provider process, and sends
every check, read and diff through gRPC. Here the same steps run in this process, with the same code:

1. **Refresh**: every dynamic resource of the state (read once, :mod:`components.ops.drift.state`) is read by its
   own provider's ``read`` (the class the state pickles, configured with the stack config like the engine's
   provider process), on one shared :class:`~components.directus.snapshot.Snapshot`: one listing per kind, and one
   probe per token. The reads run on a bounded thread pool (:data:`READ_CONCURRENCY_ENV`, default
   :data:`DEFAULT_READ_CONCURRENCY`), so token probes stay within what Directus's rate limiter allows, and
   while the program declares: a resource's plan waits for its own read only.
2. **Declare**: the program's ``build`` runs under mocks (:mod:`components.ops.drift.declared`). Each dynamic
   resource is checked (``check``) and diffed (``diff``, refreshed outputs against checked inputs) by its provider
   as it registers, and classified with the engine's rules (``step_generator.go`` of Pulumi 3.259, for providers
   that report no detailed diff, as ours):

   - not in the refreshed state (never applied, or deleted out of band): ``create``; its id is unknown downstream;
   - ``changes`` with ``replaces``: a replacement, ``create-replacement`` + ``replace`` (+ ``delete-replaced`` at
     the end), or, when the provider asks for delete-before-replace, ``delete-replaced`` + ``replace`` +
     ``create-replacement``; its id is unknown downstream;
   - ``changes`` without ``replaces``: ``update``; its id stays known, its outputs do not (a preview does not
     run the provider's ``update``);
   - no changes: ``same``, with the refreshed id and outputs; ``changes`` unknown (``None``): the engine's own
     comparison of old and new inputs decides.

   The diffs reported are none, as the dynamic provider reports none.
3. **Delete**: what the refreshed state still holds but nothing declared (and any condemned resource an
   interrupted replacement left) is a ``delete``.

A check failure stops the plan, naming the resource, the property and the reason, as the engine's preview would.
The wording of the steps is :mod:`components.ops.drift.wording`'s, shared with the engine path; an e2e test holds
both paths to the same findings on the drift matrix.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckResult, Config, ConfigureRequest, ResourceProvider
from pulumi.output import Unknown

from components.directus.client import DirectusClient
from components.directus.provisioning import connection_from, snapshot_for
from components.directus.version import ServerInfo
from components.errors import McpAccessError
from components.kinds import kind_named
from components.model.role_templates import TEMPLATE_DIR
from components.model.stack_config import StackConfig
from components.names import DYNAMIC_PREFIX, PROJECT_NAME, kind_of_type
from components.ops.drift.declared import Registration, declare
from components.ops.drift.state import StackState, StateResource, masked
from components.ops.drift.wording import PlannedStep
from components.program.entry import checked_specs
from components.program.pulumi_internals import UNKNOWN

#: At most this many reads (each token's probe is one request) run at once; lower it with the variable below
#: when Directus's rate limiter (``RATE_LIMITER_*``) is set tighter than that.
DEFAULT_READ_CONCURRENCY = 8
READ_CONCURRENCY_ENV = "DIRECTUS_MCP_ACCESS_READ_CONCURRENCY"
PROVIDER_KEY = "__provider"


class PlanError(McpAccessError):
    """The program's declarations fail their providers' checks (what the engine's preview would refuse)."""


def read_concurrency() -> int:
    value = os.environ.get(READ_CONCURRENCY_ENV)
    if not value:
        return DEFAULT_READ_CONCURRENCY
    try:
        limit = int(value)
    except ValueError:
        raise PlanError(f"{READ_CONCURRENCY_ENV}={value!r} is not a whole number of concurrent reads") from None
    if not 1 <= limit <= 64:
        raise PlanError(f"{READ_CONCURRENCY_ENV}={value!r} must be between 1 and 64")
    return limit


def is_dynamic(type_: str) -> bool:
    """One of this project's typed dynamic resources (a state with untyped ones goes through the engine)."""
    return type_.startswith(DYNAMIC_PREFIX)


class Providers:
    """One configured provider per class, as the engine's provider process holds one per pickled provider.

    The class comes from :mod:`components.kinds` (``provider_path``: the path the state pickles, so the same class).
    """

    def __init__(self, config_values: Mapping[str, Any]) -> None:
        self._config = dict(config_values)
        self._by_class: dict[type[ResourceProvider], ResourceProvider] = {}
        self._lock = threading.Lock()

    def _configured(self, cls: type[ResourceProvider]) -> ResourceProvider:
        with self._lock:
            provider = self._by_class.get(cls)
            if provider is None:
                provider = cls()
                provider.configure(ConfigureRequest(Config(raw_config=self._config, project_name=PROJECT_NAME)))
                self._by_class[cls] = provider
            return provider

    def for_type(self, type_: str) -> ResourceProvider:
        kind = kind_named(kind_of_type(type_))
        if kind is None:
            raise PlanError(f"resources of type {type_!r} have no provider in this version of the project")
        module, _, name = kind.provider_path.rpartition(".")
        return self._configured(getattr(importlib.import_module(module), name))


@dataclass(frozen=True)
class Refreshed:
    """A resource of the state after its provider's ``read`` (the engine's refresh step)."""

    resource: StateResource
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    def __repr__(self) -> str:  # the outputs hold the token: never show values
        return f"Refreshed(urn={self.resource.urn!r}, id={self.id!r})"


def _without_nones(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the engine keeps of a map a provider returns: top-level ``None`` values are not sent."""
    return {key: value for key, value in values.items() if value is not None}


def refresh(state: StackState, providers: Providers, pool: ThreadPoolExecutor) -> dict[str, Future[Refreshed | None]]:
    """Start reading every dynamic resource of the state on ``pool``; by URN, each read's result.

    A result of ``None`` is a resource deleted out of band (the refresh drops it from the state). The reads run
    while the program declares (Directus answers the probes while this process runs the program): the plan waits
    for a resource's read only when that resource registers.
    """

    def read(resource: StateResource) -> Refreshed | None:
        provider = providers.for_type(resource.type)
        result = provider.read(resource.id, dict(resource.outputs))
        if not result.id:
            return None
        inputs = dict(result.inputs) if result.inputs is not None else dict(resource.inputs)
        return Refreshed(resource, str(result.id), inputs, _without_nones(result.outs or {}))

    return {r.urn: pool.submit(read, r) for r in state.resources if r.custom and is_dynamic(r.type)}


def _shown(value: Any) -> Any:
    """An input as the engine's events show it: an unknown value is the SDK's sentinel string."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value


def _declared(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _shown(value) for key, value in inputs.items() if key != PROVIDER_KEY}


def _live(refreshed: Refreshed) -> dict[str, Any]:
    outputs = {key: value for key, value in refreshed.outputs.items() if key != PROVIDER_KEY}
    return masked(outputs, refreshed.resource.secret_outputs)


class Planner:
    """Answers the program's registrations (the ``answer`` of :func:`declare`) and records the planned steps."""

    def __init__(self, state: StackState, reads: Mapping[str, Future[Refreshed | None]], providers: Providers) -> None:
        condemned = {r.urn for r in state.resources if r.delete}
        self._reads = {urn: read for urn, read in reads.items() if urn not in condemned}
        self._condemned_reads = [read for urn, read in reads.items() if urn in condemned]
        self._providers = providers
        self._lock = threading.Lock()
        self.steps: list[PlannedStep] = []
        self._late: list[PlannedStep] = []  # a replacement's deletes come after every create and update
        self._matched: set[str] = set()
        self.failures: list[str] = []

    def _refreshed(self, *urns: str) -> Refreshed | None:
        """The refreshed state of the first of ``urns`` the state holds (``None``: not in it, or deleted)."""
        for urn in urns:
            if urn in self._reads:
                return self._reads[urn].result()
        return None

    def _add(self, *steps: PlannedStep, late: Iterable[PlannedStep] = ()) -> None:
        with self._lock:
            self.steps.extend(steps)
            self._late.extend(late)

    def _checked(self, registration: Registration, olds: Mapping[str, Any]) -> dict[str, Any]:
        provider = self._providers.for_type(registration.type)
        result: CheckResult = provider.check(dict(olds), dict(registration.inputs))
        if result.failures:
            with self._lock:
                self.failures += [f"{registration.name}: {f.property}: {f.reason}" for f in result.failures]
        inputs = dict(result.inputs)
        inputs[PROVIDER_KEY] = registration.inputs.get(PROVIDER_KEY)
        return inputs

    def answer(self, registration: Registration) -> tuple[str, dict[str, Any]]:
        if not (registration.custom and is_dynamic(registration.type)):
            return "", {}  # components: no id, no outputs the program reads
        urn, type_ = registration.urn, registration.type
        old = self._refreshed(urn, *registration.alias_urns)
        if old is None:
            inputs = self._checked(registration, {})
            self._add(PlannedStep(urn, type_, "create", None, _declared(inputs)))
            return "", {}
        with self._lock:
            self._matched.add(old.resource.urn)
        inputs = self._checked(registration, old.inputs)
        provider = self._providers.for_type(type_)
        diff = provider.diff(old.id, dict(old.outputs), inputs)
        changes = diff.changes if diff.changes is not None else _without_nones(old.inputs) != _without_nones(inputs)
        live, declared = _live(old), _declared(inputs)
        if changes and diff.replaces:
            ops: tuple[str, ...] = ("create-replacement", "replace")
            late = [PlannedStep(urn, type_, "delete-replaced", live, None)]
            if diff.delete_before_replace:
                ops, late = ("delete-replaced", "replace", "create-replacement"), []
            self._add(*(PlannedStep(urn, type_, op, live, declared) for op in ops), late=late)
            return "", {}
        if changes:
            self._add(PlannedStep(urn, type_, "update", live, declared))
            return old.id, {}
        self._add(PlannedStep(urn, type_, "same", live, declared))
        return old.id, _live(old)

    def finish(self, state: StackState) -> list[PlannedStep]:
        """The steps in the engine's order: creates and updates, then replacements' deletes, then deletes."""
        if self.failures:
            raise PlanError(
                f"stack {state.stack!r}: the declarations fail their checks (the engine's preview would fail):\n  "
                + "\n  ".join(sorted(self.failures))
            )
        undeclared = [read for urn, read in self._reads.items() if urn not in self._matched]
        live = [r for r in (read.result() for read in [*self._condemned_reads, *undeclared]) if r is not None]
        deletes = [PlannedStep(r.resource.urn, r.resource.type, "delete", _live(r), None) for r in live]
        return [*self.steps, *self._late, *deletes]


@dataclass
class Replay:
    """The program's registrations in the last plan, each with the id it was answered: later plans of the same
    state and config (``mcp-access watch``'s checks) answer these again instead of running the program again.

    Why that is the same plan: the program is a function of the config, the templates' specs and the answers it
    gets, and it passes only resource *ids* from one resource to another (a user's id to its token, a role's id
    to its access link; outputs such as ``token`` go only to the stack's outputs). So while the specs are equal
    and every registration is answered the same id (``""`` for a resource to create or replace), the program
    would register the same resources with the same inputs. An answer with another id ends the replay, unless
    that id is found in no registration's inputs (a token to replace: nothing takes a token's id), and the
    program runs (and is recorded) again. Running the program under Pulumi's mocks is most of a check's time
    at hundreds of members (its ``Output`` machinery, about 4 resources per member); answering is a ``check`` and
    a ``diff`` per resource.
    """

    specs: dict[str, Any] | None = None
    calls: list[tuple[Registration, str]] = field(default_factory=list)
    #: How the last plan was made: ``"replayed"`` or ``"run"`` (the watch's ``--log-checks`` says it).
    last: str = ""
    #: Every string the registrations' inputs hold, one per line: where an id could have been passed.
    _passed: str = ""

    def record(self, specs: dict[str, Any], calls: list[tuple[Registration, str]]) -> None:
        self.specs, self.calls, self.last = specs, calls, "run"
        self._passed = "\n".join(text for registration, _ in calls for text in _strings(registration.inputs))

    def answer_again(self, planner: Planner) -> bool:
        """Answer every recorded registration again; ``False`` at the first one answered another id that another
        registration may have been given (a token to replace changes only its own id: no resource takes it)."""
        for registration, id_ in self.calls:
            answered, _ = planner.answer(registration)
            if answered != id_ and (not id_ or id_ in self._passed):
                return False
        return True


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def planned_steps(
    state: StackState,
    config: StackConfig,
    config_values: Mapping[str, Any],
    client: DirectusClient,
    info: ServerInfo,
    template_dir: Path = TEMPLATE_DIR,
    replay: Replay | None = None,
) -> list[PlannedStep]:
    """What a refreshed preview of the stack would plan, computed in this process (see the module's text).

    ``template_dir``: the role templates of the stack's project (as the program reads them). ``replay``: the
    registrations of an earlier plan of the same state and config, replayed when they still hold (:class:`Replay`)
    and recorded otherwise.
    """
    snapshot_for(connection_from(config_values.get)).clear()  # listings from an earlier run in this process are old
    specs = checked_specs(config, state.stack, client, info, template_dir)
    providers = Providers(config_values)
    with ThreadPoolExecutor(max_workers=read_concurrency(), thread_name_prefix="drift-read") as pool:
        reads = refresh(state, providers, pool)
        if replay is not None and replay.calls and replay.specs == specs:
            planner = Planner(state, reads, providers)
            if replay.answer_again(planner):
                replay.last = "replayed"
                return planner.finish(state)
        planner = Planner(state, reads, providers)
        calls: list[tuple[Registration, str]] = []
        lock = threading.Lock()

        def answer(registration: Registration) -> tuple[str, dict[str, Any]]:
            answered = planner.answer(registration)
            with lock:
                calls.append((registration, answered[0]))
            return answered

        declare(config, specs, state.stack, answer)
        steps = planner.finish(state)
        if replay is not None:
            replay.record(specs, calls)
        return steps
