"""Component: one MCP access policy with its permission set."""

from __future__ import annotations

from typing import Any

import pulumi

from components.marker import describe
from components.providers.permissions import PermissionSet
from components.providers.policy import DirectusPolicy

# The MCP "schema" tool needs to read these system collections.
SCHEMA_TOOL_READS = ("directus_collections", "directus_fields", "directus_relations")


class McpAccessPolicy(pulumi.ComponentResource):
    """A policy for MCP users: never app access (no Data Studio, no seat), admin only when asked for."""

    policy_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        stack: str,
        description: str,
        permissions: list[dict[str, Any]],
        ip_access: list[str] | None = None,
        linked_to: pulumi.Input[list[str]] | None = None,
        admin_access: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("directus-mcp-access:index:McpAccessPolicy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.policy = DirectusPolicy(
            f"{name}-policy",
            policy_name=f"MCP {name} ({stack})",
            description=describe(description, stack),
            admin_access=admin_access,
            app_access=False,
            ip_access=ip_access or None,
            linked_to=linked_to,
            opts=child,
        )
        # The resource id stays known in previews of in-place updates (see McpMember).
        self.policy_id = self.policy.id
        self.permission_set = PermissionSet(
            f"{name}-permissions", policy_id=self.policy_id, permissions=permissions, opts=child
        )
        self.register_outputs({"policyId": self.policy_id})


def read_permissions(collections: list[str]) -> list[dict[str, Any]]:
    """Read on each collection plus the schema-tool reads."""
    names = [*collections, *(c for c in SCHEMA_TOOL_READS if c not in collections)]
    return [{"collection": c, "action": "read", "fields": ["*"]} for c in names]
