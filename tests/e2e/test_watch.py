"""``mcp-access watch`` against a real Directus with WebSockets on, as a child process read line by line.

One Directus of this module's own (``WEBSOCKETS_ENABLED=true``, SQLite: the restart case edits its database
while it is stopped) and one stack of two members whose ``guard.enforce`` lists every class (other changes are
reported only). The cases run in order on the same stack (the last two restart Directus).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.localdev.profiles import RunningDirectus, start_profile
from components.providers.connection import RETRY_MAX_WAIT_ENV
from tests.helpers.directus import require
from tests.helpers.stacks import make_stack
from tests.helpers.watch import WatchProcess, WebhookReceiver, event, refused_on_mcp

STACK = "guarded"
ENFORCED = [
    "member-admin-access",
    "member-token-by-hand",
    "outsider-mcp-access",
    "public-mcp-policy",
    "mcp-deletes-on",
]
HAND_TOKEN = "set-by-hand-0123456789abcdefghijkl"


@pytest.fixture(scope="module")
def websocket_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDirectus]:
    require(server.directus_cli().exists(), "Directus is not installed (tools/bootstrap.sh)")
    running = start_profile(
        "sqlite", tmp_path_factory.mktemp("watch-directus"), extra_env={"WEBSOCKETS_ENABLED": "true"}
    )
    with running, DirectusClient(running.instance.url, running.instance.admin_token) as admin:
        ensure_demo_collections(admin)
        yield running


@pytest.fixture(scope="module")
def guarded(websocket_directus: RunningDirectus, tmp_path_factory: pytest.TempPathFactory) -> auto.Stack:
    members = [
        {"name": "john", "email": "john@company.com", "template": "content"},
        {"name": "sarah", "email": "sarah@company.com", "template": "content"},
    ]
    stack = make_stack(
        websocket_directus.instance,
        tmp_path_factory.mktemp("watch-stack"),
        STACK,
        members=members,
        guard={"enforce": ENFORCED},
    )
    stack.up(color="never")
    return stack


def admin_of(running: RunningDirectus) -> DirectusClient:
    return DirectusClient(running.instance.url, running.instance.admin_token)


def ids(admin: DirectusClient, stack: auto.Stack) -> dict[str, Any]:
    outputs = stack.outputs()
    role = admin.list_objects("/roles", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id"])[0]["id"]
    policy = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id"])
    admin_policy = admin.list_objects("/policies", filter={"admin_access": {"_eq": True}}, fields=["id"])[0]["id"]
    return {
        "john": outputs["members"].value["john"]["userId"],
        "sarah": outputs["members"].value["sarah"]["userId"],
        "tokens": dict(outputs["tokens"].value),
        "role": role,
        "policy": policy[0]["id"],
        "admin_policy": admin_policy,
    }


#: What one change by hand may cost the watch's re-check, whatever the roster's size: the listings of the changed
#: collection (the providers' and the scan's) and, for a user, that user's token probe (issue 19's goal).
MAX_REQUESTS_PER_CHANGE = 3


def checked_requests(line: str) -> int:
    """The request count of a ``--log-checks`` line: ``check 7 (event): 1 findings (state held), 2 requests, ...``."""
    return int(line.split(" requests")[0].rsplit(", ", 1)[1])


def checked_findings(line: str) -> int:
    found = re.search(r"(\d+) findings", line)
    assert found, line
    return int(found.group(1))


def test_each_change_by_hand_is_re_read_with_at_most_three_requests(
    websocket_directus: RunningDirectus, guarded: auto.Stack
) -> None:
    """Six kinds of change that no enforced class covers, one at a time: each event's check re-sends only what the
    event made old (not a full drift: that is one probe per member plus a listing per kind, 15+ requests), and
    answers the program's recorded registrations instead of running the program again."""
    watch = WatchProcess(guarded, "--poll-interval", "600", "--log-checks")
    try:
        start = watch.wait_status("check 1 (start)")
        assert checked_requests(start) > MAX_REQUESTS_PER_CHANGE  # the first check reads everything
        watch.wait_status("watching stack 'guarded' (WebSocket events")
        with admin_of(websocket_directus) as admin:
            known = ids(admin, guarded)
            settings = admin.get("/settings", {"fields": "mcp_system_prompt_enabled"})
            changes = {
                "the template's role renamed": lambda: admin.update("/roles", known["role"], {"name": "Renamed"}),
                "a member's user edited": lambda: admin.update("/users", known["john"], {"first_name": "Edited"}),
                "a permission added to the MCP policy": lambda: admin.create(
                    "/permissions",
                    {"policy": known["policy"], "collection": "articles", "action": "delete", "fields": ["*"]},
                ),
                "the MCP policy edited": lambda: admin.update("/policies", known["policy"], {"icon": "bolt"}),
                "an MCP setting changed": lambda: admin.request(
                    "PATCH",
                    "/settings",
                    json={"mcp_system_prompt_enabled": not settings["mcp_system_prompt_enabled"]},
                ),
                "a user outside the stack created": lambda: admin.create(
                    "/users", {"email": "bystander@company.com", "status": "draft"}
                ),
            }
            costs: dict[str, int] = {}
            replayed: dict[str, bool] = {}
            for what, change in changes.items():
                change()
                line = watch.wait_status("(event)")
                costs[what] = checked_requests(line)
                # Each is an update or a scan finding: every resource keeps its id, the program is not run again.
                replayed[what] = "program replayed" in line
            admin.delete_many(
                "/users",
                [
                    u["id"]
                    for u in admin.list_objects(
                        "/users", filter={"email": {"_eq": "bystander@company.com"}}, fields=["id"]
                    )
                ],
            )
            line = watch.wait_status("(event)")  # the bystander's deletion
            # Managed objects deleted by hand: each is to be created again, so its id in the plan changes. Nothing
            # takes an access link's id: still replayed. The policy's id goes to its link and permissions: the
            # program runs again.
            findings_before = checked_findings(line)
            link = admin.list_objects(
                "/access", filter={"role": {"_eq": known["role"]}, "policy": {"_eq": known["policy"]}}, fields=["id"]
            )[0]["id"]
            admin.delete("/access", link)
            line = watch.wait_status("(event)")
            assert "program replayed" in line and checked_findings(line) > findings_before, line
            findings_before = checked_findings(line)
            admin.delete("/policies", known["policy"])
            line = watch.wait_status("(event)")
            assert "program run" in line, line
            gone = watch.wait_for(event("appeared", "managed-drift", "content-policy"), "the policy's deletion")
            while "is gone from Directus" not in gone["summary"]:  # (its edit by hand appeared earlier)
                gone = watch.wait_for(event("appeared", "managed-drift", "content-policy"), "the policy's deletion")
            guarded.up(refresh=True, color="never")  # the next test starts from a clean stack
        print(f"requests per change: {costs}")
        assert all(cost <= MAX_REQUESTS_PER_CHANGE for cost in costs.values()), costs
        assert any(cost > 0 for cost in costs.values()), costs  # the checks did re-read what changed
        assert all(replayed.values()), replayed
        found = [json.loads(line) for line in watch.stdout]
        assert {"content-role", "john-user"} <= {f["object"] for f in found if f["state"] == "appeared"}
    finally:
        assert watch.stop() == 0, "".join(watch.stderr)


