"""Role templates: jinja2 files in ``templates/roles/`` that render, for one stack, to a policy and permissions.

A template file ``templates/roles/<name>.yaml.j2`` renders to YAML with ``description``, ``policy``
(``admin_access``, ``app_access``, ``ip_access``), ``permissions`` (collection + actions, optionally a field list
and an item filter) and, for templates that need ``admin_access``, ``admin_reason``. Adding a file adds a
template; no Python changes. Rendering is pure: the variables come from the stack config (see
:class:`RenderContext`), and the result is checked against the stack's guardrails before any resource is declared.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from components.errors import McpAccessError
from components.model.item_filters import filter_problem
from components.model.validation import check_cidrs
from components.names import ROLE_TEMPLATES_DIR, ROLE_TEMPLATES_FOLDER

TEMPLATE_DIR = ROLE_TEMPLATES_DIR
TEMPLATE_SUFFIX = ".yaml.j2"

# The MCP "schema" tool reads these system collections; every template needs them.
SCHEMA_TOOL_READS = ("directus_collections", "directus_fields", "directus_relations")
# What "file management" means in Directus.
FILE_COLLECTIONS = ("directus_files", "directus_folders")

Action = Literal["create", "read", "update", "delete", "share"]
WRITE_ACTIONS = frozenset({"create", "update", "delete", "share"})


class TemplateError(McpAccessError, ValueError):
    """A role template is missing, does not render, or renders to something the stack does not allow."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySpec(_Spec):
    admin_access: bool = False
    app_access: bool = False
    ip_access: list[str] = Field(default_factory=list)

    @field_validator("ip_access")
    @classmethod
    def _valid_cidrs(cls, value: list[str]) -> list[str]:
        return check_cidrs(value)


class Grant(_Spec):
    collection: str = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)
    fields: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    #: A Directus permission filter (``{"status": {"_eq": "published"}}``): only matching items are granted.
    filter: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _valid_filter(cls, data: Any) -> Any:
        """Before the field types: the message names the grant's collection and the whole filter as written."""
        if isinstance(data, dict) and data.get("filter") is not None and (problem := filter_problem(data["filter"])):
            raise ValueError(
                f"the filter of the grant on {data.get('collection')!r} {problem} (filter: {data['filter']!r})"
            )
        return data

    @property
    def limits_fields(self) -> bool:
        return self.fields != ["*"]

    @property
    def filters_items(self) -> bool:
        return bool(self.filter)


class RoleSpec(_Spec):
    """What one template renders to for one stack."""

    template: str
    description: str = Field(min_length=1)
    admin_reason: str | None = None
    policy: PolicySpec = Field(default_factory=PolicySpec)
    permissions: list[Grant] = Field(default_factory=list)

    def permission_rows(self) -> list[dict[str, Any]]:
        """One row per (collection, action), deduplicated, in a stable order: what the permission set declares.

        A grant's ``filter`` becomes the row's ``permissions`` (Directus's name for the item filter); a grant
        without one carries no such key, so rows in state from before filters existed compare equal.
        """
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for grant in self.permissions:
            for action in grant.actions:
                row: dict[str, Any] = {"collection": grant.collection, "action": action, "fields": sorted(grant.fields)}
                if grant.filters_items:
                    row["permissions"] = grant.filter
                rows[(grant.collection, action)] = row
        return [rows[key] for key in sorted(rows)]

    def collections(self) -> set[str]:
        return {grant.collection for grant in self.permissions}

    def actions_on(self, collection: str) -> set[str]:
        return {a for grant in self.permissions if grant.collection == collection for a in grant.actions}


@dataclass(frozen=True)
class RenderContext:
    """The variables a template sees. Documented in ``templates/README.md``."""

    stack: str
    collections: list[str] = field(default_factory=list)
    allow_deletes: bool = False
    ip_allowlist: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "collections": list(self.collections),
            "allow_deletes": self.allow_deletes,
            "ip_allowlist": list(self.ip_allowlist),
            "vars": dict(self.vars),
            "schema_tool_reads": list(SCHEMA_TOOL_READS),
            "file_collections": list(FILE_COLLECTIONS),
        }


