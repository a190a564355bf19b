"""Check, before any change, that every collection the role templates name exists in the live Directus.

A permission on a collection that does not exist is accepted by Directus and silently grants nothing, so a
typo in ``templates.<name>.collections`` would otherwise go unnoticed; the same goes for ``mcp.promptsCollection``.
One request lists the collections.
"""

from __future__ import annotations

from components.directus.client import DirectusClient
from components.model.role_templates import RoleSpec
from components.model.stack_config import ConfigError, StackConfig


def live_collections(client: DirectusClient) -> set[str]:
    return {str(row["collection"]) for row in client.list_objects("/collections", fields=["collection"])}


def missing_collection_errors(config: StackConfig, specs: dict[str, RoleSpec], live: set[str], url: str) -> list[str]:
    """One message per (template, collection) that the live schema lacks, naming the config entry."""
    problems = []
    for template, spec in sorted(specs.items()):
        configured = config.template_settings(template).collections
        for collection in sorted(spec.collections() - live):
            where = (
                f"templates.{template}.collections[{configured.index(collection)}]"
                if collection in configured
                else f"role template {template!r}"
            )
            problems.append(f"{where}: collection {collection!r} does not exist in the Directus at {url}")
    prompts = config.mcp.prompts_collection
    if prompts is not None and prompts not in live:
        problems.append(f"mcp.promptsCollection: collection {prompts!r} does not exist in the Directus at {url}")
    return problems


def check_collections_exist(
    client: DirectusClient, config: StackConfig, specs: dict[str, RoleSpec], stack: str
) -> None:
    problems = missing_collection_errors(config, specs, live_collections(client), config.directus_url)
    if problems:
        raise ConfigError(f"stack {stack!r} cannot be applied:\n  " + "\n  ".join(problems))
