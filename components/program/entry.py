"""The Pulumi program: reads the stack config, renders the role templates and builds the components.

No HTTP here except a few reads before anything is declared: the live schema (which collections exist, and
which fields when a template limits fields or filters items) and the server's version (what this Directus line
allows, see :mod:`components.program.server_checks`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import get_config

from components.directus.client import DirectusClient
from components.directus.errors import DirectusError, DirectusUnavailableError
from components.directus.provisioning import LOCAL_URL_ENV, client_for, connection_from
from components.directus.version import ServerInfo, server_info
from components.errors import HINT_PREFIX, McpAccessError
from components.model.access_at import member_active, running_elevation, template_at
from components.model.clock import now
from components.model.role_specs import stack_role_specs
from components.model.role_templates import TEMPLATE_DIR, RoleSpec, available_templates
from components.model.stack_config import StackConfig, load_config
from components.names import CONFIG_NAMESPACE, LOCAL_STACK, docs_page
from components.program.collections_check import check_collections_exist
from components.program.fields_check import check_fields_exist
from components.program.guard import GuardUser
from components.program.member import McpMember
from components.program.pulumi_internals import config_keys, declaration_frames_only, speed_up_sdk
from components.program.server_checks import check_server_supports
from components.program.template_access import TemplateAccess
from components.program.timebox_outputs import elevation_output, timebox_outputs
from components.providers.mcp_settings import McpSettings


def build(
    config: StackConfig, specs: dict[str, RoleSpec], stack: str, provisioner: dict[str, Any] | None = None
) -> None:
    """Declare everything one stack manages, and export what an MCP client needs.

    The MCP settings only in the stack that owns them (``mcp.manageSettings``, default true): with several
    stacks on one Directus, the others leave that single object alone.

    ``provisioner`` (``/users/me`` of the token the program runs with, read only when the stack declares a guard
    user) is exported as ``provisioner`` unless it is the guard user itself: ``drift`` run with the guard token
    still knows whose admin access is expected.
    """
    settings: list[pulumi.Resource] = []
    if config.mcp.manage_settings:
        settings.append(
            McpSettings(
                "mcp-settings",
                mcp_enabled=config.mcp.enabled,
                mcp_allow_deletes=config.mcp.allow_deletes,
                mcp_system_prompt_enabled=config.mcp.system_prompt_enabled,
                mcp_system_prompt=config.mcp.system_prompt,
                mcp_oauth_enabled=config.mcp.oauth.enabled,
                mcp_oauth_dcr_enabled=config.mcp.oauth.dynamic_client_registration,
                mcp_oauth_cimd_enabled=config.mcp.oauth.client_id_metadata,
                mcp_prompts_collection=config.mcp.prompts_collection,
            )
        )
    access = {name: TemplateAccess(spec, stack=stack) for name, spec in specs.items()}
    members: dict[str, Any] = {}
    tokens: dict[str, pulumi.Output[str]] = {}
    moment = now()  # expiring members and elevations: one moment for the whole program
    for member in config.members:
        mcp_email = config.mcp_email(member)
        active = member_active(member, moment)
        elevation = running_elevation(config, member, moment)
        resource = McpMember(
            member.name,
            stack=stack,
            mcp_email=mcp_email,
            first_name=member.first_name or "AI",
            last_name=member.last_name or member.email.split("@", 1)[0],
            role_id=access[template_at(config, member, moment)].role_id,
            rotate_after_days=config.rotation_for(member),
            enabled=active,
            static_token=member.auth == "token",
            opts=pulumi.ResourceOptions(depends_on=settings),
        )
        members[member.name] = {
            "userId": resource.user_id,
            "mcpEmail": mcp_email,
            "template": member.template,
            "mcpUrl": config.mcp_url,
            "enabled": active,
            "auth": member.auth,
            "rotationDue": resource.rotation_due,
            **timebox_outputs(member, elevation),
        }
        if resource.token is not None:
            tokens[member.name] = resource.token
    if config.guard.user is not None:
        guard = GuardUser(
            config.guard.user,
            stack=stack,
            rotate_after_days=config.rotation_days,
            ip_access=list(config.ip_allowlist),
            opts=pulumi.ResourceOptions(depends_on=settings),
        )
        pulumi.export("guard", {"userId": guard.user_id, "email": config.guard.user})
        pulumi.export("guardToken", pulumi.Output.secret(guard.token))
        if provisioner and str(provisioner.get("email") or "").lower() != config.guard.user:
            pulumi.export("provisioner", {"userId": provisioner.get("id"), "roleId": provisioner.get("role")})
    pulumi.export("mcpUrl", config.mcp_url)
    pulumi.export("members", members)
    pulumi.export("tokens", pulumi.Output.secret(tokens))
    pulumi.export("templateRoles", {name: template.role_id for name, template in access.items()})
    pulumi.export("elevations", [elevation_output(e) for e in config.elevations])


def checked_specs(
    config: StackConfig, stack: str, client: DirectusClient, info: ServerInfo, template_dir: Path = TEMPLATE_DIR
) -> dict[str, RoleSpec]:
    """The stack's role specs (from the project's ``template_dir``), once the live checks every declaration needs
    have passed.

    Every collection the templates name exists, the server supports what the stack asks for (field lists and item
    filters, OAuth), and every field a field list or filter names exists. The program runs these before
    :func:`build`, and so does ``drift``'s in-process plan (:mod:`components.ops.drift.declared`).
    """
    specs = stack_role_specs(config, stack, template_dir)
    sees_schema = sees_whole_schema(client)
    if sees_schema:
        check_collections_exist(client, config, specs, stack)
    check_server_supports(config, specs, info, stack)
    if sees_schema:
        check_fields_exist(client, specs, config.directus_url, stack)
    return specs


def sees_whole_schema(client: DirectusClient) -> bool:
    """Whether the token lists every collection and field: an admin's does; a read-only one (the guard user's)
    lists only what it may read, so the existence checks are left to ``up``, which runs with the admin token.

    ``/policies/me/globals`` says whether the caller has admin access; when it cannot be asked (a test's stand-in
    client), the checks run as before.
    """
    try:
        globals_ = client.get("/policies/me/globals") or {}
    except (AttributeError, DirectusError):
        return True
    return globals_.get("admin_access") is not False


def _namespace_keys() -> list[str]:
    """Keys set in this project's config namespace (to report unknown ones)."""
    prefix = f"{CONFIG_NAMESPACE}:"
    return [k.removeprefix(prefix) for k in config_keys() if k.startswith(prefix)]


