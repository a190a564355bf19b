"""Access that ends by itself, through the real Pulumi CLI and ``/mcp`` (issue 20).

The clock moves through ``MCP_ACCESS_NOW`` (read by the program, ``expire``, ``drift`` and the policy pack),
never by sleeping. One stack serves the module; each test leaves it as the code declares.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import McpError, call_tool, list_tools
from components.localdev.server import DirectusInstance
from components.model.clock import NOW_ENV
from components.ops.drift.run import run_drift
from tests.helpers.directus import DirectusChoice
from tests.helpers.stacks import make_stack, planned_changes, set_values

STACK = "expiry"
START = datetime.now(UTC).replace(microsecond=0)
KIM_EXPIRES = (START + timedelta(days=3)).isoformat()
TEMPLATES = {"content": {"collections": ["articles"]}, "developer": {"collections": ["articles"]}}
MEMBERS = [
    {"name": "kim", "email": "kim@company.com", "template": "content", "expires": KIM_EXPIRES},
    {"name": "lee", "email": "lee@company.com", "template": "content"},
    {"name": "max", "email": "max@company.com", "template": "content"},
]
SETTINGS: dict[str, Any] = {
    "templates": TEMPLATES,
    "members": MEMBERS,
    "guardrails": {"allowAdminAccess": True},
    "elevations": [],
}
COUNTED = ("/users", "/roles", "/policies", "/access", "/permissions")


@pytest.fixture(scope="module")
def stack(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    created = make_stack(directus, tmp_path_factory.mktemp("expiry"), STACK, **SETTINGS)
    workspace = created.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    with pytest.MonkeyPatch.context() as patch:
        for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):  # the command line finds the test's stack
            patch.setenv(key, workspace.env_vars[key])
        created.up(color="never")
        yield created
    created.destroy(color="never")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    def move(moment: datetime | None) -> None:
        if moment is None:
            monkeypatch.delenv(NOW_ENV, raising=False)
        else:
            monkeypatch.setenv(NOW_ENV, moment.isoformat())

    return move


def cli(stack: auto.Stack, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    code = main([*args, "--stack", STACK, "--repo", str(workspace.work_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def token(stack: auto.Stack, member: str) -> str:
    return str(stack.outputs()["tokens"].value[member])


def tools(directus: DirectusInstance, secret: str) -> list[str] | int:
    """The tools the token's user sees through /mcp, or the HTTP status that refused it."""
    try:
        return list_tools(f"{directus.url}/mcp", secret)
    except McpError as exc:
        return exc.status


def counts(admin: DirectusClient, stack: auto.Stack) -> dict[str, Any]:
    found: dict[str, Any] = {path: len(admin.list_objects(path, fields=["id"])) for path in COUNTED}
    users = admin.list_objects("/users", fields=["id", "status", "role", "token"])
    found["users"] = sorted((u["id"], u["status"], u["role"], bool(u["token"])) for u in users)
    found["state"] = len((stack.export_stack().deployment or {}).get("resources") or [])
    return found


def test_bad_input_is_named_and_changes_nothing(
    stack: auto.Stack, admin: DirectusClient, capsys: pytest.CaptureFixture[str], clock: Any
) -> None:
    before = counts(admin, stack)
    later = (START + timedelta(hours=30)).isoformat()
    past = (START - timedelta(days=2)).date().isoformat()
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"members": [{**MEMBERS[0], "expires": "next friday"}, *MEMBERS[1:]]},
         ["members[0].expires", "'next friday' is not a date", f"stacks/Pulumi.{STACK}.yaml"]),
        ({"elevations": [{"member": "zoe", "template": "developer", "until": later, "reason": "schema"}]},
         ["elevations[0].member: 'zoe' is not a member of this stack"]),
        ({"elevations": [{"member": "lee", "template": "wizard", "until": later, "reason": "schema"}]},
         ["elevations[0].template: 'wizard' is not a role template"]),
        ({"elevations": [{"member": "lee", "template": "developer", "until": later, "reason": "schema"}]},
         ["elevations[0].until:", "(lee to developer) is 30.0 hours from now, longer than guardrails.maxElev"]),
        ({"elevations": [{"member": "lee", "template": "developer", "until": past, "reason": "schema"}]},
         [f"elevations[0].until: {past}T00:00:00+00:00 (lee to developer) is in the past", "nothing was changed"]),
        ({"members": [{**MEMBERS[0], "expires": past}, *MEMBERS[1:]]},
         [f"members[0].expires: {past}T00:00:00+00:00 (kim) is in the past", "set `enabled: false`"]),
    ]  # fmt: skip
    clock(START)
    for values, expected in cases:
        set_values(stack, **{**SETTINGS, **values})
        code, _, err = cli(stack, capsys, "up")
        assert code == 2, err
        for text in expected:
            assert text in err, (text, err)
        assert counts(admin, stack) == before
    set_values(stack, **SETTINGS)


def test_a_user_set_to_inactive_license_is_named_by_drift(
    stack: auto.Stack, admin: DirectusClient, directus: DirectusInstance, clock: Any
) -> None:
    clock(START)
    max_id = stack.outputs()["members"].value["max"]["userId"]
    admin.update("/users", max_id, {"status": "inactive-license"})  # what Directus 12 does when seats run out
    assert tools(directus, token(stack, "max")) == 401
    items = {item.name: item for item in run_drift(stack).drifted}
    assert items["max-user"].lockout == "inactive-license"
    assert items["max-user"].summary.startswith(
        "the MCP user of member max was set to inactive-license by Directus (more seat users than its license allows"
    )
    assert "free a seat or raise the license's seats" in items["max-user"].summary
    assert items["max-token"].lockout == "inactive-license"
    stack.up(refresh=True, color="never")  # `up` sets it active again and issues a new token
    assert "items" in tools(directus, token(stack, "max"))  # type: ignore[operator]


