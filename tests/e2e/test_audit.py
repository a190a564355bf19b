"""``mcp-access audit`` on a real Directus: activity produced by acting as the MCP users, through ``POST /mcp``.

One stack (content member john, analysis member sarah, deletes on) is brought up once. A clean period is
audited first (exit 0); then each warning sign is produced and the audit of that period flags it (exit 1):

- mass deletion: john deletes 3 articles through MCP (threshold 3 within 10 minutes);
- write outside the template: MCP cannot write outside the template by design (permissions refuse it, and a
  refused call leaves no row). The realistic way it happens is an out-of-band change: an admin attaches a
  hand-made policy granting ``internal_notes`` to john's user (the drift check reports that; the audit shows
  what was written meanwhile). John writes a note through MCP, the admin removes the policy;
- outside working hours: the stack's working hours are set to a window that excludes now;
- suspension: Directus's own mechanism, not a PATCH of the status: the admin gives sarah a password, lowers
  ``auth_login_attempts`` to 2 for the test and fails password logins until Directus suspends her.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import call_tool
from components.localdev.server import DirectusInstance
from tests.helpers.stacks import make_stack, set_values

STACK = "audit"
ZONE = "Asia/Kathmandu"  # UTC+05:45, no daylight saving: the working hours below are easy to place around now
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OPEN_HOURS = {"timezone": ZONE, "workingHours": "00:00-24:00", "workDays": ALL_DAYS}
AUDIT = {**OPEN_HOURS, "massDeleteThreshold": 3, "massDeleteWindowMinutes": 10}
MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content"},
    {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
]


@dataclass
class Team:
    stack: auto.Stack
    work_dir: Path
    backend: str
    passphrase: str


@pytest.fixture(scope="module")
def team(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    base = tmp_path_factory.mktemp("audit")
    passphrase = secrets.token_hex(16)
    stack = make_stack(
        directus,
        base,
        STACK,
        env={"PULUMI_CONFIG_PASSPHRASE": passphrase},
        templates={"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
        members=MEMBERS,
        mcp={"enabled": True, "allowDeletes": True},
        audit=AUDIT,
    )
    stack.up(color="never")
    yield Team(stack, base / "project", (base / "state").as_uri(), passphrase)
    stack.destroy(color="never")


@pytest.fixture
def audit(team: Team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``mcp-access audit`` on the team's stack as a user would: (exit code, stdout, stderr)."""
    monkeypatch.setenv("PULUMI_BACKEND_URL", team.backend)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", team.passphrase)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["audit", "--stack", STACK, "--repo", str(team.work_dir), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def mcp(team: Team, member: str, action: str, collection: str, **arguments: Any) -> Any:
    outputs = team.stack.outputs()
    result = call_tool(
        outputs["mcpUrl"].value,
        outputs["tokens"].value[member],
        "items",
        {"action": action, "collection": collection, **arguments},
    )
    assert not result.is_error, result.text
    return result.json()


def created_id(answer: Any) -> Any:
    return answer["raw"][0]["id"]


def a_moment_ago() -> str:
    """The start of a new period: after every row written so far (timestamps have millisecond precision)."""
    time.sleep(0.05)
    return datetime.now(UTC).isoformat()


