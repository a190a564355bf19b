"""The Directus version the code expects is the one ``tools/directus/package.json`` installs."""

from __future__ import annotations

import json

from components.localdev.server import directus_cli, pinned_version
from components.names import PROJECT_ROOT


def test_the_pinned_version_is_the_one_package_json_installs() -> None:
    package = json.loads((PROJECT_ROOT / "tools" / "directus" / "package.json").read_text())
    assert package["dependencies"]["directus"] == pinned_version() == pinned_version("12") == "12.4.1"
    assert pinned_version("11") == "11.17.4"
    # The Data Studio front end 18.0.1 that 12.4.1 pins is not served here: 18.0.0 (12.4.0's) replaces it.
    assert package["overrides"] == {"@directus/app": "18.0.0"}
    lock = json.loads((PROJECT_ROOT / "tools" / "directus" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/directus"]["version"] == "12.4.1"
    assert lock["packages"]["node_modules/@directus/api"]["version"] == "39.2.1"
    assert lock["packages"]["node_modules/@directus/app"]["version"] == "18.0.0"
    # One cache folder per version: a branch on another version does not reinstall over this one.
    assert directus_cli().parts[-4] == "directus-12.4.1"
    assert directus_cli("11").parts[-4] == "directus-11-11.17.4"
