"""What the provider unit tests share: the ``configured`` fixture's type and the outputs of a provider call."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from components.providers.base import DirectusProvider

P = TypeVar("P", bound=DirectusProvider)


class Configure(Protocol):
    def __call__(self, cls: type[P], *, token: str | None = None, config: dict[str, str] | None = None) -> P: ...


def outs(result: CreateResult | ReadResult | UpdateResult) -> dict[str, Any]:
    """A provider call's outputs (typed ``Optional`` by the SDK; ours always set them)."""
    assert result.outs is not None
    return result.outs
