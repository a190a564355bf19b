"""Expiring members and elevations in the stack config: parsing, bad input named, guardrails, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from components.model.access_at import member_active, template_at
from components.model.clock import NOW_ENV, ClockError, now
from components.model.role_specs import stack_role_specs
from components.model.stack_config import ConfigError, StackConfig, parse_config
from components.model.timebox_rules import elevation_guardrail_problems, past_in_change

TEMPLATES = ["analysis", "content", "developer"]
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def config(**extra: Any) -> StackConfig:
    raw: dict[str, Any] = {
        "directusUrl": "https://cms.example.com",
        "members": [
            {"name": "kim", "email": "kim@company.com", "template": "content", "expires": "2027-03-31"},
            {"name": "lee", "email": "lee@company.com", "template": "content"},
        ],
        "guardrails": {"allowAdminAccess": True},
        **extra,
    }
    return parse_config(raw, templates=TEMPLATES)


def test_a_date_means_midnight_utc_and_an_offset_is_kept_as_the_same_moment() -> None:
    kim = config().members[0]
    assert kim.expires == datetime(2027, 3, 31, tzinfo=UTC)
    member = {"name": "x", "email": "x@company.com", "template": "content", "expires": "2027-03-31T18:00:00+02:00"}
    parsed = parse_config({"directusUrl": "https://c.example.com", "members": [member]}, templates=TEMPLATES)
    assert parsed.members[0].expires == datetime(2027, 3, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("next friday", "members[0].expires: 'next friday' is not a date (YYYY-MM-DD)"),
        ("2027-02-30", "members[0].expires: '2027-02-30' is not a date"),
        ("2027-03-31T18:00:00", "members[0].expires: '2027-03-31T18:00:00' has no offset"),
        (20270331, "members[0].expires: 20270331 is not a date"),
    ],
)
def test_an_expires_that_is_no_date_is_named_with_its_field_and_value(value: object, expected: str) -> None:
    member = {"name": "kim", "email": "kim@company.com", "template": "content", "expires": value}
    with pytest.raises(ConfigError) as caught:
        parse_config({"directusUrl": "https://c.example.com", "members": [member]}, templates=TEMPLATES)
    assert expected in str(caught.value)


def test_an_elevation_for_an_unknown_member_or_template_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        config(
            elevations=[
                {"member": "zoe", "template": "developer", "until": "2027-03-10T15:00:00Z", "reason": "schema work"},
                {"member": "lee", "template": "content", "reason": "same template"},
                {"member": "lee", "template": "developer", "reason": "twice"},
            ]
        )
    text = str(caught.value)
    assert "elevations[0].member: 'zoe' is not a member of this stack (members: kim, lee)" in text
    assert "elevations[1].template: 'content' is already the template of member lee" in text
    assert "elevations[2].member: 'lee' is already elevated by elevations[1] (one elevation per member)" in text
    with pytest.raises(ConfigError) as caught:
        config(elevations=[{"member": "kim", "template": "superuser", "until": "not-a-time", "reason": "why not"}])
    text = str(caught.value)
    assert (
        "elevations[0].template: 'superuser' is not a role template (available: analysis, content, developer)" in text
    )
    assert "elevations[0].until: 'not-a-time' is not a date (YYYY-MM-DD) or an ISO 8601 date-time" in text


def test_expired_members_are_inactive_and_elevations_end_with_until_or_with_the_member() -> None:
    stack = config(elevations=[{"member": "kim", "template": "developer", "until": "2027-03-10T15:00:00Z"}])
    kim, lee = stack.members
    assert member_active(kim, NOW) and not member_active(kim, datetime(2027, 3, 31, tzinfo=UTC))
    assert member_active(lee, datetime(2099, 1, 1, tzinfo=UTC))
    assert template_at(stack, kim, NOW) == "developer"
    assert template_at(stack, kim, datetime(2027, 3, 10, 15, 0, tzinfo=UTC)) == "content"  # until is exclusive
    assert template_at(stack, lee, NOW) == "content"


def test_production_refuses_a_developer_elevation_without_until_or_reason_or_longer_than_the_limit() -> None:
    stack = config(
        elevations=[
            {"member": "kim", "template": "developer"},
            {"member": "lee", "template": "developer", "until": "2027-03-10T21:00:00Z", "reason": "schema change"},
        ]
    )
    problems = elevation_guardrail_problems(stack, "production", {"developer"}, NOW)
    assert problems == [
        "elevations[0].until: missing (kim to developer): an elevation to a template with admin access on production "
        "stack 'production' needs an end, at most 8 hours away",
        "elevations[0].reason: missing (kim to developer): an elevation to a template with admin access on production "
        "stack 'production' needs a reason",
        "elevations[1].until: 2027-03-10T21:00:00+00:00 (lee to developer) is 9.0 hours from now, longer than "
        "guardrails.maxElevationHours (8)",
    ]
    assert elevation_guardrail_problems(stack, "staging", {"developer"}, NOW) == [problems[2]]


def test_the_program_refuses_the_elevation_before_any_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, NOW.isoformat())
    stack = config(
        elevations=[{"member": "kim", "template": "developer", "until": "2027-03-11T12:00:00Z", "reason": "x-y-z"}],
        guardrails={"allowAdminAccess": True, "maxElevationHours": 4},
    )
    with pytest.raises(ConfigError, match=r"elevations\[0\].until: .* is 24.0 hours from now, longer than "):
        stack_role_specs(stack, "production")


def test_a_past_date_is_refused_in_a_change_and_accepted_once_applied() -> None:
    stack = config(
        members=[
            {"name": "kim", "email": "kim@company.com", "template": "content", "expires": "2027-03-01"},
            {"name": "old", "email": "old@company.com", "template": "content", "expires": "2027-01-01"},
            {
                "name": "off",
                "email": "off@company.com",
                "template": "content",
                "expires": "2027-01-01",
                "enabled": False,
            },
        ],
        elevations=[{"member": "kim", "template": "developer", "until": "2027-03-09T10:00:00Z"}],
    )
    applied = {"old": {"expires": "2027-01-01T00:00:00+00:00"}}
    assert past_in_change(stack, applied, [], NOW) == [
        "members[0].expires: 2027-03-01T00:00:00+00:00 (kim) is in the past: this change would end kim's access at "
        "once; give a future date, or set `enabled: false` to end it on purpose",
        "elevations[0].until: 2027-03-09T10:00:00+00:00 (kim to developer) is in the past: give an end in the future, "
        "or remove the elevation",
    ]
    applied["kim"] = {"expires": "2027-03-01T00:00:00+00:00"}
    elevations = [{"member": "kim", "template": "developer", "until": "2027-03-09T10:00:00+00:00"}]
    assert past_in_change(stack, applied, elevations, NOW) == []


def test_the_clock_reads_mcp_access_now_and_names_a_bad_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, "2027-03-10T12:00:00Z")
    assert now() == NOW
    monkeypatch.setenv(NOW_ENV, "tomorrow")
    with pytest.raises(ClockError, match="environment variable MCP_ACCESS_NOW: 'tomorrow' is not a date"):
        now()
    monkeypatch.delenv(NOW_ENV)
    assert abs((now() - datetime.now(UTC)).total_seconds()) < 5
