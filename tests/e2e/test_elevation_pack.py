"""The policy pack's ``elevation-time-box`` rule, run by the real Pulumi CLI on a preview of a tampered program
(the project's program refuses the same elevations before declaring anything: see tests/e2e/test_expiry.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.localdev.server import DirectusInstance
from components.model.clock import NOW_ENV
from tests.e2e.test_policy_pack import base_config, violations


def test_production_refuses_a_developer_elevation_without_reason_or_end_or_too_long(
    directus: DirectusInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NOW_ENV, "2027-03-10T12:00:00+00:00")  # the engine and the pack inherit it
    raw = base_config(
        directus,
        templates={"content": {"collections": ["articles"]}, "developer": {"collections": ["articles"]}},
        guardrails={"allowAdminAccess": True},
        ipAllowlist=["127.0.0.1/32"],
        elevations=[
            {"member": "john", "template": "developer"},
            {"member": "sarah", "template": "developer", "until": "2027-03-11T12:00:00Z", "reason": "migration"},
        ],
    )
    found = violations(directus, tmp_path, raw, stack="production")
    assert sorted(found["elevation-time-box"]) == [
        "member 'john': elevation to 'developer' on production stack 'production' has no end (until); at most 8 "
        "hours are allowed",
        "member 'john': elevation to 'developer' on production stack 'production' has no reason",
        "member 'sarah': elevation to 'developer' on production stack 'production' lasts 24.0 more hours; at most 8 "
        "are allowed",
    ]
