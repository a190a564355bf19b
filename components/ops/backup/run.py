"""Gather the schema snapshot and the access configuration from Directus and write them to one JSON file.

The file holds no secret: users are listed with their role, status and direct policies, never their token
(Directus reads it back masked anyway); it is still written with mode 600, as it maps who may do what.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.engine.deployed import admin_client, stack_settings, stack_templates
from components.model.role_specs import stack_role_specs
from components.ops.backup.rules import members_with_schema_access

BACKUP_FORMAT = 1
ACCESS_LISTINGS: dict[str, list[str]] = {
    "roles": ["id", "name", "description", "parent"],
    "policies": ["id", "name", "description", "admin_access", "app_access", "ip_access", "enforce_tfa"],
    "access": ["id", "role", "user", "policy", "sort"],
    "permissions": ["id", "policy", "collection", "action", "fields", "permissions", "validation", "presets"],
    "users": ["id", "email", "status", "role", "tags"],
}


@dataclass(frozen=True)
class Backup:
    path: Path
    collections: int
    fields: int


def gather(client: DirectusClient) -> dict[str, Any]:
    """``GET /schema/snapshot`` and the listings that make up who may do what, with the server version."""
    info = client.get("/server/info")
    access = {name: client.list_objects(f"/{name}", fields=fields) for name, fields in ACCESS_LISTINGS.items()}
    access["permissions"] = [row for row in access["permissions"] if row.get("id") is not None]  # no system rows
    return {
        "format": BACKUP_FORMAT,
        "directus": {"url": client.base_url, "version": info.get("version") if isinstance(info, dict) else None},
        "schema": client.get("/schema/snapshot"),
        "access": access,
    }


def backup_path(folder: Path, stack: str, now: datetime) -> Path:
    return folder / f"{stack}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"


def take_backup(client: DirectusClient, stack: str, folder: Path, now: datetime | None = None) -> Backup:
    """Write the backup of ``stack``'s Directus into ``folder``; the file name carries the stack and UTC time."""
    content = gather(client)
    content["stack"] = stack
    taken = now or datetime.now(UTC)
    content["taken_at"] = taken.isoformat(timespec="seconds")
    folder.mkdir(parents=True, exist_ok=True)
    path = backup_path(folder, stack, taken)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle, indent=1, sort_keys=True)
    schema = content["schema"] or {}
    return Backup(path=path, collections=len(schema.get("collections", [])), fields=len(schema.get("fields", [])))


def backup_stack(stack: auto.Stack, folder: Path) -> Backup:
    """``mcp-access backup --stack S``: back up the Directus that ``stack``'s config points at."""
    _, values = stack_settings(stack)
    return take_backup(admin_client(values), stack.name, folder)


def backup_before_up(stack: auto.Stack, folder: Path) -> tuple[Backup, list[str]] | None:
    """Before ``up``: a backup when the stack gives some member schema access (admin), else ``None``.

    Returns the backup and the members it was taken for.
    """
    config, values = stack_settings(stack)
    members = members_with_schema_access(config, stack_role_specs(config, stack.name, stack_templates(stack)))
    if not members:
        return None
    return take_backup(admin_client(values), stack.name, folder), members