def main(template_dir: Path = TEMPLATE_DIR) -> None:
    """Entry point for ``__main__.py`` and for the Automation API's inline program.

    ``template_dir``: the project's role templates (see :func:`components.model.role_templates.project_templates`).
    """
    declaration_frames_only()
    speed_up_sdk()
    stack = pulumi.get_stack()
    try:
        config = load_config(
            pulumi.Config(CONFIG_NAMESPACE).get,
            templates=available_templates(template_dir),
            present_keys=_namespace_keys(),
        )
        local_url = os.environ.get(LOCAL_URL_ENV) if stack == LOCAL_STACK else None
        if local_url:  # `mcp-access local --port N`: the running local Directus, not the file's default port
            config = config.model_copy(update={"directus_url": local_url.rstrip("/")})
        client = client_for(connection_from(get_config))
        specs = checked_specs(config, stack, client, server_info(client), template_dir)
    except McpAccessError as exc:
        fix = (
            "check that Directus is up and reachable from this machine, then run again"
            if isinstance(exc, DirectusUnavailableError)  # not a configuration problem
            else f"fix it in stacks/Pulumi.{stack}.yaml ({docs_page('configuration')})"
        )
        hint = "" if HINT_PREFIX in str(exc) else f"\n{HINT_PREFIX}{fix}"
        raise pulumi.RunError(f"{exc}{hint}") from None  # shown without a Python traceback
    provisioner = client.get("/users/me", {"fields": "id,role,email"}) if config.guard.user else None
    build(config, specs, stack, provisioner)
