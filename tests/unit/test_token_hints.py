"""Setup hints never tell people to type the admin token on the command line (it would stay in shell history).

Every hint that says how to set the provisioning token names the environment variable or ``config set --secret``
without the value (Pulumi then asks for it without echo, or reads it from standard input).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.names import PROJECT_ROOT
from components.providers.connection import REJECTED_TOKEN_HINT, ProvisioningConfigError, connection_from

#: ``config set --secret [ns:]provisioningToken`` followed by a value or a placeholder for one.
TOKEN_ON_COMMAND_LINE = re.compile(r"config set --secret\s+(?:\S*:)?provisioningToken\s+(?:<|\.\.\.|\$|['\"\w])")

SHIPPED = [
    *sorted((PROJECT_ROOT / "components").rglob("*.py")),
    *sorted((PROJECT_ROOT / "stacks").glob("Pulumi.*.yaml")),
    *sorted((PROJECT_ROOT / "docs").rglob("*.md")),
    *sorted((PROJECT_ROOT / "examples").rglob("*.yml")),
    *sorted((PROJECT_ROOT / "examples").rglob("*.yaml")),
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(Path(p).relative_to(PROJECT_ROOT)))
def test_no_shipped_hint_puts_the_token_on_the_command_line(path: Path) -> None:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        assert not TOKEN_ON_COMMAND_LINE.search(line), f"{path}:{number}: {line.strip()}"


def test_the_rejected_and_missing_token_hints_name_the_safe_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    # The inline program's set-up copies a stack's token into this process's environment (engine/workspace.py):
    # an end-to-end test run before this one must not make the token look configured here.
    monkeypatch.delenv("DIRECTUS_PROVISIONING_TOKEN", raising=False)
    with pytest.raises(ProvisioningConfigError) as missing:
        connection_from({"directus-mcp-access:directusUrl": "https://cms.example.com"}.get)
    for hint in (REJECTED_TOKEN_HINT, str(missing.value)):
        assert not TOKEN_ON_COMMAND_LINE.search(hint), hint
        assert "DIRECTUS_PROVISIONING_TOKEN" in hint
        assert "standard input" in hint
