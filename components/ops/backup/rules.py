"""When ``up`` must back up first: some member's template grants admin access (schema changes through MCP)."""

from __future__ import annotations

from components.model.access_at import member_active, template_at
from components.model.clock import now
from components.model.role_templates import RoleSpec
from components.model.stack_config import StackConfig


def members_with_schema_access(config: StackConfig, specs: dict[str, RoleSpec]) -> list[str]:
    """Names of the active members whose template now (an elevation counts) has ``admin_access`` (developer)."""
    moment = now()
    return [
        member.name
        for member in config.members
        if member_active(member, moment)
        and (template := template_at(config, member, moment)) in specs
        and specs[template].policy.admin_access
    ]