def test_an_elevation_grants_the_developer_tools_until_it_ends(
    stack: auto.Stack, admin: DirectusClient, directus: DirectusInstance, capsys: pytest.CaptureFixture[str], clock: Any
) -> None:
    clock(START)
    lee = token(stack, "lee")
    assert "collections" not in tools(directus, lee)  # type: ignore[operator]
    until = START + timedelta(hours=2)
    elevation = {"member": "lee", "template": "developer", "until": until.isoformat(), "reason": "add a field"}
    set_values(stack, elevations=[elevation])
    code, out, err = cli(stack, capsys, "up")
    assert code == 0, err
    assert tools(directus, lee) != 401 and "collections" in tools(directus, lee)  # type: ignore[operator]
    name = f"elevated_{START:%H%M%S}"
    made = call_tool(
        f"{directus.url}/mcp", lee, "collections", {"action": "create", "data": [{"collection": name, "schema": {}}]}
    )
    assert not made.is_error, made.text
    assert name in {c["collection"] for c in admin.list_objects("/collections", fields=["collection"])}

    clock(until + timedelta(minutes=1))
    code, out, err = cli(stack, capsys, "expire")
    assert code == 0, err
    assert "ended: member lee (ai-lee@company.com) elevation to developer ended" in out
    assert "ended 1 member in " in out
    assert "collections" not in tools(directus, lee)  # type: ignore[operator]
    refused = call_tool(
        f"{directus.url}/mcp", lee, "collections", {"action": "create", "data": [{"collection": "x_no"}]}
    )
    assert refused.is_error
    assert planned_changes(stack) == {}  # a later `up` agrees: nothing to change, no re-grant
    admin.delete("/collections", name)
    set_values(stack, elevations=[])


def test_an_expired_member_loses_mcp_after_expire_and_stays_so_after_up(
    stack: auto.Stack, admin: DirectusClient, directus: DirectusInstance, capsys: pytest.CaptureFixture[str], clock: Any
) -> None:
    clock(START)
    kim, lee = token(stack, "kim"), token(stack, "lee")
    assert "items" in tools(directus, kim)  # type: ignore[operator]
    clock(datetime.fromisoformat(KIM_EXPIRES) + timedelta(minutes=5))
    code, out, err = cli(stack, capsys, "expire")
    assert code == 0, err
    assert out.startswith("ended: member kim (ai-kim@company.com) expired on ")
    assert tools(directus, kim) == 401
    assert "items" in tools(directus, lee)  # type: ignore[operator]  # nothing else changed
    code, out, _ = cli(stack, capsys, "expire")
    assert "ended 0 members" in out and "already ended: member kim" in out
    # A later `up` agrees: it plans no change in Directus, only drops kim's token resource from the state.
    assert planned_changes(stack) == {"kim-token": ("delete", [])}
    code, _, err = cli(stack, capsys, "up")
    assert code == 0, err
    assert tools(directus, kim) == 401
    assert "kim" not in stack.outputs()["tokens"].value
    user = admin.get_by_id("/users", stack.outputs()["members"].value["kim"]["userId"], fields=["status", "token"])
    assert user == {"status": "suspended", "token": None}
    assert planned_changes(stack) == {}
    report = run_drift(stack)
    assert any(f.kind == "expired" and f.message.startswith("member kim expired on ") for f in report.expiry)


def test_the_stale_report_names_an_idle_member_and_not_one_who_wrote(
    stack: auto.Stack, admin: DirectusClient, directus: DirectusInstance, directus_choice: DirectusChoice, clock: Any
) -> None:
    if directus_choice.profile != "sqlite":
        pytest.fail("this test backdates activity rows in the SQLite file; run it on the sqlite profile")
    clock(None)
    members = stack.outputs()["members"].value
    lee, max_ = members["lee"]["userId"], members["max"]["userId"]
    wrote = call_tool(
        f"{directus.url}/mcp", token(stack, "lee"), "items", {"action": "create", "collection": "articles",
                                                               "data": {"title": "written by lee"}}
    )  # fmt: skip
    assert not wrote.is_error, wrote.text
    # Both users were created "90 days ago": move their creation rows back (the database is the test's own).
    with sqlite3.connect(Path(directus.data_dir) / "directus.db") as db:
        moment = datetime.now(UTC) - timedelta(days=90)
        (kind,) = db.execute("SELECT typeof(timestamp) FROM directus_activity LIMIT 1").fetchone()
        old: int | str = int(moment.timestamp() * 1000) if kind == "integer" else f"{moment:%Y-%m-%d %H:%M:%S}"
        db.execute(
            "UPDATE directus_activity SET timestamp = ? WHERE collection = 'directus_users' AND item IN (?, ?)",
            (old, lee, max_),
        )
    report = run_drift(stack)
    stale = {f.subject: f.message for f in report.stale}
    assert "lee" not in stale
    assert stale["max"].startswith("member max (ai-max@company.com): ")
    assert "more than review.staleAfterDays (60) days" in stale["max"]
