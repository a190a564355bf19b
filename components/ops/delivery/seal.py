"""Sealing one bundle: the member's onboarding document encrypted to their key, written atomically with mode 600.

Encryption is :func:`pyrage.encrypt` (the Rust ``age`` crate): the output is a standard age file that
``age -d -i KEY bundle.age`` opens, with an SSH private key or an age identity file. Nothing here is cryptography
of our own. The file appears complete or not at all: the ciphertext is written to a temporary file in the target
folder (created with mode 600), flushed to disk, then renamed over the target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyrage

from components.errors import McpAccessError
from components.model.delivery_config import parse_recipient

#: What a bundle file is called: ``<member>.age`` in ``<outbox>/<stack>/``.
BUNDLE_SUFFIX = ".age"


class DeliveryError(McpAccessError):
    """Sealed delivery cannot go ahead: no recipient, an unwritable outbox, a token that must stay sealed."""


def seal(text: str, recipient: str) -> bytes:
    """``text`` encrypted to ``recipient`` (``age1...`` or an SSH public key line), in the binary age format."""
    try:
        return pyrage.encrypt(text.encode(), [parse_recipient(recipient)])
    except pyrage.EncryptError as exc:  # the message is about the key, never the plaintext
        raise DeliveryError(f"age could not encrypt to the recipient: {exc}") from None


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 600, atomically: no partial file, whatever fails."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bundle(path: Path, text: str, recipient: str) -> Path:
    """Seal ``text`` to ``recipient`` into ``path``; a :class:`DeliveryError` naming the path if it cannot be."""
    data = seal(text, recipient)
    try:
        write_private(path, data)
    except OSError as exc:
        raise DeliveryError(f"cannot write the sealed bundle {path}: {exc.strerror or exc}") from None
    return path
