"""Debian's Chromium for the tests: Mermaid's own CLI (``mmdc``, tools/mermaid) and a Selenium-driven browser.

Both come from tools/bootstrap.sh: ``mmdc`` in the cache (``mermaid-<version>``, run on Node 22, puppeteer
pointed at Debian's Chromium), Chromium and chromedriver from Debian's packages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from components.localdev.server import cache_dir, node_bin_dir
from components.names import PROJECT_ROOT
from tests.helpers.directus import require

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("MCP_ACCESS_TEST_ARTIFACTS", PROJECT_ROOT / "test-artifacts"))


def mmdc() -> Path:
    package = json.loads((PROJECT_ROOT / "tools" / "mermaid" / "package.json").read_text())
    version = package["dependencies"]["@mermaid-js/mermaid-cli"]
    found = cache_dir() / f"mermaid-{version}" / "node_modules" / ".bin" / "mmdc"
    require(found.exists() and Path(CHROMIUM).exists(), f"Mermaid CLI {version} or Chromium missing ({found})")
    return found


def run_mmdc(source: str, output: Path) -> subprocess.CompletedProcess[str]:
    """Parse and draw ``source`` with Mermaid's CLI into ``output`` (.svg or .png); exit 1 on a syntax error."""
    output.parent.mkdir(parents=True, exist_ok=True)
    diagram = output.with_suffix(".mmd")
    diagram.write_text(source)
    config = output.with_name("puppeteer.json")
    config.write_text(json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}))
    env = {**os.environ, "PATH": f"{node_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(mmdc()), "-q", "-p", str(config), "-i", str(diagram), "-o", str(output), "-b", "white", "-s", "2"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.DOTALL)


@contextmanager
def offline_chromium(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A headless Chromium driven by Selenium, its network cut off (DevTools), its performance log on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    require(driver_path is not None and Path(CHROMIUM).exists(), "chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        yield driver
    finally:
        driver.quit()


def network_requests(driver: object) -> list[str]:
    """The URLs the page asked for (from the performance log), other than the page file itself."""
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
