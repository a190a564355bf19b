"""Who holds a TCP port on this machine, so that a local Directus that cannot start says why, before it tries.

Read from ``/proc`` (Linux): the listening sockets of ``/proc/net/tcp`` and ``tcp6`` and, for each, the process
whose open files include that socket (visible for one's own processes, or all of them as root).
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

_LISTEN = "0A"


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def holder_of(port: int) -> str | None:
    """``pid 1234 (node /path/cli.js start)`` for the process listening on ``port``; ``"another process"`` when
    the port is taken but its owner cannot be seen; ``None`` when the port is free."""
    inodes = _listening_inodes(port)
    if not inodes and _bindable(port):
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in targets:
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                    return f"pid {entry.name} ({command[:120] or '?'})"
    return "another process"


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
