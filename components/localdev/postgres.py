"""A throw-away PostgreSQL server for the ``postgres-redis`` profile and the shared Pulumi state backend tests.

It runs from the PostgreSQL server binaries on the machine (``initdb``/``pg_ctl``, found under
``/usr/lib/postgresql/<major>/bin`` or on ``PATH``), in a folder of its own, listening on 127.0.0.1 only, with
password (scram) authentication. PostgreSQL refuses to run as root: when this process is root, the server runs
as the ``postgres`` system user (``runuser``), which then owns the data folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from components.errors import McpAccessError

#: Folders searched, newest major first, before ``PATH``.
_SERVER_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "mcp_access"
_PORT_ATTEMPTS = 5


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


class PostgresError(McpAccessError):
    """PostgreSQL could not be found, initialised or started."""


def server_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``."""
    found = sorted(Path("/").glob(_SERVER_BIN_GLOB.lstrip("/")), key=lambda p: p.parent.name, reverse=True)
    for folder in found:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresError("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin")


@dataclass(frozen=True)
class PostgresServer:
    """A running local PostgreSQL: where it listens and its superuser's password (never shown)."""

    port: int
    data_dir: Path
    password: str

    def url(self, database: str = "postgres") -> str:
        """A ``postgres://`` URL with credentials (a secret: never print it)."""
        return f"postgres://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def env(self) -> dict[str, str]:
        """libpq variables for the client tools (``psql``, ``pg_dump``, ``createdb``)."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": SUPERUSER,
            "PGPASSWORD": self.password,
        }

    def __repr__(self) -> str:
        return f"PostgresServer(port={self.port}, data_dir={str(self.data_dir)!r})"


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _chown_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(command: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("ab") as out:
        done = subprocess.run(command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env, check=False)
    if done.returncode != 0:
        raise PostgresError(f"{Path(command[0]).name} failed (exit {done.returncode}); see {log}")


def start_postgres(port: int) -> PostgresServer:
    """Initialise a new cluster in a new temporary folder and start it on 127.0.0.1:``port``.

    The folder is made in the system's temporary directory rather than beside the caller's data: when the
    server runs as ``postgres``, every folder above its data must be open to that user (pytest's are not).
    """
    bin_dir = server_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="mcp-access-postgres-"))
    _chown_to_server_user(folder)
    data_dir = folder / "pgdata"
    password = secrets.token_hex(24)
    log = folder / "setup.log"  # written by this process; the server writes server.log
    pwfile = folder / "pwfile"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    _chown_to_server_user(pwfile)
    try:
        _run(
            _as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-sync",
                ]
            ),
            log,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    # The port was free when chosen, but on a busy machine another process may take it before the server binds:
    # try a few fresh ports (the cluster is initialised once).
    for attempt in range(_PORT_ATTEMPTS):
        port = port if attempt == 0 else _free_port()
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' -c fsync=off"
        pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(folder / "server.log")]
        try:
            _run(_as_server_user([*pg_ctl, "-w", "start"]), folder / "pg_ctl.log")
            break
        except PostgresError:
            if "Address already in use" not in _read(folder / "server.log") or attempt == _PORT_ATTEMPTS - 1:
                raise
    return PostgresServer(port=port, data_dir=data_dir, password=password)


def create_database(server: PostgresServer, name: str) -> None:
    """``CREATE DATABASE name`` (the client tool ``createdb`` of the same installation)."""
    createdb = server_bin_dir() / "createdb"
    tool = str(createdb) if createdb.exists() else "createdb"
    _run([tool, name], server.data_dir.parent / "setup.log", env={**os.environ, **server.env()})


def dump_database(server: PostgresServer, name: str) -> str:
    """The database as SQL text (``pg_dump``: schema and every row), e.g. to scan it for secrets."""
    pg_dump = server_bin_dir() / "pg_dump"
    done = subprocess.run(
        [str(pg_dump) if pg_dump.exists() else "pg_dump", "--no-owner", name],
        env={**os.environ, **server.env()},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise PostgresError(f"pg_dump {name} failed (exit {done.returncode})")
    return done.stdout


def stop_postgres(server: PostgresServer, *, remove: bool = True) -> None:
    """Stop the server (fast shutdown) and, with ``remove``, delete its folder. Already stopped is fine."""
    with contextlib.suppress(PostgresError):
        _run(
            _as_server_user([str(server_bin_dir() / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast", "-w", "stop"]),
            server.data_dir.parent / "pg_ctl.log",
        )
    if remove:
        shutil.rmtree(server.data_dir.parent, ignore_errors=True)
