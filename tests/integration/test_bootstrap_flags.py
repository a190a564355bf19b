"""`make local` installs only what it uses: Directus 11.x and Redis come with `make test` (`--for-tests`).

Run on a cache made of links to the real cache's Pulumi CLI, Node 22 and Directus 12 (read only), so that every
step the plain bootstrap needs is cached: it must then finish in seconds and never start on Directus 11 or Redis.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from components.engine.workspace import PULUMI_VERSION
from components.localdev.server import cache_dir, pinned_version
from components.names import PROJECT_ROOT
from tests.helpers.directus import require


def test_the_plain_bootstrap_skips_directus_11_and_redis(tmp_path: Path) -> None:
    real = cache_dir()
    needed = [f"pulumi-{PULUMI_VERSION}", "node22", f"directus-{pinned_version('12')}"]
    require(all((real / name).is_dir() for name in needed), f"the toolchain is not in {real}: run tools/bootstrap.sh")
    for name in needed:
        (tmp_path / name).symlink_to(real / name)
    env = {**os.environ, "DIRECTUS_MCP_ACCESS_CACHE": str(tmp_path)}
    done = subprocess.run(["bash", str(PROJECT_ROOT / "tools" / "bootstrap.sh")], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = re.findall(r"^==> (.*)$", done.stdout, re.MULTILINE)
    assert not [s for s in steps if "tools/directus-11" in s], steps
    assert "skipped (tools/bootstrap.sh --with-redis installs it; make test asks for it)" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(needed)


def test_make_test_asks_for_what_the_tests_need_and_make_local_does_not() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = dict(re.findall(r"^([\w-]+):(.*)$", makefile, re.MULTILINE))
    assert "setup-tests" in targets["test"] and "setup-tests" in targets["test-core"]
    assert targets["local"].split() == ["setup"]
    assert "bash tools/bootstrap.sh --for-tests" in makefile
    usage = subprocess.run(["bash", str(PROJECT_ROOT / "tools" / "bootstrap.sh"), "--nope"], capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert usage.returncode == 2 and "--for-tests" in usage.stderr
