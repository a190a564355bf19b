"""policy/PulumiPolicy.yaml points at the pack's code: the files it names exist."""

from __future__ import annotations

import re

from components.names import PROJECT_ROOT


def test_the_policy_pack_file_names_files_that_exist() -> None:
    text = (PROJECT_ROOT / "policy" / "PulumiPolicy.yaml").read_text()
    named = re.findall(r"components/[\w/]+\.py", text)
    assert named
    assert [path for path in named if not (PROJECT_ROOT / path).is_file()] == []