def test_a_clean_period_exits_0_and_still_says_what_directus_does_not_record(team: Team, audit: Any) -> None:
    since = a_moment_ago()
    article = created_id(mcp(team, "john", "create", "articles", data={"title": "Written by an assistant"}))
    mcp(team, "john", "update", "articles", keys=[article], data={"body": "Edited through MCP"})
    mcp(team, "sarah", "read", "articles")  # reads leave no trace

    code, out, err = audit("--since", since, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["findings"] == [] and report["exitCode"] == 0
    activity = {m["name"]: m["activity"] for m in report["members"]}
    assert activity == {"john": {"create": 1, "update": 1}, "sarah": {}}
    assert report["period"]["timezone"] == ZONE

    code, out, _ = audit("--since", since)
    assert code == 0
    assert "No findings." in out and "## Not recorded by Directus" in out
    assert "| john | ai-john@company.com | content | enabled | active | 1 | 1 | 0 | 0 | 0 |" in out


def attach_hand_made_policy(admin: DirectusClient, user_id: str) -> tuple[str, str]:
    policy = admin.create("/policies", {"name": "hand-made notes access", "app_access": False, "admin_access": False})
    admin.create_many(
        "/permissions",
        [
            {"policy": policy["id"], "collection": "internal_notes", "action": a, "fields": ["*"]}
            for a in ("create", "read")
        ],
    )
    link = admin.create("/access", {"user": user_id, "policy": policy["id"]})
    return str(policy["id"]), str(link["id"])


def suspend_by_failed_logins(directus: DirectusInstance, admin: DirectusClient, user_id: str, email: str) -> int:
    """Fail password logins until Directus suspends the user; returns the attempts it took."""
    admin.update("/users", user_id, {"password": secrets.token_urlsafe(16)})
    admin.request("PATCH", "/settings", json={"auth_login_attempts": 2})
    try:
        for attempt in range(1, 11):
            answer = httpx.post(
                f"{directus.url}/auth/login",
                json={"email": email, "password": "wrong password"},
                headers={"User-Agent": "credential-stuffer/0.1"},
            )
            assert answer.status_code == 401
            if admin.get_by_id("/users", user_id, fields=["status"]) == {"status": "suspended"}:
                return attempt
        raise AssertionError("Directus did not suspend the user after 10 failed logins")
    finally:
        admin.request("PATCH", "/settings", json={"auth_login_attempts": 25})


def hours_excluding_now() -> str:
    local = datetime.now(ZoneInfo(ZONE))
    start = (local + timedelta(hours=3)).replace(minute=0)
    return f"{start:%H}:00-{(start + timedelta(hours=2)):%H}:00"


def test_warning_signs_produced_through_mcp_are_flagged_exit_1(
    team: Team, audit: Any, admin: DirectusClient, directus: DirectusInstance
) -> None:
    members = team.stack.outputs()["members"].value
    john_id, sarah_id = members["john"]["userId"], members["sarah"]["userId"]
    since = a_moment_ago()

    # Mass deletion through MCP: 3 deletes within the 10-minute window.
    doomed = [created_id(mcp(team, "john", "create", "articles", data={"title": f"draft {i}"})) for i in range(3)]
    assert mcp(team, "john", "delete", "articles", keys=doomed)["raw"] == doomed

    # A write outside john's template, possible only while a hand-made policy was attached to his user.
    refused = call_tool(
        team.stack.outputs()["mcpUrl"].value,
        team.stack.outputs()["tokens"].value["john"],
        "items",
        {"action": "create", "collection": "internal_notes", "data": {"title": "refused"}},
    )
    assert refused.is_error  # refused by permissions: and it leaves no activity row
    policy_id, link_id = attach_hand_made_policy(admin, john_id)
    try:
        note = created_id(mcp(team, "john", "create", "internal_notes", data={"title": "Copied by an assistant"}))
    finally:
        admin.delete("/access", link_id)
        admin.delete("/policies", policy_id)

    # Suspension by Directus after failed password logins.
    attempts = suspend_by_failed_logins(directus, admin, sarah_id, members["sarah"]["mcpEmail"])

    # Working hours that exclude now.
    set_values(team.stack, audit={**AUDIT, "workingHours": hours_excluding_now()})
    try:
        code, out, err = audit("--since", since, "--json")
        code_md, markdown, _ = audit("--since", since)
    finally:
        set_values(team.stack, audit=AUDIT)
    assert (code, err) == (1, "")
    report = json.loads(out)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        by_kind.setdefault(finding["kind"], []).append(finding)
    assert {f["member"] for f in report["findings"]} == {"john", "sarah"}  # the admin's writes are not audited

    [burst] = by_kind["mass-deletion"]
    assert (burst["member"], burst["collection"], burst["action"], burst["count"]) == ("john", "articles", "delete", 3)
    assert sorted(burst["item"].split(", ")) == sorted(str(i) for i in doomed)

    [outside] = by_kind["outside-template"]
    assert (outside["member"], outside["collection"], outside["action"], outside["item"]) == (
        "john",
        "internal_notes",
        "create",
        str(note),
    )
    assert outside["detail"] == "template 'content' grants no write on internal_notes"

    john_rows = report["members"][0]["activity"]
    assert john_rows == {"create": 4, "delete": 3}
    late = by_kind["outside-working-hours"]
    assert len([f for f in late if f["member"] == "john"]) == 7
    assert {(f["collection"], f["action"]) for f in late if f["member"] == "john"} == {
        ("articles", "create"),
        ("articles", "delete"),
        ("internal_notes", "create"),
    }
    assert all(f["localTime"].endswith("+05:45") for f in late)

    [suspended] = by_kind["suspended"]
    assert (suspended["member"], suspended["collection"], suspended["action"], suspended["item"]) == (
        "sarah",
        "directus_users",
        "update",
        sarah_id,
    )
    assert "failed password logins" in suspended["detail"] and suspended["userAgent"] == "credential-stuffer/0.1"
    sarah = next(m for m in report["members"] if m["name"] == "sarah")
    assert sarah["liveStatus"] == "suspended" and report["settings"]["authLoginAttempts"] == 25
    assert attempts >= 2

    assert code_md == 1
    for title in ("Mass deletions (1)", "Writes outside the member's template (1)", "Suspended users (1)"):
        assert title in markdown
    assert f"Activity outside working hours ({len(late)})" in markdown
    assert "| john | create | internal_notes |" in markdown
    print(markdown)  # shown with -s: a real sample of the markdown report


def test_a_bad_period_is_an_error_exit_2(audit: Any) -> None:
    code, out, err = audit("--since", "2026-11-02", "--until", "2026-11-01")
    assert (code, out) == (2, "")
    assert err.startswith("error: empty period")
