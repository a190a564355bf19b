"""A deployed stack's settings and Directus connection, read through the Automation API (no program run).

The drift and audit commands work on a stack that ``up`` has applied: its config (validated like the program
validates it) says what is declared, and its connection settings reach the Directus it manages.
"""

from __future__ import annotations

from pulumi import automation as auto

from components.config import CONFIG_NAMESPACE, StackConfig, load_config
from components.directus.client import DirectusClient
from components.providers.settings import client_for, connection_from
from components.role_templates import available_templates

_PREFIX = f"{CONFIG_NAMESPACE}:"


def stack_settings(stack: auto.Stack) -> tuple[StackConfig, dict[str, str]]:
    """The stack's validated config, and its raw namespace values (for the connection), from ``pulumi config``."""
    values = {k: v.value for k, v in stack.get_all_config().items() if k.startswith(_PREFIX)}
    short = {k.removeprefix(_PREFIX): v for k, v in values.items()}
    config = load_config(short.get, templates=available_templates(), present_keys=short)
    return config, values


def admin_client(values: dict[str, str]) -> DirectusClient:
    """A client with the provisioning token (stack secret or environment), the providers' retries and timeouts."""
    return client_for(connection_from(values.get))
