"""Every Directus object kind this project manages, listed once.

One entry per kind: its resource type name, the words a report uses for it, the component that owns it, and
what ``drift`` shows of it. The providers take their type name from here (``class DirectusUser(DirectusResource,
kind=USER)``), ``drift`` its wording and the ids it counts as declared, the policy pack the kinds its rules
look at, and the table of kinds in ``docs/providers.md`` is checked against it. Adding a kind is one provider file
(``components/providers/<module>.py``) plus one entry here.

Free of imports beyond the standard library: the policy pack's process reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from components.names import dynamic_type

Owner = Literal["member", "template", "stack"]

#: The Directus collections (REST paths) the kinds' objects live in, each written once: providers, drift, the
#: break-glass commands and the audit use these names, never the literal paths.
USERS_PATH = "/users"
ROLES_PATH = "/roles"
POLICIES_PATH = "/policies"
ACCESS_PATH = "/access"
PERMISSIONS_PATH = "/permissions"


@dataclass(frozen=True)
class Kind:
    #: The resource type's name: ``pulumi-python:dynamic/directus:<name>``.
    name: str
    #: What it is, for a reader who does not know Pulumi ("MCP user", "static token").
    words: str
    #: The component that declares it: one per member, one per role template, or one per stack.
    owner: Owner
    #: ``components.providers.<module>.<provider>``: the class Pulumi state pickles by this path. Never move it.
    module: str
    provider: str
    #: The Directus collection path its objects live in (``None``: not an object with an id of its own).
    path: str | None = None
    #: Inputs whose live and declared values ``drift`` prints when they differ (short, never secret).
    shown: tuple[str, ...] = ()
    #: Inputs whose live value is reported under another output name (``linked_policies`` -> ``policies``).
    live_names: dict[str, str] = field(default_factory=dict)
    #: The words name several things ("MCP settings"): reports say "differ", not "differs".
    plural: bool = False
    #: Whether ``drift``'s live scan for undeclared access counts this kind's ids in the state as declared (the
    #: ids it reports as "managed objects").
    scanned: bool = False

    @property
    def type(self) -> str:
        return dynamic_type(self.name)

    @property
    def provider_path(self) -> str:
        return f"components.providers.{self.module}.{self.provider}"


USER = Kind(
    "User",
    "MCP user",
    "member",
    "user",
    "UserProvider",
    path=USERS_PATH,
    shown=("status", "role", "email", "linked_policies"),
    live_names={"linked_policies": "policies"},
    scanned=True,
)
STATIC_TOKEN = Kind(
    "StaticToken", "static token", "member", "token", "StaticTokenProvider", shown=("rotate_after_days",)
)
ROLE = Kind(
    "Role",
    "role",
    "template",
    "role",
    "RoleProvider",
    path=ROLES_PATH,
    shown=("name", "linked_policies"),
    live_names={"linked_policies": "policies"},
    scanned=True,
)
POLICY = Kind(
    "Policy",
    "policy",
    "template",
    "policy",
    "PolicyProvider",
    path=POLICIES_PATH,
    shown=("name", "admin_access", "app_access", "ip_access", "linked_to"),
    live_names={"linked_to": "links"},
    scanned=True,
)
PERMISSION_SET = Kind("PermissionSet", "permission set", "template", "permissions", "PermissionSetProvider")
ACCESS_LINK = Kind("AccessLink", "role-to-policy link", "template", "access", "AccessLinkProvider", path=ACCESS_PATH)
MCP_SETTINGS = Kind(
    "McpSettings",
    "MCP settings",
    "stack",
    "mcp_settings",
    "McpSettingsProvider",
    shown=(
        "mcp_enabled",
        "mcp_allow_deletes",
        "mcp_system_prompt_enabled",
        "mcp_oauth_enabled",
        "mcp_oauth_dcr_enabled",
        "mcp_oauth_cimd_enabled",
        "mcp_prompts_collection",
    ),
    plural=True,
)

KINDS: tuple[Kind, ...] = (USER, STATIC_TOKEN, ROLE, POLICY, PERMISSION_SET, ACCESS_LINK, MCP_SETTINGS)
BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}


def kind_named(name: str | None) -> Kind | None:
    return BY_NAME.get(name or "")
