"""``mcp-access extension --out DIR``: write the recorder extension for a self-hosted Directus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from components.model.recorder_extension import expected_version
from components.ops.recorder.extension import write_extension


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the Directus extensions folder (EXTENSIONS_PATH, e.g. a Docker volume); the extension goes into "
        "DIR/mcp-access-recorder",
    )


def run(args: argparse.Namespace) -> int:
    target = write_extension(args.out)
    sys.stdout.write(
        f"wrote the recorder extension {expected_version()} to {target}\n"
        "restart Directus to load it (docs/recorder.md); `mcp-access drift` then reports it installed\n"
    )
    return 0
