"""The outbox: the folder (``delivery.outbox``) where ``up`` and ``rotate`` leave one sealed bundle per member.

Layout: ``<outbox>/<stack>/<member>.age``, folders mode 700, files mode 600; the newest bundle of a member
replaces the previous one (the previous token no longer works anyway). A relative ``outbox`` is relative to the
project folder (the one with ``Pulumi.yaml``); the default, ``outbox/``, is git-ignored. The bundles are sealed,
so the folder is safe to publish as a CI artifact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from components.ops.delivery.seal import BUNDLE_SUFFIX, DeliveryError


def outbox_dir(setting: str, project: Path, stack: str) -> Path:
    """The stack's folder in the outbox ``setting`` names."""
    base = Path(setting).expanduser()
    return (base if base.is_absolute() else project / base) / stack


def bundle_path(folder: Path, member: str) -> Path:
    return folder / f"{member}{BUNDLE_SUFFIX}"


def check_writable(folder: Path, stack: str) -> None:
    """Create ``folder`` (mode 700) and prove a file can be written there, before anything changes.

    Raises a :class:`DeliveryError` naming ``delivery.outbox``, the stack and the folder. Checking by writing (not
    with ``os.access``) also catches read-only file systems and runs as root correctly.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DeliveryError(
            f"delivery.outbox of stack {stack!r}: cannot write sealed bundles to {folder} ({exc.strerror or exc})",
            hint="set delivery.outbox in the stack file to a writable folder",
        ) from None
