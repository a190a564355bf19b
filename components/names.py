"""The project's names, defined once: its Pulumi project and config namespace, its resource types, its folders.

Free of imports beyond the standard library, so that the policy pack's process (see
:mod:`components.guardrails`) can use them without loading the Directus client, pydantic or httpx.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The product, the Pulumi project (``Pulumi.yaml``) and the stack config namespace are one name.
PROJECT_NAME = "directus-mcp-access"
CONFIG_NAMESPACE = PROJECT_NAME
#: Keys of the namespace that the providers read (the connection), not the program's config model.
URL_KEY = f"{CONFIG_NAMESPACE}:directusUrl"
TOKEN_KEY = f"{CONFIG_NAMESPACE}:provisioningToken"

#: Module of the dynamic resources' types: ``pulumi-python:dynamic/directus:<Kind>`` (e.g. ``...:User``).
DYNAMIC_MODULE = "directus"
DYNAMIC_PREFIX = f"pulumi-python:dynamic/{DYNAMIC_MODULE}:"
#: The type every dynamic resource had before they were named: kept as an alias so existing state carries over.
UNTYPED_DYNAMIC = "pulumi-python:dynamic:Resource"
#: The dynamic-provider resource; the engine hands it the stack config.
DYNAMIC_PROVIDER = "pulumi:providers:pulumi-python"
TEMPLATE_COMPONENT = f"{PROJECT_NAME}:index:TemplateAccess"
MEMBER_COMPONENT = f"{PROJECT_NAME}:index:McpMember"
GUARD_COMPONENT = f"{PROJECT_NAME}:index:GuardUser"
#: The user agent of ``oauth-approve``'s own session login; ``audit`` exempts only password logins carrying it.
APPROVAL_USER_AGENT = "mcp-access-oauth-approve/1"

#: The embedded default stack: the local Directus that ``mcp-access local`` starts.
LOCAL_STACK = "local"

#: The project folder (``Pulumi.yaml``, ``stacks/``, ``templates/``) of this installation.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = PROJECT_ROOT / "stacks"
#: The example stack files ``mcp-access init --from-template`` starts from (never stacks of their own: ``stacks/``
#: holds only real ones, so the names people are told to use, ``staging`` and ``production``, are free).
EXAMPLE_STACKS_FOLDER = "examples/stacks"
#: Where a project keeps its role templates, relative to its folder (the one with ``Pulumi.yaml``).
ROLE_TEMPLATES_FOLDER = "templates/roles"
ROLE_TEMPLATES_DIR = PROJECT_ROOT / ROLE_TEMPLATES_FOLDER
ONBOARDING_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "onboarding"
#: Where ``mcp-access backup`` (and ``up``, before schema access is given) writes, under the project folder.
BACKUPS_FOLDER = "backups"
#: The stack of the embedded default: the local Directus that ``mcp-access local`` starts and manages.
LOCAL_STACK = "local"


def cache_dir() -> Path:
    """The toolchain cache that tools/bootstrap.sh fills (Pulumi CLI, Node, the Directus lines), shared by worktrees."""
    return Path(os.environ.get("DIRECTUS_MCP_ACCESS_CACHE", Path.home() / ".cache" / "directus-mcp-access"))


#: The documentation pages that messages point at, by topic: one table, so that a page moved or renamed is
#: changed here once (``tests/unit/test_docs_pages.py`` checks that every page and anchor exists in ``docs/``).
DOCS_PAGES: dict[str, str] = {
    "getting-started": "docs/first-day.md#2-a-first-stack",
    "configuration": "docs/configuration.md",
    "policy-pack": "docs/policy-pack.md",
    "toolchain": "docs/toolchain.md",
    "interrupted-run": "docs/providers.md#after-an-interrupted-run",
    "oauth": "docs/oauth.md",
    "production": "docs/production.md",
    "kinds": "docs/providers.md#how-it-behaves-the-providers",
    "first-day": "docs/first-day.md",
    "plain-pulumi": "docs/first-day.md#plain-pulumi",
}


def docs_page(topic: str) -> str:
    """Where the documentation of ``topic`` is, e.g. ``docs/configuration.md`` (a key of :data:`DOCS_PAGES`)."""
    return DOCS_PAGES[topic]


def dynamic_type(kind: str) -> str:
    """``User`` -> ``pulumi-python:dynamic/directus:User``."""
    return f"{DYNAMIC_PREFIX}{kind}"


def kind_of_type(type_: str) -> str | None:
    """The kind of one of this project's dynamic resource types, else ``None``."""
    return type_.removeprefix(DYNAMIC_PREFIX) if type_.startswith(DYNAMIC_PREFIX) else None
