"""Component: the stack's read-only identity, the guard user (``guard.user`` in the stack).

Previews of pull requests, ``drift``, ``audit`` and a live watch only read. They can run with this user's token (the
secret stack output ``guardToken``) instead of the provisioning admin token, so that code nobody has reviewed yet
never holds a token that can write. The user has no role, no app access and no admin access; one policy attached
to it directly grants ``read`` on exactly the system collections those commands read, every field (``*``) and no
item filter, which is also what the core tier of an unlicensed Directus 12 accepts (it refuses custom permission
rules). Directus then refuses every write with that token (403).

Resource names start with ``_guard``: a member's name cannot start with ``_``, so no member's resources collide.
"""

from __future__ import annotations

import pulumi

from components.model.marker import describe, user_tags
from components.names import GUARD_COMPONENT
from components.providers.access import AccessLink
from components.providers.permissions import PermissionSet
from components.providers.policy import DirectusPolicy
from components.providers.token import StaticToken
from components.providers.user import DirectusUser

GUARD = "_guard"

#: What the read-only commands read, and who reads it. Read access on these and nothing else.
GUARD_READS: dict[str, str] = {
    "directus_users": "providers' read, drift's scan (users with tokens, roles, tags), audit (status)",
    "directus_roles": "providers' read, drift's scan",
    "directus_policies": "providers' read, drift's scan (admin and app access, markers)",
    "directus_access": "providers' read (policy links), drift's scan (Public, direct policies)",
    "directus_permissions": "providers' read (permission sets), drift (Public's permissions, who may read flows)",
    "directus_settings": "the MCP settings provider, audit (login attempts)",
    "directus_flows": "drift (manual flows that escalate), the live watch",
    "directus_operations": "drift (what a flow's operations run with)",
    "directus_collections": "the program's collection check, the MCP schema listing",
    "directus_fields": "the program's field check (templates that limit fields or filter items)",
    "directus_relations": "the schema the program's checks and the MCP schema tool see",
    "directus_activity": "audit (logins and changes by the MCP users)",
    "directus_revisions": "audit (what a change changed)",
}


def guard_permission_rows() -> list[dict[str, object]]:
    """``read`` with every field on each of :data:`GUARD_READS`, in a stable order (the permission set's input)."""
    return [{"collection": collection, "action": "read", "fields": ["*"]} for collection in sorted(GUARD_READS)]


class GuardUser(pulumi.ComponentResource):
    """The guard user, its read-only policy (attached to the user directly) and its static token."""

    user_id: pulumi.Output[str]
    token: pulumi.Output[str]

    def __init__(
        self,
        email: str,
        *,
        stack: str,
        rotate_after_days: int,
        ip_access: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(GUARD_COMPONENT, GUARD, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        display_name = f"MCP guard, read-only ({stack})"
        self.user = DirectusUser(
            f"{GUARD}-user",
            email=email,
            first_name="MCP guard",
            last_name=stack,
            tags=user_tags(stack),
            role=None,
            linked_policies=[display_name],
            opts=child,
        )
        self.user_id = self.user.id
        self.policy = DirectusPolicy(
            f"{GUARD}-policy",
            policy_name=display_name,
            description=describe("Read-only identity for previews, drift, audit and the watch", stack),
            admin_access=False,
            app_access=False,
            ip_access=ip_access or None,
            linked_to=self.user_id.apply(lambda user_id: [f"user:{user_id}"]),
            opts=child,
        )
        self.permission_set = PermissionSet(
            f"{GUARD}-permissions", policy_id=self.policy.id, permissions=guard_permission_rows(), opts=child
        )
        self.link = AccessLink(f"{GUARD}-access", policy=self.policy.id, user=self.user_id, opts=child)
        token = StaticToken(f"{GUARD}-token", user_id=self.user_id, rotate_after_days=rotate_after_days, opts=child)
        self.token = token.token
        self.register_outputs({"userId": self.user_id})
