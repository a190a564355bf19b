"""A deployed stack's settings, outputs and Directus connection, read through the Automation API (no program run).

The drift, audit, connection and onboarding commands work on a stack that ``up`` has applied: its config
(validated like the program validates it) says what is declared, its outputs what ``up`` made, and its
connection settings reach the Directus it manages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.provisioning import LOCAL_URL_ENV, client_for, connection_from
from components.errors import NotDeployedError
from components.model.role_templates import available_templates, project_templates
from components.model.stack_config import StackConfig, load_config
from components.names import CONFIG_NAMESPACE, LOCAL_STACK

_PREFIX = f"{CONFIG_NAMESPACE}:"


def deployed_outputs(stack: auto.Stack) -> Mapping[str, auto.OutputValue]:
    """The stack's outputs; :class:`NotDeployedError` ("run `up` first") when ``up`` has not applied it yet."""
    outputs = stack.outputs()
    if "members" not in outputs:
        raise NotDeployedError(stack.name)
    return outputs


def members_of(outputs: Mapping[str, auto.OutputValue]) -> dict[str, dict[str, Any]]:
    """The ``members`` output: ``{name: {userId, mcpEmail, template, mcpUrl, enabled, rotationDue}}``."""
    return dict(outputs["members"].value)


def stack_templates(stack: auto.Stack) -> Path:
    """The role templates of the project ``stack`` belongs to (its workspace's folder)."""
    work_dir = getattr(stack.workspace, "work_dir", None)
    return project_templates(Path(work_dir) if work_dir else None)


def stack_settings(stack: auto.Stack) -> tuple[StackConfig, dict[str, str]]:
    """The stack's validated config, and its raw namespace values (for the connection), from ``pulumi config``."""
    values = {k: v.value for k, v in stack.get_all_config().items() if k.startswith(_PREFIX)}
    short = {k.removeprefix(_PREFIX): v for k, v in values.items()}
    config = load_config(short.get, templates=available_templates(stack_templates(stack)), present_keys=short)
    local_url = os.environ.get(LOCAL_URL_ENV) if stack.name == LOCAL_STACK else None
    if local_url:  # the running local Directus (`mcp-access local --port N`), as the providers use it
        config = config.model_copy(update={"directus_url": local_url.rstrip("/")})
    return config, values


def admin_client(values: dict[str, str]) -> DirectusClient:
    """A client with the provisioning token (stack secret or environment), the providers' retries and timeouts."""
    return client_for(connection_from(values.get))
