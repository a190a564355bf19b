"""When ``up`` must back up first: some member's template grants admin access (schema changes through MCP)."""

from __future__ import annotations

from components.model.role_templates import RoleSpec
from components.model.stack_config import StackConfig


def members_with_schema_access(config: StackConfig, specs: dict[str, RoleSpec]) -> list[str]:
    """Names of the enabled members whose template has ``admin_access`` (the developer template)."""
    return [
        member.name
        for member in config.members
        if member.enabled and member.template in specs and specs[member.template].policy.admin_access
    ]
