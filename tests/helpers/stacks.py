"""Stacks of this project in a temporary folder, run by the real Pulumi CLI (end-to-end tests, benchmark-like)."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.engine.workspace import EngineError, open_stack, pulumi_bin_dir
from components.localdev.server import DirectusInstance
from components.names import CONFIG_NAMESPACE, PROJECT_ROOT
from tests.helpers.directus import require

NS = CONFIG_NAMESPACE
StackFactory = Callable[..., auto.Stack]


def stack_config(directus: DirectusInstance, **overrides: Any) -> dict[str, auto.ConfigValue]:
    values: dict[str, Any] = {
        "templates": {"content": {"collections": ["articles"]}},
        "members": [{"name": "john", "email": "john@company.com", "template": "content"}],
        "mcp": {"enabled": True, "allowDeletes": False},
        **overrides,
    }
    config = {
        f"{NS}:directusUrl": auto.ConfigValue(directus.url),
        f"{NS}:provisioningToken": auto.ConfigValue(directus.admin_token, secret=True),
    }
    for key, value in values.items():
        config[f"{NS}:{key}"] = auto.ConfigValue(value if isinstance(value, str) else json.dumps(value))
    return config


def make_stack(
    directus: DirectusInstance,
    base: Path,
    name: str,
    env: dict[str, str] | None = None,
    program: Callable[[], None] | None = None,
    **overrides: Any,
) -> auto.Stack:
    """A stack of this project in ``base`` with its own file backend; ``env`` is added to the engine's.

    ``program`` replaces the project's program (e.g. one that declares resources the program would refuse).
    """
    try:
        pulumi_bin_dir()
    except EngineError as exc:
        require(False, str(exc))
    work_dir = base / "project"
    (work_dir / "stacks").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    state = base / "state"
    state.mkdir()
    engine = {"PULUMI_BACKEND_URL": state.as_uri(), "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16), **(env or {})}
    stack = open_stack(name, work_dir=work_dir, env=engine, program=program)
    stack.set_all_config(stack_config(directus, **overrides))
    return stack


def set_values(stack: auto.Stack, **values: Any) -> None:
    """Change stack config keys (camelCase, without namespace); structured values are stored as JSON."""
    stack.set_all_config(
        {f"{NS}:{k}": auto.ConfigValue(v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()}
    )


def planned_changes(stack: auto.Stack, *, refresh: bool = True) -> dict[str, tuple[str, list[str]]]:
    """Run ``preview`` (with refresh) and return {logical name: (operation, changed properties)} for changes."""
    events: list[auto.EngineEvent] = []
    stack.preview(refresh=refresh, color="never", on_event=events.append)
    changes: dict[str, tuple[str, list[str]]] = {}
    for event in events:
        pre = event.resource_pre_event
        if pre is None or pre.metadata.op in (auto.OpType.SAME, auto.OpType.REFRESH, auto.OpType.READ):
            continue
        if pre.metadata.type.startswith("pulumi:providers:"):
            continue  # the dynamic provider is "updated" whenever stack config changes; it holds no state
        name = pre.metadata.urn.rsplit("::", 1)[-1]
        op = pre.metadata.op.value
        current = changes.get(name)
        if current is None or op in ("replace", "create-replacement"):
            changes[name] = (op, pre.metadata.diffs or _changed_keys(pre.metadata))
    return changes


def _changed_keys(metadata: auto.StepEventMetadata) -> list[str]:
    """Properties whose live value (refreshed old outputs) differs from the declared input."""
    if metadata.old is None or metadata.new is None:
        return []
    old, new = metadata.old.outputs or {}, metadata.new.inputs or {}
    return sorted(k for k in new if not k.startswith("__") and k in old and old[k] != new[k])
