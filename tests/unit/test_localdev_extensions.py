"""The folder a local Directus runs from: a package.json (or Directus loads no extension) and copies of extensions."""

from __future__ import annotations

import json
from pathlib import Path

from components.localdev.server import _prepare_working_folder
from components.model.recorder_extension import EXTENSION_SOURCE


def test_the_working_folder_gets_a_package_json_and_a_copy_of_the_extension(tmp_path: Path) -> None:
    (tmp_path / "extensions").mkdir()
    before = sorted(p.name for p in EXTENSION_SOURCE.iterdir())
    _prepare_working_folder(tmp_path, [EXTENSION_SOURCE])
    assert json.loads((tmp_path / "package.json").read_text())["private"] is True
    copied = tmp_path / "extensions" / EXTENSION_SOURCE.name
    assert sorted(p.name for p in copied.iterdir()) == ["index.js", "lib.js", "package.json"]  # no tests shipped
    assert sorted(p.name for p in EXTENSION_SOURCE.iterdir()) == before  # the source is only read
    _prepare_working_folder(tmp_path, [EXTENSION_SOURCE])  # a restart replaces the copy
    _prepare_working_folder(tmp_path, [])  # a Directus without extensions still gets its package.json
    assert (tmp_path / "package.json").exists()
