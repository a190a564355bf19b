"""Write a file that holds a secret (a member's onboarding document with its token): owner-only, never through a link.

``os.open(path, O_CREAT | O_TRUNC, 0o600)`` alone is not enough: the mode applies only when the file is created, so
an existing 0644 file stays world-readable, and a symbolic link is followed to wherever it points. Here a link is
refused (``O_NOFOLLOW``), anything but a regular file is refused, and the mode is set on the open descriptor before
the first byte is written.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from components.errors import McpAccessError

PRIVATE_MODE = 0o600


class PrivateFileError(McpAccessError):
    """The target of a secret-bearing file is a symbolic link, not a regular file, or cannot be written."""


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 600 (created or truncated); refuse a symbolic link or a special file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PrivateFileError(
                f"{path} is a symbolic link: refusing to write a token through it", hint="give the path of a file"
            ) from None
        raise PrivateFileError(f"{path}: cannot write it ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PrivateFileError(f"{path} is not a regular file: refusing to write a token to it")
        os.fchmod(fd, PRIVATE_MODE)  # an existing file keeps its mode otherwise
        os.ftruncate(fd, 0)
        with os.fdopen(fd, "w", closefd=False) as handle:
            handle.write(text)
    finally:
        os.close(fd)
