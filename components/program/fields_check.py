"""Check, before any change, that every field a grant's field list or item filter names exists in Directus.

Directus 11.17.4 stores a permission naming a field that does not exist (200), and then answers every read of
the member with 400 INVALID_QUERY ("Invalid filter key") for a filter, or hides nothing useful for a field list:
a typo in a template would break or silently narrow the member's access. One ``GET /fields`` when some grant has
a field list or a filter; none otherwise.
"""

from __future__ import annotations

from components.directus.client import DirectusClient
from components.model.item_filters import filter_fields
from components.model.role_templates import RoleSpec
from components.model.stack_config import ConfigError


def live_fields(client: DirectusClient) -> dict[str, set[str]]:
    """``{collection: {field, ...}}`` of every collection, system ones included."""
    fields: dict[str, set[str]] = {}
    for row in client.list_objects("/fields", fields=["collection", "field"]):
        fields.setdefault(str(row["collection"]), set()).add(str(row["field"]))
    return fields


def needs_fields(specs: dict[str, RoleSpec]) -> bool:
    return any(grant.limits_fields or grant.filters_items for spec in specs.values() for grant in spec.permissions)


def missing_field_errors(specs: dict[str, RoleSpec], live: dict[str, set[str]], url: str) -> list[str]:
    """One message per (template, collection, field) named by a field list or filter that the live schema lacks."""
    problems = []
    for template, spec in sorted(specs.items()):
        for grant in spec.permissions:
            existing = live.get(grant.collection)
            if existing is None:
                continue  # a missing collection is the collections check's message
            named = [(f, "its field list") for f in grant.fields if f != "*"]
            named += [(f, "its filter") for f in sorted(filter_fields(grant.filter or {}))]
            problems += [
                f"role template {template!r}: the grant on {grant.collection!r} names field {field!r} in {where}, "
                f"which does not exist in the Directus at {url}"
                for field, where in named
                if field not in existing
            ]
    return problems


def check_fields_exist(client: DirectusClient, specs: dict[str, RoleSpec], url: str, stack: str) -> None:
    if not needs_fields(specs):
        return
    problems = missing_field_errors(specs, live_fields(client), url)
    if problems:
        raise ConfigError(f"stack {stack!r} cannot be applied:\n  " + "\n  ".join(problems))
