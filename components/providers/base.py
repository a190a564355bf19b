"""Shared behaviour of the dynamic providers.

Each provider instance is pickled (by reference to its class) into the ``__provider`` input of its
resources, so it must hold no client, lock or credential: the client is built inside the provider process
from the configuration that ``configure`` receives (see :mod:`components.directus.provisioning`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
)
from pulumi.output import Unknown

from components.directus.client import DirectusClient
from components.directus.provisioning import Connection, client_for, connection_from, snapshot_for
from components.directus.snapshot import Snapshot
from components.errors import McpAccessError
from components.kinds import Kind
from components.names import DYNAMIC_MODULE, UNTYPED_DYNAMIC

# The value a preview passes for inputs that are not known yet (e.g. the id of a role still to be created).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

Props = dict[str, Any]


def is_unknown(value: Any) -> bool:
    """Whether a preview has not computed ``value`` yet (the sentinel string, or the SDK's ``Unknown``)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(is_unknown(item) for item in value)
    return isinstance(value, str) and value == UNKNOWN


class DirectusResource(Resource):
    """A dynamic resource with its own type name, so previews, state and policy packs can tell kinds apart.

    Subclasses name their entry of :mod:`components.kinds`: ``class DirectusUser(DirectusResource, kind=USER)``
    gets the type ``pulumi-python:dynamic/directus:User``.
    """

    #: The entry of :data:`components.kinds.KINDS` this resource class declares.
    _directus_kind: ClassVar[Kind | None] = None

    def __init_subclass__(cls, kind: Kind | None = None, **kwargs: Any) -> None:
        if kind is not None:
            kwargs.update(module=DYNAMIC_MODULE, name=kind.name)
            cls._directus_kind = kind
        super().__init_subclass__(**kwargs)

    def __init__(
        self, provider: ResourceProvider, name: str, props: Props, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        legacy = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=UNTYPED_DYNAMIC)])
        super().__init__(provider, name, props, pulumi.ResourceOptions.merge(legacy, opts))


class Created(NamedTuple):
    """What :meth:`DirectusProvider.create_or_adopt` did: the object's id, and whether it already existed."""

    id: str
    adopted: bool


class ForeignObjectError(McpAccessError):
    """An object with our natural key exists in Directus but was not created by this project."""


class DirectusProvider(ResourceProvider):
    """Base class: connection handling, and the generic diff over a list of managed fields."""

    #: Inputs compared by ``diff``; a difference means an update.
    managed_fields: Sequence[str] = ()
    #: Inputs whose change needs a new object (replacement).
    replace_fields: Sequence[str] = ()
    #: Outputs an in-place update never changes (the ids): declared so previews keep them known downstream.
    stable_outputs: Sequence[str] = ()

    def configure(self, req: ConfigureRequest) -> None:
        # Only remember the connection; the client is created lazily and cached per process.
        self._connection: Connection = connection_from(req.config.get)

    @property
    def client(self) -> DirectusClient:
        return client_for(self._connection)

    @property
    def snapshot(self) -> Snapshot:
        """Listings shared by all reads in this process: ``read`` uses these, writes go through ``client``."""
        return snapshot_for(self._connection)

    def check(self, _olds: Props, news: Props) -> CheckResult:
        return CheckResult(news, self.validate(news))

    def validate(self, news: Props) -> list[CheckFailure]:
        """Input validation; runs in ``check``, before anything is sent to Directus."""
        return []

    def diff(self, _id: str, olds: Props, news: Props) -> DiffResult:
        """Compare the last known live state (``olds``, refreshed by ``read``) with the declared inputs."""
        changed = [f for f in self.managed_fields if not is_unknown(news.get(f)) and olds.get(f) != news.get(f)]
        changed += [f for f in self.managed_fields if is_unknown(news.get(f))]
        replaces = [
            f for f in self.replace_fields if f in news and (is_unknown(news.get(f)) or olds.get(f) != news.get(f))
        ]
        return DiffResult(
            changes=bool(changed or replaces),
            replaces=replaces,
            stables=list(self.stable_outputs) if not replaces else None,
        )

    def create_or_adopt(
        self,
        path: str,
        *,
        kind: str,
        key: str,
        body: Props,
        marked: Callable[[dict[str, Any]], bool],
    ) -> Created:
        """Create the object, or adopt the one with the same natural key if it carries our marker.

        Adoption covers a create that succeeded in Directus but was never recorded by Pulumi (a killed run).
        An object with the key but without the marker belongs to someone else: refuse, naming it. Callers
        read back what may hang off the object (e.g. attached policies) only when it was adopted: nothing
        can point to an object this call has just created.
        """
        value = body[key]
        existing = self.client.find_one(path, {key: {"_eq": value}})
        if existing is None:
            return Created(str(self.client.create(path, body)["id"]), adopted=False)
        if marked(existing):
            self.client.update(path, existing["id"], body)
            return Created(str(existing["id"]), adopted=True)
        raise ForeignObjectError(
            f"a Directus {kind} with {key} {value!r} already exists (id {existing['id']}) and is not managed by "
            "directus-mcp-access (it has no managed-by marker); it was left untouched. Rename ours or remove "
            "that one by hand."
        )

    @staticmethod
    def deleted() -> ReadResult:
        """What ``read`` returns for an object deleted out of band."""
        return ReadResult("", {})

    @staticmethod
    def pick(props: Mapping[str, Any], fields: Sequence[str]) -> Props:
        return {f: props.get(f) for f in fields}


def failure(field: str, message: str) -> CheckFailure:
    return CheckFailure(field, message)
