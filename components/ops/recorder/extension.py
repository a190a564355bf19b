"""The recorder extension as shipped in this repository (``extensions/mcp-access-recorder``), and writing it out."""

from __future__ import annotations

import shutil
from pathlib import Path

from components.errors import McpAccessError
from components.model.recorder_extension import EXTENSION_SOURCE, FOLDER_NAME

#: What a Directus loads: the manifest and the two modules (tests and docs stay in the repository).
SHIPPED_FILES = ("package.json", "index.js", "lib.js")


class ExtensionError(McpAccessError):
    """The extension cannot be written where asked."""


def write_extension(extensions_dir: Path) -> Path:
    """Write the extension into ``extensions_dir/mcp-access-recorder`` (created; files there are replaced)."""
    if extensions_dir.exists() and not extensions_dir.is_dir():
        raise ExtensionError(f"--out {extensions_dir}: not a folder")
    target = extensions_dir / FOLDER_NAME
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED_FILES:
            shutil.copyfile(EXTENSION_SOURCE / name, target / name)
    except OSError as exc:
        raise ExtensionError(f"--out {extensions_dir}: cannot write the extension ({exc.strerror})") from None
    return target
