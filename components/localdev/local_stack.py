"""The embedded default: the local Directus that the ``local`` stack manages (``mcp-access local``)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.provisioning import LOCAL_URL_ENV, TOKEN_ENV
from components.localdev.demo import ensure_demo_collections
from components.localdev.ports import holder_of
from components.localdev.server import DirectusInstance, LocalDirectusError, running_instance, start
from components.model.recorder_extension import EXTENSION_SOURCE
from components.names import LOCAL_STACK, PROJECT_ROOT

LOCAL_DATA_DIR = PROJECT_ROOT / ".local" / "directus"
LOCAL_URL = "http://127.0.0.1:8055"
_THIS_MACHINE = ("127.0.0.1", "localhost")


def data_dir_of(stack: str, work_dir: Path) -> Path:
    """Where a practice Directus for ``stack`` keeps its database (``local`` keeps :data:`LOCAL_DATA_DIR`)."""
    return LOCAL_DATA_DIR if stack == LOCAL_STACK else work_dir / ".local" / stack


def practice_port(stack: str, directus_url: str, port: int | None) -> int:
    """The port a practice Directus for ``stack`` listens on: its ``directusUrl``'s, which must be on this machine.

    ``--port`` must agree with it (the stack would otherwise call another address): a mismatch is an error.
    """
    parsed = urlparse(directus_url)
    if parsed.hostname not in _THIS_MACHINE or parsed.scheme != "http":
        raise LocalDirectusError(
            f"stack {stack!r} targets {directus_url}, not this machine: a local Directus serves only a stack whose "
            "directusUrl is http://127.0.0.1:PORT",
            hint="for practice, make a stack for it: `mcp-access init practice --url http://127.0.0.1:8056` "
            "(then `mcp-access local --stack practice`)",
        )
    url_port = parsed.port or 80
    if port is not None and port != url_port:
        raise LocalDirectusError(
            f"--port {port}: stack {stack!r} targets {directus_url} (port {url_port}), so it would not reach it",
            hint=f"drop --port, or change directusUrl in stacks/Pulumi.{stack}.yaml",
        )
    return url_port


def check_port(port: int) -> None:
    """Refuse, naming who holds it, a port another process listens on (Directus would exit with code 1)."""
    holder = holder_of(port)
    if holder is not None:
        raise LocalDirectusError(
            f"port {port} is taken by {holder}: the local Directus cannot listen on it",
            hint="stop that process, or use another port: `mcp-access local --port N` (make local PORT=N)",
        )


def ensure_running(
    say: Callable[[str], None], data_dir: Path | None = None, url: str = LOCAL_URL, *, port: int | None = None
) -> DirectusInstance:
    """The local Directus, started (detached) unless it already runs; ``say`` reports which.

    ``port`` (``--port``) replaces the port of ``url``; a running one on another port is an error, not ignored.
    """
    data_dir = data_dir or LOCAL_DATA_DIR
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
    instance = start(data_dir, port=port, detach=True, extensions=[EXTENSION_SOURCE])
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


@dataclass(frozen=True)
class Practice:
    """A local Directus started for a stack other than ``local``, with the collections its templates name."""

    instance: DirectusInstance
    created: list[str]


def start_practice(stack: str, work_dir: Path, say: Callable[[str], None], *, port: int | None = None) -> Practice:
    """A Directus of one's own for ``stack`` (its ``directusUrl`` must be on this machine): started in
    ``.local/<stack>``, given the collections the stack's templates name, and its admin token stored as the
    stack's provisioning token (encrypted, in the stack's file), so that ``preview`` and ``up`` work next."""
    from components.engine.workspace import open_stack
    from components.model.role_templates import project_templates
    from components.model.stack_files import check_stack_file
    from components.names import TOKEN_KEY

    config = check_stack_file(work_dir, stack, project_templates(work_dir))
    if config is None:
        raise LocalDirectusError(f"stacks/Pulumi.{stack}.yaml keeps its settings encrypted: start a Directus by hand")
    chosen = practice_port(stack, config.directus_url, port)
    stack_handle = open_stack(stack, work_dir=work_dir, create=False)  # before starting: the stack must exist
    instance = ensure_running(say, data_dir_of(stack, work_dir), url=config.directus_url, port=chosen)
    names = sorted({name for settings in config.templates.values() for name in settings.collections})
    with DirectusClient(instance.url, instance.admin_token) as client:
        created = ensure_demo_collections(client, names)
    stack_handle.set_config(TOKEN_KEY, auto.ConfigValue(instance.admin_token, secret=True))
    return Practice(instance, created)
