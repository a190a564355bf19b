"""``up`` and ``preview`` with the guardrail policy pack (``policy/``), as ``mcp-access`` runs them.

Every entrance that changes a stack goes through :func:`components.ops.apply.run.apply`, which calls
:func:`guarded_up`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.names import PROJECT_ROOT

#: The guardrail policy pack (see policy/PulumiPolicy.yaml); its launcher works without a Python language host.
POLICY_PACK = PROJECT_ROOT / "policy" / "analyzer"


def policy_options(pack: Path | None = POLICY_PACK, config: Path | None = None) -> dict[str, Any]:
    """The engine options that run ``pack`` (with its JSON ``config``); ``pack=None``: no pack (not advised)."""
    if pack is None:
        return {}
    options: dict[str, Any] = {"policy_packs": [str(pack)]}
    if config is not None:
        options["policy_pack_configs"] = [str(config)]
    return options


def guarded_up(
    stack: auto.Stack,
    policy: dict[str, Any],
    before_up: Callable[[], None] | None = None,
    *,
    refresh: bool = True,
    **options: Any,
) -> auto.UpResult:
    """``up``, after a preview with the policy pack passed: a violation then stops it before any change.

    (The pack's stack-wide rule runs only once all resources are registered, i.e. after an ``up`` applied them.)
    ``before_up`` runs between the passed preview and the ``up`` (e.g. ``--restore`` removing a revoked tag).
    ``target``/``replace`` in ``options`` limit the preview as they limit the ``up``.
    """
    if policy:
        scope = {key: options[key] for key in ("target", "replace") if key in options}
        stack.preview(refresh=refresh, color="never", **scope, **policy)
    if before_up is not None:
        before_up()
    return stack.up(refresh=refresh, color="never", **policy, **options)
