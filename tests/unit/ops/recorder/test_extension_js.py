"""The recorder extension's own tests (``extensions/mcp-access-recorder/test``), under the cached Node 22.

They test the pure parts (what a row may hold, the batching, the marker): run here so CI runs them too.
"""

from __future__ import annotations

import shutil
import subprocess

from components.localdev.server import node_bin_dir
from components.model.recorder_extension import EXTENSION_SOURCE
from tests.helpers.directus import require


def test_the_extensions_node_tests_pass() -> None:
    node = node_bin_dir() / "node"
    found = str(node) if node.exists() else shutil.which("node")
    require(found is not None, "Node is not installed: run tools/bootstrap.sh")
    files = sorted(str(p.relative_to(EXTENSION_SOURCE)) for p in (EXTENSION_SOURCE / "test").glob("*.test.js"))
    done = subprocess.run(
        [str(found), "--test", *files], cwd=EXTENSION_SOURCE, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass " in done.stdout