def project_templates(project_dir: Path | None) -> Path:
    """The role templates of the project in ``project_dir``: its own ``templates/roles`` folder when it has one
    (a team's project folder next to this installation, ``--repo``), else this installation's."""
    own = project_dir / ROLE_TEMPLATES_FOLDER if project_dir is not None else None
    return own if own is not None and own.is_dir() else TEMPLATE_DIR


def available_templates(directory: Path = TEMPLATE_DIR) -> list[str]:
    """Names of the role templates in ``directory`` (``content.yaml.j2`` -> ``content``)."""
    return sorted(p.name.removesuffix(TEMPLATE_SUFFIX) for p in directory.glob(f"*{TEMPLATE_SUFFIX}"))


def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(  # noqa: S701 (renders YAML, not HTML)
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, context: RenderContext, directory: Path = TEMPLATE_DIR) -> RoleSpec:
    """Render template ``name`` for one stack and parse it into a :class:`RoleSpec` (no guardrails yet)."""
    filename = f"{name}{TEMPLATE_SUFFIX}"
    where = f"role template {name!r} ({directory / filename})"
    if not (directory / filename).is_file():
        raise TemplateError(f"{where} does not exist (available: {', '.join(available_templates(directory))})")
    try:
        text = _environment(directory).get_template(filename).render(**context.as_dict())
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{where} does not render: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{where} does not render to valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise TemplateError(f"{where} must render to a mapping with description, policy and permissions")
    try:
        return RoleSpec.model_validate({**data, "template": name})
    except ValidationError as exc:
        problems = "; ".join(map(_problem, exc.errors()))
        raise TemplateError(f"{where} renders invalid content: {problems}") from None


def _problem(error: ErrorDetails) -> str:
    """``permissions.0.actions.0: Input should be ... (got 'read-all')``; checks of ours already quote the value."""
    where = ".".join(map(str, error["loc"]))
    if error["type"] == "value_error":
        return f"{where}: {error['msg'].removeprefix('Value error, ')}"
    return f"{where}: {error['msg']} (got {error.get('input')!r})"


@dataclass(frozen=True)
class TemplateLimits:
    """What the stack allows a rendered template to contain."""

    allow_admin_access: bool = False
    allow_deletes: bool = False
    ip_allowlist: list[str] = field(default_factory=list)


def _inside(entry: str, allowlist: list[str]) -> bool:
    network = ipaddress.ip_network(entry, strict=False)
    allowed = [ipaddress.ip_network(a, strict=False) for a in allowlist]
    return any(network.version == a.version and network.subnet_of(a) for a in allowed)  # type: ignore[arg-type]


def guardrail_violations(spec: RoleSpec, guardrails: TemplateLimits, stack: str) -> list[str]:
    """Why ``spec`` may not be applied to ``stack`` (empty when it may)."""
    name = spec.template
    problems: list[str] = []
    if spec.policy.app_access:
        problems.append(
            f"role template {name!r} sets app_access: MCP users never get Data Studio access (it would also "
            "take a licensed seat)"
        )
    if spec.policy.admin_access and not guardrails.allow_admin_access:
        reason = f": {spec.admin_reason.rstrip('.')}" if spec.admin_reason else ""
        problems.append(
            f"role template {name!r} needs admin_access{reason}. Stack {stack!r} does not allow admin access for "
            "MCP users (guardrails.allowAdminAccess is false): give the member another template, or set "
            "guardrails.allowAdminAccess: true in a stack meant for schema work (never production)"
        )
    if not guardrails.allow_deletes:
        deleting = sorted(g.collection for g in spec.permissions if "delete" in g.actions)
        if deleting:
            problems.append(
                f"role template {name!r} grants delete on {', '.join(deleting)}, but stack {stack!r} has deletes "
                "off (mcp.allowDeletes: false)"
            )
    if guardrails.ip_allowlist:
        if not spec.policy.ip_access:
            problems.append(
                f"role template {name!r} sets no ip_access, which would lift the stack's ip allowlist "
                f"({', '.join(guardrails.ip_allowlist)})"
            )
        outside = [e for e in spec.policy.ip_access if not _inside(e, guardrails.ip_allowlist)]
        if outside:
            problems.append(
                f"role template {name!r} allows {', '.join(outside)}, outside the stack's ip allowlist "
                f"({', '.join(guardrails.ip_allowlist)})"
            )
    return problems
