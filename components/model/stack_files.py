"""Read a stack's settings straight from ``stacks/Pulumi.<stack>.yaml``, without Pulumi or Directus.

The review, audit and drift commands need the declared roster and the rendered templates of a stack, but not
the engine: reading the committed file is what a PR reviewer sees, and it works on any git revision.
Secret values (``secure:`` entries such as the provisioning token) are never read here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from components.model.role_templates import TEMPLATE_DIR, available_templates
from components.model.stack_config import CONFIG_KEYS, ConfigError, StackConfig, load_config
from components.names import CONFIG_NAMESPACE, STACKS_DIR

_PREFIX = f"{CONFIG_NAMESPACE}:"


def stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def stack_names(stacks_dir: Path = STACKS_DIR) -> list[str]:
    """The stacks that have a settings file, sorted."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stacks_dir.glob("Pulumi.*.yaml"))


def namespace_values(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``directus-mcp-access:`` keys of a parsed stack file, without the prefix."""
    config = (document or {}).get("config") or {}
    if not isinstance(config, Mapping):
        raise ConfigError("invalid stack file: 'config' is not a mapping")
    return {key.removeprefix(_PREFIX): value for key, value in config.items() if str(key).startswith(_PREFIX)}


def parse_stack_yaml(text: str, *, source: str) -> Any:
    """The parsed stack file; a syntax error names ``source``, the line and column, and what YAML expected."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{source}{where}: not valid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc})") from None


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def config_from_text(text: str, *, source: str, template_dir: Path = TEMPLATE_DIR) -> StackConfig:
    """Validate the text of a stack file (``source`` names it in errors) into a :class:`StackConfig`.

    Every problem is reported at once: unknown keys together with the model's errors, each naming its field.
    """
    values = namespace_values(parse_stack_yaml(text, source=source))
    try:  # the program's own path: Pulumi hands it each value as text, structured ones as JSON
        return load_config(
            lambda key: _as_config_text(values[key]) if key in values else None,
            templates=available_templates(template_dir),
            present_keys=values,
        )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _as_config_text(value: Any) -> str:
    """A stack file's value as the program reads it through ``pulumi.Config``: text, structured values as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def check_stack_file(work_dir: Path, stack: str, template_dir: Path) -> StackConfig | None:
    """The stack's settings file parsed and validated as the program will (before the engine starts).

    ``None`` when it holds encrypted model settings (see :func:`config_from_text`). A missing file is an error
    naming the stack files there are and the command that creates one.
    """
    path = stack_file(stack, work_dir / "stacks")
    if not path.is_file():
        known = ", ".join(stack_names(work_dir / "stacks")) or "none"
        raise ConfigError(
            f"stack {stack!r} has no settings file stacks/{path.name} (stacks: {known})",
            hint=f"create it with `mcp-access init {stack} --url <Directus URL>`",
        )
    text, source = path.read_text(), f"stacks/{path.name}"
    values = namespace_values(parse_stack_yaml(text, source=source))
    if any(_is_secret(value) for key, value in values.items() if key in CONFIG_KEYS):
        return None  # an encrypted setting of the model: only the engine can read it, so the program validates it
    return config_from_text(text, source=source, template_dir=template_dir)
