"""Sealing: a standard age file only the member's key opens, written whole with mode 600 or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyrage
import pytest

from components.ops.delivery.outbox import bundle_path, check_writable, outbox_dir
from components.ops.delivery.seal import DeliveryError, seal, write_bundle, write_private
from tests.helpers.keys import age_key, ssh_key

DOCUMENT = "# MCP access for kim\n\nclaude mcp add ... --header 'Authorization: Bearer t0ken'\n"


def identity(path: Path) -> pyrage.x25519.Identity | pyrage.ssh.Identity:
    text = path.read_bytes()
    if path.suffix == ".agekey":
        line = next(x for x in text.decode().splitlines() if x.startswith("AGE-SECRET-KEY-"))
        return pyrage.x25519.Identity.from_str(line)
    return pyrage.ssh.Identity.from_buffer(text)


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "age"])
def test_only_the_members_key_opens_the_bundle(tmp_path: Path, kind: str) -> None:
    kim = age_key(tmp_path, "kim") if kind == "age" else ssh_key(tmp_path, "kim", kind)
    lee = ssh_key(tmp_path, "lee")
    sealed = seal(DOCUMENT, kim.public)
    assert sealed.startswith(b"age-encryption.org/v1\n") and b"t0ken" not in sealed
    assert pyrage.decrypt(sealed, [identity(kim.identity)]).decode() == DOCUMENT
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed, [identity(lee.identity)])


def test_a_bundle_is_written_with_mode_600_and_replaces_the_previous_one(tmp_path: Path) -> None:
    kim = age_key(tmp_path, "kim")
    path = bundle_path(tmp_path / "outbox" / "prod", "kim")
    write_bundle(path, "old", kim.public)
    write_bundle(path, DOCUMENT, kim.public)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert pyrage.decrypt(path.read_bytes(), [identity(kim.identity)]).decode() == DOCUMENT
    assert sorted(p.name for p in path.parent.iterdir()) == ["kim.age"]  # no temporary file left


def test_a_failed_write_leaves_no_partial_file_and_keeps_the_previous_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kim.age"
    write_private(path, b"previous bundle")

    def broken_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_disk)
    with pytest.raises(OSError, match="No space left"):
        write_private(path, b"new bundle")
    assert path.read_bytes() == b"previous bundle"
    assert [p.name for p in tmp_path.iterdir()] == ["kim.age"]

    fresh = tmp_path / "lee.age"
    with pytest.raises(OSError):
        write_private(fresh, b"x")
    assert not fresh.exists() and [p.name for p in tmp_path.iterdir()] == ["kim.age"]


def test_an_unwritable_bundle_path_is_a_named_error(tmp_path: Path) -> None:
    kim = age_key(tmp_path, "kim")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DeliveryError, match=r"cannot write the sealed bundle .*file/kim\.age"):
        write_bundle(tmp_path / "file" / "kim.age", DOCUMENT, kim.public)


def test_an_unwritable_outbox_names_the_setting_the_stack_and_the_folder(tmp_path: Path) -> None:
    (tmp_path / "outbox").write_text("a file where the folder should be")
    folder = outbox_dir("outbox", tmp_path, "production")
    with pytest.raises(DeliveryError) as caught:
        check_writable(folder, "production")
    message = str(caught.value)
    assert f"delivery.outbox of stack 'production': cannot write sealed bundles to {folder}" in message
    assert "what to do: set delivery.outbox" in message
    assert not any(p.name.startswith(".probe") for p in tmp_path.rglob("*"))


def test_the_outbox_is_relative_to_the_project_unless_absolute(tmp_path: Path) -> None:
    assert outbox_dir("outbox", tmp_path, "prod") == tmp_path / "outbox" / "prod"
    assert outbox_dir(str(tmp_path / "elsewhere"), Path("/nowhere"), "prod") == tmp_path / "elsewhere" / "prod"
    check_writable(tmp_path / "new" / "prod", "prod")
    assert stat.S_IMODE((tmp_path / "new" / "prod").stat().st_mode) == 0o700
    assert list((tmp_path / "new" / "prod").iterdir()) == []
