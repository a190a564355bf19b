"""Component: one role template instantiated in one stack (role + policy + permission set + the link between)."""

from __future__ import annotations

import pulumi

from components.model.marker import describe
from components.model.role_templates import RoleSpec
from components.names import TEMPLATE_COMPONENT
from components.providers.access import AccessLink
from components.providers.permissions import PermissionSet
from components.providers.policy import DirectusPolicy
from components.providers.role import DirectusRole


class TemplateAccess(pulumi.ComponentResource):
    """The Directus side of a role template: members get :attr:`role_id` as their role.

    The policy carries the flags, ip allowlist and permissions the template rendered for this stack; it is
    attached to the role only. Both sides watch that link: another policy on the role, or this policy on
    anything else (a user, another role, Public), shows as drift.
    """

    role_id: pulumi.Output[str]
    policy_id: pulumi.Output[str]

    def __init__(self, spec: RoleSpec, *, stack: str, opts: pulumi.ResourceOptions | None = None) -> None:
        name = spec.template
        super().__init__(TEMPLATE_COMPONENT, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        display_name = f"MCP {name} ({stack})"
        description = describe(spec.description, stack)
        self.role = DirectusRole(
            f"{name}-role",
            role_name=display_name,
            description=description,
            linked_policies=[display_name],
            opts=child,
        )
        # Resource ids, not outputs, feed downstream inputs: they stay known in previews of in-place updates.
        self.role_id = self.role.id
        self.policy = DirectusPolicy(
            f"{name}-policy",
            policy_name=display_name,
            description=description,
            admin_access=spec.policy.admin_access,
            app_access=spec.policy.app_access,
            ip_access=spec.policy.ip_access or None,
            linked_to=self.role_id.apply(lambda role_id: [f"role:{role_id}"]),
            opts=child,
        )
        self.policy_id = self.policy.id
        self.permission_set = PermissionSet(
            f"{name}-permissions", policy_id=self.policy_id, permissions=spec.permission_rows(), opts=child
        )
        self.link = AccessLink(f"{name}-access", policy=self.policy_id, role=self.role_id, opts=child)
        self.register_outputs({"roleId": self.role_id, "policyId": self.policy_id})
