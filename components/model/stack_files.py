"""Read a stack's settings straight from ``stacks/Pulumi.<stack>.yaml``, without Pulumi or Directus.

The review, audit and drift commands need the declared roster and the rendered templates of a stack, but not
the engine: reading the committed file is what a PR reviewer sees, and it works on any git revision.
Secret values (``secure:`` entries such as the provisioning token) are never read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from components.model.role_templates import TEMPLATE_DIR, available_templates
from components.model.stack_config import CONFIG_KEYS, ConfigError, StackConfig, check_known_keys, parse_config
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


def config_from_text(text: str, *, source: str, template_dir: Path = TEMPLATE_DIR) -> StackConfig:
    """Validate the text of a stack file (``source`` names it in errors) into a :class:`StackConfig`."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc})") from None
    values = namespace_values(document)
    raw = {key: value for key, value in values.items() if key in CONFIG_KEYS}
    try:
        check_known_keys(values)
        return parse_config(raw, templates=available_templates(template_dir))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
