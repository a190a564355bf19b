"""A throw-away Redis for the ``postgres-redis`` profile: loopback only, a password, no persistence.

``redis-server`` comes from the Debian package that ``tools/bootstrap.sh`` installs when it is missing.
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

from components.errors import McpAccessError


class RedisError(McpAccessError):
    """Redis could not be found or started."""


@dataclass(frozen=True)
class RedisServer:
    port: int
    password: str
    pid: int

    @property
    def url(self) -> str:
        """The ``redis://`` connection string Directus takes in ``REDIS`` (a secret: never print it)."""
        return f"redis://default:{self.password}@127.0.0.1:{self.port}"

    def __repr__(self) -> str:
        return f"RedisServer(port={self.port}, pid={self.pid})"


def start_redis(folder: Path, port: int, timeout: float = 15.0) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisError(
            "redis-server is not installed: run tools/bootstrap.sh --with-redis (Debian package redis-server)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(24)
    config = folder / "redis.conf"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:  # the password stays out of the process list
        handle.write(
            f'bind 127.0.0.1\nport {port}\nrequirepass "{password}"\nsave ""\nappendonly no\n'
            f"dir {folder}\ndaemonize no\nprotected-mode yes\n"
        )
    log = (folder / "redis.log").open("ab")
    process = subprocess.Popen([binary, str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisError(f"redis-server exited with code {process.returncode}; see {folder / 'redis.log'}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return RedisServer(port=port, password=password, pid=process.pid)
        time.sleep(0.1)
    process.kill()
    raise RedisError(f"redis-server did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def stop_redis(server: RedisServer, timeout: float = 10.0) -> None:
    try:
        os.kill(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(server.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if finished:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGKILL)
