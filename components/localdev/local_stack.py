"""The embedded default: the local Directus that the ``local`` stack manages (``mcp-access local``)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from components.engine.workspace import LOCAL_STACK
from components.localdev.ports import holder_of
from components.localdev.server import DirectusInstance, LocalDirectusError, running_instance, start
from components.names import PROJECT_ROOT
from components.providers.connection import LOCAL_URL_ENV, TOKEN_ENV

LOCAL_DATA_DIR = PROJECT_ROOT / ".local" / "directus"
LOCAL_URL = "http://127.0.0.1:8055"


def check_port(port: int) -> None:
    """Refuse, naming who holds it, a port another process listens on (Directus would exit with code 1)."""
    holder = holder_of(port)
    if holder is not None:
        raise LocalDirectusError(
            f"port {port} is taken by {holder}: the local Directus cannot listen on it",
            hint="stop that process, or use another port: `mcp-access local --port N` (make local PORT=N)",
        )


def ensure_running(
    say: Callable[[str], None], data_dir: Path = LOCAL_DATA_DIR, url: str = LOCAL_URL, *, port: int | None = None
) -> DirectusInstance:
    """The local Directus, started (detached) unless it already runs; ``say`` reports which.

    ``port`` (``--port``) replaces the port of ``url``; a running one on another port is an error, not ignored.
    """
    instance = running_instance(data_dir)
    if instance is not None:
        if port is not None and port != instance.port:
            raise LocalDirectusError(
                f"the local Directus of this checkout already runs at {instance.url}, not on port {port}",
                hint="`mcp-access local-stop` first to start it on another port",
            )
        say(f"local Directus already running at {instance.url}")
        return instance
    port = port or urlparse(url).port or 8055
    check_port(port)
    started = time.monotonic()
    instance = start(data_dir, port=port, detach=True)
    say(f"started local Directus {instance.version} at {instance.url} in {time.monotonic() - started:.1f}s")
    return instance


def stack_env(stack: str) -> dict[str, str]:
    """For the ``local`` stack, the running local Directus's admin token as the provisioning token, and its URL
    (which differs from the stack file's when it was started with ``--port``)."""
    if stack != LOCAL_STACK:
        return {}
    instance = running_instance(LOCAL_DATA_DIR)
    return {TOKEN_ENV: instance.admin_token, LOCAL_URL_ENV: instance.url} if instance else {}


def path_note() -> str | None:
    """After ``make local``: how to call ``mcp-access`` when the virtualenv's ``bin`` is not on ``PATH``."""
    if shutil.which("mcp-access") is not None:
        return None
    venv = Path(sys.prefix)
    return (
        f"note: `mcp-access` is not on your PATH; run `source {venv}/bin/activate` in this shell (or call "
        f"{venv}/bin/mcp-access) to use the commands above"
    )
