"""Component: the dedicated MCP user of one team member, its static token and its policy link."""

from __future__ import annotations

import pulumi

from components.marker import user_tags
from components.providers.access import AccessLink
from components.providers.token import StaticToken
from components.providers.user import DirectusUser


class McpMember(pulumi.ComponentResource):
    user_id: pulumi.Output[str]
    email: pulumi.Output[str]
    token: pulumi.Output[str]
    rotation_due: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        stack: str,
        mcp_email: str,
        first_name: str,
        last_name: str,
        rotate_after_days: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("directus-mcp-access:index:McpMember", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.user = DirectusUser(
            f"{name}-user",
            email=mcp_email,
            first_name=first_name,
            last_name=last_name,
            tags=user_tags(stack),
            opts=child,
        )
        # Downstream inputs use the resource id, not the user_id output: a preview of an in-place update keeps
        # the id known, while dynamic-provider outputs turn unknown (which would show false replacements).
        self.user_id = self.user.id
        self.static_token = StaticToken(
            f"{name}-token", user_id=self.user_id, rotate_after_days=rotate_after_days, opts=child
        )
        self.email = self.user.email
        self.token = self.static_token.token
        self.rotation_due = self.static_token.rotation_due
        self.register_outputs({"userId": self.user_id, "email": self.email, "rotationDue": self.rotation_due})

    @property
    def link_target(self) -> pulumi.Output[str]:
        """How the member's policy link is named in the policy's ``linked_to``."""
        return self.user_id.apply(lambda user_id: f"user:{user_id}")

    def attach(self, name: str, policy_id: pulumi.Input[str]) -> AccessLink:
        """Link the member's user to a policy (the policy must list :attr:`link_target` in ``linked_to``)."""
        return AccessLink(
            f"{name}-access", policy=policy_id, user=self.user_id, opts=pulumi.ResourceOptions(parent=self)
        )
