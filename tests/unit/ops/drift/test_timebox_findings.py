"""``drift`` names silent lockouts in words with what to do, and expired members and elevations as findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pulumi import automation as auto

from components.kinds import STATIC_TOKEN, USER
from components.model.stack_config import parse_config
from components.ops.drift.expiry import expiry_findings
from components.ops.drift.wording import drifted
from tests.unit.ops.drift.test_wording import NOW, TOKEN_DECLARED, step

TAGS = ["managed-by:directus-mcp-access", "mcp-stack:team"]
DECLARED = {"email": "ai-john@x.com", "status": "active", "tags": TAGS}


@pytest.mark.parametrize(
    ("status", "said", "todo"),
    [
        ("inactive-license", "was set to inactive-license by Directus (more seat users than", "free a seat"),
        ("suspended", "is suspended (by hand, or by Directus after repeated failed logins)", "`mcp-access audit`"),
        ("draft", "is a draft user, who cannot sign in", "run `up` to set it active"),
        ("invited", "is an invited user whose invite was not accepted", "the invite is then void"),
        ("archived", "is archived, which cannot sign in", "remove the member from the code if it left"),
    ],
)  # fmt: skip
def test_a_locked_out_user_is_named_with_its_status_and_what_to_do(status: str, said: str, todo: str) -> None:
    live = {**DECLARED, "status": status}
    token_live = {**TOKEN_DECLARED, "status": "invalid", "rotation_due": (NOW + timedelta(days=9)).isoformat()}
    steps = [
        step(USER, "john-user", auto.OpType.UPDATE, live, DECLARED),
        step(STATIC_TOKEN, "john-token", auto.OpType.REPLACE, token_live, TOKEN_DECLARED),
    ]
    token, user = drifted(steps, frozenset(s.urn for s in steps), now=NOW)
    assert (user.operation, token.operation) == ("update", "replace")  # what `up` does about it
    assert (user.lockout, token.lockout) == (status, status)
    assert user.as_dict()["lockout"] == status
    assert user.summary.startswith(f"the MCP user of member john {said}")
    assert todo in user.summary
    assert "status differs" not in user.summary
    assert token.summary.startswith(f"the token of member john is refused while its user is {status}")


def test_expired_members_expiring_ones_and_elevations_are_findings() -> None:
    config = parse_config(
        {
            "directusUrl": "https://c.example.com",
            "members": [
                {"name": "kim", "email": "kim@company.com", "template": "content", "expires": "2026-11-01"},
                {"name": "lee", "email": "lee@company.com", "template": "content", "expires": "2026-12-01"},
                {"name": "max", "email": "max@company.com", "template": "content", "expires": "2027-06-01"},
                {"name": "off", "email": "o@c.com", "template": "content", "expires": "2026-01-01", "enabled": False},
            ],
            "elevations": [
                {"member": "lee", "template": "developer", "until": "2026-11-24T16:00:00Z", "reason": "migration"},
                {"member": "max", "template": "developer", "until": "2026-11-24T10:00:00Z"},
            ],
        },
        templates=["content", "developer"],
    )  # fmt: skip
    messages = [f.message for f in expiry_findings(config, datetime(2026, 11, 24, 12, tzinfo=UTC), warn_days=14)]
    assert messages == [
        "member kim expired on 2026-11-01 00:00 UTC: its access ended (`expire` or `up` suspends its user and clears "
        "its token); remove the member from the code, or move `expires` to give access back",
        "member lee expires on 2026-12-01 00:00 UTC (in 6 days 12 hours); extend `expires` in the code if it should "
        "keep access",
        "elevation of member lee to developer runs until 2026-11-24 16:00 UTC (reason: migration)",
        "elevation of member max to developer ended on 2026-11-24 10:00 UTC: `expire` or `up` gives it its own "
        "template's role back; remove the entry from `elevations` in the code",
    ]
