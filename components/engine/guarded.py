"""``up`` and ``preview`` with the guardrail policy pack (``policy/``), as ``mcp-access`` runs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi import automation as auto

from components.names import PROJECT_ROOT

#: The guardrail policy pack (see policy/PulumiPolicy.yaml); its launcher works without a Python language host.
POLICY_PACK = PROJECT_ROOT / "policy" / "analyzer"


def guarded_up(
    stack: auto.Stack, policy: dict[str, Any], before_up: Callable[[], None] | None = None, **options: Any
) -> auto.UpResult:
    """``up``, after a preview with the policy pack passed: a violation then stops it before any change.

    (The pack's stack-wide rule runs only once all resources are registered, i.e. after an ``up`` applied them.)
    ``before_up`` runs between the passed preview and the ``up`` (e.g. ``--restore`` removing a revoked tag).
    """
    if policy:
        stack.preview(refresh=True, color="never", **policy)
    if before_up is not None:
        before_up()
    return stack.up(refresh=True, color="never", **policy, **options)
