"""Members' key pairs made in the test, as a member makes them: ``ssh-keygen`` (Ed25519, RSA) and ``age-keygen``."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class KeyPair:
    #: What goes into the roster (``members[].recipient``).
    public: str
    #: The private key file the member passes to ``age -d -i``.
    identity: Path


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: run tools/bootstrap.sh (it installs the Debian packages age, openssh-client)")
    return found


def ssh_key(folder: Path, name: str, key_type: str = "ed25519") -> KeyPair:
    path = folder / f"{name}_{key_type}"
    args = [need("ssh-keygen"), "-q", "-t", key_type, "-N", "", "-C", f"{name}@laptop", "-f", str(path)]
    if key_type == "rsa":
        args += ["-b", "2048"]
    subprocess.run(args, check=True)
    return KeyPair(path.with_suffix(".pub").read_text().strip(), path)


def age_key(folder: Path, name: str) -> KeyPair:
    path = folder / f"{name}.agekey"
    subprocess.run([need("age-keygen"), "-o", str(path)], check=True, capture_output=True)
    public = subprocess.run([need("age-keygen"), "-y", str(path)], check=True, capture_output=True, text=True)
    return KeyPair(public.stdout.strip(), path)


def age_decrypt(bundle: Path, identity: Path) -> subprocess.CompletedProcess[str]:
    """``age -d -i IDENTITY BUNDLE``: what the member runs (the Debian ``age`` binary, not this project)."""
    return subprocess.run(
        [need("age"), "-d", "-i", str(identity), str(bundle)], capture_output=True, text=True, check=False
    )
