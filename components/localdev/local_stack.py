"""The embedded default: the local Directus that the ``local`` stack manages (``mcp-access local``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from components.directus.provisioning import TOKEN_ENV
from components.localdev.server import DirectusInstance, running_instance, start
from components.model.recorder_extension import EXTENSION_SOURCE
from components.names import LOCAL_STACK, PROJECT_ROOT

LOCAL_DATA_DIR = PROJECT_ROOT / ".local" / "directus"
LOCAL_URL = "http://127.0.0.1:8055"


def ensure_running(
    say: Callable[[str], None], data_dir: Path = LOCAL_DATA_DIR, url: str = LOCAL_URL
) -> DirectusInstance:
    """The local Directus, started (detached) unless it already runs; ``say`` reports which."""
    instance = running_instance(data_dir)
    if instance is not None:
        say(f"local Directus already running at {instance.url}")
        return instance
    port = urlparse(url).port or 8055
    started = time.monotonic()
    instance = start(data_dir, port=port, detach=True, extensions=[EXTENSION_SOURCE])
    say(f"started local Directus {instance.version} at {instance.url} in {time.monotonic() - started:.1f}s")
    return instance


def stack_env(stack: str) -> dict[str, str]:
    """For the ``local`` stack, the running local Directus's admin token as the provisioning token."""
    if stack != LOCAL_STACK:
        return {}
    instance = running_instance(LOCAL_DATA_DIR)
    return {TOKEN_ENV: instance.admin_token} if instance else {}
