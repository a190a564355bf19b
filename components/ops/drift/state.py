"""A stack's state, read once: ``pulumi stack export --show-secrets`` (one CLI call), held in memory only.

The export carries every resource with its id, inputs and outputs, and the stack's own outputs, so ``drift`` needs
no separate ``pulumi stack output``. Secret values arrive as ``{<secret signature>: ..., "plaintext": "<JSON>"}``;
they are decoded here for the providers (a token probe needs the token) and remembered as secret, so that what
reaches a report shows them masked, as the engine's events do. Nothing here prints or logs a value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi import automation as auto

from components.errors import NotDeployedError
from components.names import UNTYPED_DYNAMIC

#: The key that marks a secret value in Pulumi's state (``apitype`` ``SecretSig``) and its value.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"  # noqa: S105 (a marker, not a secret)
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105
#: How the engine's events show a secret value.
MASK = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def reveal(value: Any) -> Any:
    """``value`` with every secret decoded (``plaintext`` is JSON; ``ciphertext`` cannot be, so it stays)."""
    if _is_secret(value):
        return reveal(json.loads(value["plaintext"])) if "plaintext" in value else value
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def secret_keys(values: Mapping[str, Any] | None) -> frozenset[str]:
    """Top-level keys whose value is a secret."""
    return frozenset(key for key, value in (values or {}).items() if _is_secret(value))


def masked(values: Mapping[str, Any], secrets: frozenset[str]) -> dict[str, Any]:
    """``values`` with the ``secrets`` keys shown as the engine shows them."""
    return {key: (MASK if key in secrets and value is not None else value) for key, value in values.items()}


@dataclass(frozen=True)
class StateResource:
    """One resource of the state, secrets decoded: handle with care, never print ``inputs`` or ``outputs``."""

    urn: str
    type: str
    id: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    #: Output keys that are secrets (masked in anything shown).
    secret_outputs: frozenset[str] = field(default=frozenset())
    #: A condemned resource (a replacement's old one, left by an interrupted run).
    delete: bool = False

    def __repr__(self) -> str:  # never show values
        return f"StateResource(urn={self.urn!r}, id={self.id!r})"


@dataclass(frozen=True)
class StackState:
    stack: str
    resources: list[StateResource]
    #: The raw ``resources`` of the export (secrets still wrapped, their plaintext inside), for the listings that
    #: count ids.
    raw: list[dict[str, Any]]

    def __repr__(self) -> str:  # never show values: ``raw`` holds every secret's plaintext
        return f"StackState(stack={self.stack!r}, resources={len(self.resources)})"

    @property
    def urns(self) -> frozenset[str]:
        return frozenset(r.urn for r in self.resources)

    @property
    def has_untyped(self) -> bool:
        """Resources of the dynamic type from before the kinds were named (an ``up`` renames them)."""
        return any(r.type == UNTYPED_DYNAMIC for r in self.resources)

    def outputs(self) -> dict[str, auto.OutputValue]:
        """The stack's outputs as ``stack.outputs()`` gives them; :class:`NotDeployedError` before the first ``up``."""
        root = next((r for r in self.raw if r.get("type") == STACK_TYPE), None)
        values: dict[str, Any] = dict(root.get("outputs") or {}) if root else {}
        if "members" not in values:
            raise NotDeployedError(self.stack)
        return {key: auto.OutputValue(reveal(value), _is_secret(value)) for key, value in values.items()}


def parse_state(stack: str, deployment: Mapping[str, Any]) -> StackState:
    """The state of an exported deployment (``Deployment.deployment``)."""
    raw = list(deployment.get("resources") or [])
    resources = [
        StateResource(
            urn=str(r["urn"]),
            type=str(r.get("type", "")),
            id=str(r.get("id") or ""),
            custom=bool(r.get("custom")),
            inputs=reveal(dict(r.get("inputs") or {})),
            outputs=reveal(dict(r.get("outputs") or {})),
            secret_outputs=secret_keys(r.get("outputs")),
            delete=bool(r.get("delete")),
        )
        for r in raw
    ]
    return StackState(stack=stack, resources=resources, raw=raw)


def read_state(stack: auto.Stack) -> StackState:
    """Export the stack's state once (``--show-secrets``: values stay in memory)."""
    return parse_state(stack.name, stack.export_stack().deployment or {})
