"""Which token the watch reads with: one function, so the read-only guard identity slots in without a search.

In order: the environment variable :data:`GUARD_TOKEN_ENV`; the stack's secret output ``guardToken`` (``up``
creates it when the stack declares ``guard.user``); the provisioning token (what ``drift`` uses). Enforcement
always writes with the provisioning token: a guard user is read-only by design.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pulumi import automation as auto

from components.names import TOKEN_KEY
from components.providers.connection import TOKEN_ENV

GUARD_TOKEN_ENV = "DIRECTUS_GUARD_TOKEN"  # noqa: S105 (a variable name, not a secret)
GUARD_TOKEN_OUTPUT = "guardToken"  # noqa: S105 (an output's name)


def watch_token(values: Mapping[str, str], outputs: Mapping[str, auto.OutputValue]) -> tuple[str | None, str]:
    """``(token, where it came from)``; the token is ``None`` only when no source holds one."""
    token = os.environ.get(GUARD_TOKEN_ENV)
    if token:
        return token, f"the environment variable {GUARD_TOKEN_ENV}"
    output = outputs.get(GUARD_TOKEN_OUTPUT)
    if output is not None and output.value:
        return str(output.value), f"the stack's output {GUARD_TOKEN_OUTPUT}"
    token = values.get(TOKEN_KEY) or os.environ.get(TOKEN_ENV)
    return token, "the provisioning token"


def with_token(values: Mapping[str, str], token: str) -> dict[str, str]:
    """The stack's connection values with ``token`` in place of the provisioning token (the watch's reads)."""
    return {**values, TOKEN_KEY: token}
