"""Component: the dedicated MCP user of one team member and its static token."""

from __future__ import annotations

import pulumi

from components.model.marker import user_tags
from components.names import MEMBER_COMPONENT
from components.providers.token import StaticToken
from components.providers.user import DirectusUser


class McpMember(pulumi.ComponentResource):
    """A member's MCP user, holding the role of its template.

    A disabled member keeps its user (so the activity log still names it) but is suspended and has no token:
    the token resource is deleted, which clears the token in Directus, and the user provider revokes its OAuth
    consents and tokens. An OAuth member (``static_token=False``) never gets a static token: its client holds
    OAuth tokens that act as this user.
    """

    user_id: pulumi.Output[str]
    email: pulumi.Output[str]
    token: pulumi.Output[str] | None
    rotation_due: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        *,
        stack: str,
        mcp_email: str,
        first_name: str,
        last_name: str,
        role_id: pulumi.Input[str],
        rotate_after_days: int,
        enabled: bool = True,
        static_token: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(MEMBER_COMPONENT, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.user = DirectusUser(
            f"{name}-user",
            email=mcp_email,
            first_name=first_name,
            last_name=last_name,
            tags=user_tags(stack),
            role=role_id,
            status="active" if enabled else "suspended",
            opts=child,
        )
        # Downstream inputs use the resource id, not the user_id output: a preview of an in-place update keeps
        # the id known, while dynamic-provider outputs turn unknown (which would show false replacements).
        self.user_id = self.user.id
        self.email = self.user.email
        self.token = None
        self.rotation_due = None
        if enabled and static_token:
            token = StaticToken(f"{name}-token", user_id=self.user_id, rotate_after_days=rotate_after_days, opts=child)
            self.token = token.token
            self.rotation_due = token.rotation_due
        self.register_outputs({"userId": self.user_id, "email": self.email, "rotationDue": self.rotation_due})
