"""The policy pack runs in its own process on every preview: its rules must load nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("httpx", "pydantic", "jinja2", "components.directus", "components.providers", "components.model.stack_config")


def _modules_after_import(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", ["components.guardrails", "components.guardrails.rules"])
def test_guardrail_rules_import_no_client_no_pydantic(module: str) -> None:
    loaded = _modules_after_import(module)
    heavy = sorted(name for name in loaded if any(name == h or name.startswith(f"{h}.") for h in HEAVY))
    assert heavy == []


def test_the_pack_itself_loads_no_directus_client() -> None:
    """The pack adds pulumi_policy (its gRPC server), still without the Directus client or the config model."""
    loaded = _modules_after_import("components.guardrails.pack")
    assert "pulumi_policy" in loaded
    heavy = sorted(name for name in loaded if any(name == h or name.startswith(f"{h}.") for h in HEAVY))
    assert heavy == []
