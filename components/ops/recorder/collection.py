"""The recorder's log collection: created by ``up`` for a stack with ``recorder.enabled``, never taken over.

The collection is the stack's: its note carries the managed-by marker and the line the extension reads its
settings from (``mcp-access-recorder: {"stack": ..., "retentionDays": ...}``). A collection of that name without
the line exists for another purpose and is left alone (:class:`LogCollectionTakenError`). No policy gets a permission
on it, so only admins read it: members can neither read nor rewrite their own trail.
"""

from __future__ import annotations

from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.engine.deployed import admin_client, stack_settings
from components.errors import McpAccessError
from components.model.recorder_config import RecorderConfig
from components.model.recorder_extension import NOTE_PREFIX, log_note, note_settings


class LogCollectionTakenError(McpAccessError):
    """The configured log collection exists in Directus for another purpose."""


def _field(name: str, type_: str, **schema: Any) -> dict[str, Any]:
    return {"field": name, "type": type_, "meta": {"readonly": True}, "schema": schema}


FIELDS = [
    {
        "field": "id",
        "type": "integer",
        "meta": {"hidden": True},
        "schema": {"is_primary_key": True, "has_auto_increment": True},
    },
    _field("timestamp", "string", max_length=32),
    _field("at_ms", "bigInteger", is_indexed=True),
    _field("kind", "string", max_length=16),
    _field("user", "string", is_indexed=True, max_length=64),
    _field("method", "string", max_length=64),
    _field("tool", "string", max_length=64),
    _field("action", "string", max_length=64),
    _field("collection", "string", max_length=64),
    _field("status", "integer"),
    {
        "field": "refused",
        "type": "boolean",
        "meta": {"readonly": True, "special": ["cast-boolean"]},
        "schema": {"default_value": False},
    },
    _field("error_code", "string", max_length=64),
    _field("rows", "integer"),
    _field("ip", "string", max_length=64),
    _field("path", "string", max_length=40),
]


def ensure_log_collection(client: DirectusClient, recorder: RecorderConfig, stack: str) -> str:
    """Create the log collection (or update its settings line); returns what was done, in words."""
    name = recorder.collection
    listed = client.get("/collections") or []
    found = next((c for c in listed if c.get("collection") == name), None)
    wanted = log_note(recorder, stack)
    if found is None:
        client.create(
            "/collections",
            {
                "collection": name,
                "meta": {"icon": "policy", "note": wanted, "hidden": False},
                "schema": {},
                "fields": FIELDS,
            },
        )
        return f"recorder: created the log collection {name!r} (admins only)"
    note = (found.get("meta") or {}).get("note")
    settings = note_settings(note)
    if settings is None:
        raise LogCollectionTakenError(
            f"recorder.collection: {name!r} already exists in Directus for another purpose (its note has no "
            f"'{NOTE_PREFIX}' line); it is never taken over",
            hint="set recorder.collection to a name of its own (e.g. 'mcp_access_log')",
        )
    if settings.get("stack") != stack:
        raise LogCollectionTakenError(
            f"recorder.collection: {name!r} is the log collection of stack {settings.get('stack')!r}; "
            f"stack {stack!r} needs one of its own",
            hint="set recorder.collection to another name for this stack",
        )
    if note != wanted:
        client.request("PATCH", f"/collections/{name}", json={"meta": {"note": wanted}})
        return f"recorder: updated the settings of the log collection {name!r}"
    return f"recorder: log collection {name!r} in place"


def prepare_for_up(stack: auto.Stack) -> str | None:
    """``up``'s recorder step: the log collection of a stack with ``recorder.enabled`` (``None``: recorder off).

    Runs before the engine applies anything else, so a name taken for another purpose stops ``up`` at once.
    """
    config, values = stack_settings(stack)
    if not config.recorder.enabled:
        return None
    client = admin_client(values)  # the process's shared client: not closed here
    return ensure_log_collection(client, config.recorder, stack.name)
