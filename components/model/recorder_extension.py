"""The recorder extension's identity, read from the copy this repository ships (``extensions/mcp-access-recorder``),
and the line of its log collection's note that carries a stack's recorder settings to it.

Shared by ``up`` (writes the note), ``drift`` (expects this version) and ``audit`` (finds the log): one place.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from components.model.marker import describe
from components.model.recorder_config import RecorderConfig
from components.names import PROJECT_ROOT

EXTENSION_SOURCE = PROJECT_ROOT / "extensions" / "mcp-access-recorder"
#: The folder name inside a Directus extensions folder (``EXTENSIONS_PATH``).
FOLDER_NAME = "mcp-access-recorder"
#: A log collection's note holds this line, which the extension reads (``lib.js``: ``NOTE_PREFIX``).
NOTE_PREFIX = "mcp-access-recorder:"


@cache
def manifest() -> dict[str, Any]:
    return dict(json.loads((EXTENSION_SOURCE / "package.json").read_text()))


def package_name() -> str:
    return str(manifest()["name"])


def expected_version() -> str:
    return str(manifest()["version"])


def log_note(recorder: RecorderConfig, stack: str) -> str:
    """The log collection's note: what it is, the settings line for the extension, and the managed-by marker."""
    settings = json.dumps({"stack": stack, "retentionDays": recorder.retention_days}, separators=(",", ":"))
    return describe(f"MCP access log (recorder extension)\n{NOTE_PREFIX} {settings}", stack)


def note_settings(note: str | None) -> dict[str, Any] | None:
    """The recorder line of a collection's note (``None``: not a log collection)."""
    for line in (note or "").splitlines():
        if line.startswith(NOTE_PREFIX):
            try:
                value = json.loads(line.removeprefix(NOTE_PREFIX))
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None
