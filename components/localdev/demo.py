"""Demo content for the local Directus: collections an MCP user can be given access to."""

from __future__ import annotations

from collections.abc import Iterable

from components.directus.client import DirectusClient

DEMO_ROWS: dict[str, list[dict[str, str]]] = {
    "articles": [
        {"title": "Welcome to Directus", "body": "A first article, readable through MCP."},
        {"title": "Least privilege for AI users", "body": "One user per person, one token per user."},
        {"title": "Rotate your tokens", "body": "Static tokens rotate on a schedule."},
    ],
    "internal_notes": [
        {"title": "Salary review", "body": "Not for AI assistants."},
    ],
}


def _collection_body(name: str) -> dict[str, object]:
    return {
        "collection": name,
        "meta": {"icon": "article", "note": "demo collection created by directus-mcp-access"},
        "schema": {},
        "fields": [
            {
                "field": "id",
                "type": "integer",
                "meta": {"hidden": True, "readonly": True},
                "schema": {"is_primary_key": True, "has_auto_increment": True},
            },
            {"field": "title", "type": "string", "meta": {"required": True}, "schema": {}},
            {"field": "body", "type": "text", "meta": {}, "schema": {}},
        ],
    }


def ensure_demo_collections(client: DirectusClient, names: Iterable[str] = tuple(DEMO_ROWS)) -> list[str]:
    """Create each demo collection with its rows unless it exists. Returns the names created."""
    existing = {row["collection"] for row in client.list_objects("/collections", fields=["collection"])}
    created = []
    for name in names:
        if name in existing:
            continue
        client.create("/collections", _collection_body(name))
        client.create_many(f"/items/{name}", DEMO_ROWS.get(name, []))
        created.append(name)
    return created
