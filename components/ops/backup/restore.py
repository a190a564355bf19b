"""Put the schema of a backup back: ``POST /schema/diff`` (what differs) then ``POST /schema/apply``.

Only the schema is restored (collections, fields, relations); the access configuration in the file is for
reading and comparing, ``up`` restores what the stack declares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.directus.client import DirectusClient


def schema_of(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["schema"])


def restore_schema(client: DirectusClient, path: Path) -> bool:
    """Apply the backup's schema to Directus; ``False`` when nothing differed (``/schema/diff`` answers 204)."""
    diff = client.request("POST", "/schema/diff", params={"force": "true"}, json=schema_of(path))
    if not diff:
        return False
    client.request("POST", "/schema/apply", json=diff)
    return True