def test_changes_by_hand_are_reported_once_resolved_after_up_and_enforced_classes_are_undone(
    websocket_directus: RunningDirectus, guarded: auto.Stack
) -> None:
    url = websocket_directus.instance.url
    receiver = WebhookReceiver()
    clean = WatchProcess(guarded, "--once")  # a freshly applied stack: one check, nothing found, exit 0
    watch = WatchProcess(guarded, "--webhook", receiver.url, "--poll-interval", "30", "--log-checks")
    assert clean.process.wait(120) == 0, "".join(clean.stdout + clean.stderr)
    assert clean.stdout == []
    try:
        watch.wait_status("watching stack 'guarded' (WebSocket events")
        with admin_of(websocket_directus) as admin:
            known = ids(admin, guarded)
            # Reported only (no class of guard.enforce): the template's role renamed, a member's user edited.
            started = time.monotonic()
            admin.update("/roles", known["role"], {"name": "Renamed by hand"})
            found = watch.wait_for(event("appeared", "managed-drift", "content-role"), "content-role drift")
            detection = time.monotonic() - started
            assert found["severity"] == "high" and found["stack"] == STACK and found["member"] is None
            admin.update("/users", known["john"], {"first_name": "Changed by hand"})
            found = watch.wait_for(event("appeared", "managed-drift", "john-user"), "john-user drift")
            assert found["member"] == "john"

            guarded.up(refresh=True, color="never")  # restores both (as `mcp-access up`)
            watch.wait_for(event("resolved", "managed-drift", "john-user"), "john-user resolved")
            watch.wait_for(event("resolved", "managed-drift", "content-role"), "content-role resolved")

            # Enforced: deletes turned on, the MCP policy attached to Public, an outsider given the MCP role, a
            # token set by hand on sarah, the Administrator policy attached to john.
            admin.request("PATCH", "/settings", json={"mcp_allow_deletes": True})
            watch.wait_for(event("enforced", "mcp-deletes-on"), "deletes turned off again")
            assert admin.get("/settings", {"fields": "mcp_allow_deletes"})["mcp_allow_deletes"] is False

            admin.create("/access", {"policy": known["policy"], "role": None, "user": None})
            watch.wait_for(event("enforced", "public-mcp-policy"), "Public's attachment removed")
            public = admin.list_objects("/access", filter={"role": {"_null": True}, "user": {"_null": True}})
            assert known["policy"] not in {row["policy"] for row in public}

            eve = admin.create("/users", {"email": "eve@company.com", "status": "active", "role": known["role"]})
            watch.wait_for(event("enforced", "outsider-mcp-access"), "eve's MCP role taken away")
            assert (admin.get_by_id("/users", eve["id"], fields=["role"]) or {}).get("role") is None

            admin.update("/users", known["sarah"], {"token": HAND_TOKEN})
            revoked = watch.wait_for(event("enforced", "member-token-by-hand"), "sarah revoked")
            assert revoked["member"] == "sarah" and "revoked member sarah" in revoked["summary"]
            assert refused_on_mcp(url, HAND_TOKEN)
            assert not refused_on_mcp(url, known["tokens"]["john"])  # the other member keeps working
            assert (admin.get_by_id("/users", known["sarah"], fields=["status"]) or {}).get("status") == "suspended"

            admin.create("/access", {"policy": known["admin_policy"], "user": known["john"]})
            revoked = watch.wait_for(event("enforced", "member-admin-access"), "john revoked")
            assert revoked["member"] == "john"
            assert refused_on_mcp(url, known["tokens"]["john"])
        # Each finding is reported once when it appears and once when it is resolved, never twice in a row.
        states: dict[tuple[str, str, str], list[str]] = {}
        for line in watch.stdout:
            data = json.loads(line)
            if data["state"] in ("appeared", "resolved"):
                states.setdefault((data["kind"], data["object"], data["summary"]), []).append(data["state"])
        for key, sequence in states.items():
            assert sequence == ["appeared", "resolved"] * (len(sequence) // 2) + ["appeared"] * (len(sequence) % 2), key
    finally:
        code = watch.stop()
        receiver.close()
    assert code == 0, "".join(watch.stderr)
    assert "watch: stopped" in "".join(watch.stderr)
    # The webhook got every event as a Slack-compatible body with the JSON fields; no token anywhere.
    assert receiver.bodies, "the webhook received nothing"
    assert all(body["text"].startswith("mcp-access watch: ") and "kind" in body for body in receiver.bodies)
    assert set(ENFORCED) <= {b["kind"] for b in receiver.bodies if b["state"] == "enforced"}
    secrets = [websocket_directus.instance.admin_token, HAND_TOKEN, *known["tokens"].values()]
    everything = "".join(watch.stdout) + "".join(watch.stderr) + "".join(receiver.raw)
    assert not [s for s in secrets if s in everything], "a token reached the watch's output or webhook"
    print(f"detection of the first change: {detection:.2f} s")


def test_a_change_made_while_directus_was_down_is_found_by_the_resync_and_bad_starts_exit_2(
    websocket_directus: RunningDirectus, guarded: auto.Stack
) -> None:
    watch = WatchProcess(guarded, "--poll-interval", "600")
    try:
        watch.wait_status("watching stack")
        server.stop(websocket_directus.instance)
        watch.wait_status("connection lost")
        # While Directus is down: rename the template's role in its database (no event can tell anyone).
        database = websocket_directus.instance.data_dir / "directus.db"
        with sqlite3.connect(database) as db:
            changed = db.execute(
                "UPDATE directus_roles SET name = ? WHERE name = ?", ("Renamed while down", f"MCP content ({STACK})")
            ).rowcount
        assert changed == 1

        # A watch started now retries, then gives up with exit 2.
        started = WatchProcess(guarded, "--once", "--give-up-after", "3", env={RETRY_MAX_WAIT_ENV: "2"})
        assert started.process.wait(60) == 2
        stderr = "".join(started.stderr)
        assert "did not answer for" in stderr and "--give-up-after 3" in stderr, stderr

        websocket_directus.start_again()
        watch.wait_status("reconnected: resync", timeout=90)
        found = watch.wait_for(event("appeared", "managed-drift", "content-role"), "the role renamed while down")
        assert "content-role" in found["summary"]
    finally:
        assert watch.stop() == 0, "".join(watch.stderr)

    # --once: one full check; sarah (revoked) and the role are findings: exit 1. A wrong token: one clear error,
    # exit 2. (Both at once: each starts the pulumi CLI.)
    once = WatchProcess(guarded, "--once")
    wrong = WatchProcess(guarded, env={"DIRECTUS_GUARD_TOKEN": "not-a-valid-token"})
    assert once.process.wait(120) == 1, "".join(once.stderr)
    assert any('"content-role"' in line for line in once.stdout)
    assert wrong.process.wait(120) == 2
    assert "refused the watch's token" in "".join(wrong.stderr)
    assert "not-a-valid-token" not in "".join(wrong.stderr + wrong.stdout)


def test_a_stack_never_deployed_is_a_clear_error(websocket_directus: RunningDirectus, tmp_path: Path) -> None:
    stack = make_stack(websocket_directus.instance, tmp_path, "never-up")
    watch = WatchProcess(stack, "--once")
    assert watch.process.wait(120) == 2
    assert "has no outputs yet: run `mcp-access up --stack never-up` first" in "".join(watch.stderr)


def test_websockets_off_is_named_and_poll_is_the_fallback(
    websocket_directus: RunningDirectus, guarded: auto.Stack
) -> None:
    """Directus restarted without ``WEBSOCKETS_ENABLED``: the watch names the setting; ``--poll`` still finds."""
    server.stop(websocket_directus.instance)
    websocket_directus.extra_env = {**websocket_directus.extra_env, "WEBSOCKETS_ENABLED": "false"}
    websocket_directus.start_again()
    refused = WatchProcess(guarded)
    polling = WatchProcess(guarded, "--poll", "2")
    assert refused.process.wait(120) == 2
    message = "".join(refused.stderr)
    assert "does not serve WebSockets" in message and "WEBSOCKETS_ENABLED=true" in message, message
    assert "--poll SECONDS" in message
    try:
        polling.wait_status("(polling every 2 s)")
        with admin_of(websocket_directus) as admin:
            admin.request("PATCH", "/settings", json={"mcp_allow_deletes": True})
            polling.wait_for(event("enforced", "mcp-deletes-on"), "deletes turned off again, found by polling")
            assert admin.get("/settings", {"fields": "mcp_allow_deletes"})["mcp_allow_deletes"] is False
    finally:
        assert polling.stop() == 0, "".join(polling.stderr)
