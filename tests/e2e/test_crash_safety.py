"""Crash safety: the engine is killed right after Directus created an object, before Pulumi recorded it.
The re-run must converge without duplicates or orphans, and a foreign object with our key is refused by name.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.localdev.processes import descendants
from components.localdev.server import DirectusInstance
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.stacks import NS, make_stack

pytestmark = pytest.mark.core  # also run on PostgreSQL + Redis and on Directus 11.x


def kill_pulumi_engine() -> None:
    """SIGKILL the `pulumi` CLI started by this test process, and everything it started."""
    for pid in descendants(os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "pulumi":
                for victim in [pid, *descendants(pid)]:
                    os.kill(victim, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


def killing_proxy(url: str, after_users: int) -> FaultProxy:
    """Forwards to Directus; after the ``after_users``-th successful ``POST /users`` it kills the engine."""
    created: list[str] = []

    def kill_after_users_created(method: str, path: str, answer: httpx.Response) -> bool:
        if method == "POST" and path == "/users" and answer.is_success and not running.triggered.is_set():
            created.append(path)
            if len(created) == after_users:
                running.triggered.set()
                kill_pulumi_engine()
                return True  # the answer never reaches the provider
        return False

    running = FaultProxy(url, after=kill_after_users_created)
    return running


@pytest.fixture
def proxy(directus: DirectusInstance) -> Iterator[FaultProxy]:
    """Kills the engine right after the first user was created (no answer sent)."""
    running = killing_proxy(directus.url, after_users=1)
    yield running
    running.close()


def managed_users(admin: DirectusClient, email: str) -> list[dict[str, object]]:
    return admin.list_objects("/users", filter={"email": {"_eq": email}}, fields=["id", "tags"])


def test_create_interrupted_after_post_is_adopted_on_rerun(
    proxy: FaultProxy, directus: DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    stack = make_stack(
        directus, tmp_path, "crash", members=[{"name": "crash", "email": "crash@company.com", "template": "content"}]
    )
    stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(proxy.url))
    with pytest.raises(auto.CommandError):
        stack.up(color="never")
    assert proxy.triggered.is_set(), "the engine was not interrupted"
    orphans = managed_users(admin, "ai-crash@company.com")
    assert len(orphans) == 1, "Directus created the user before the engine died"

    # What a user does after a killed run: release the stale lock (`pulumi cancel`), then run `up` again.
    stack.cancel()
    stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(directus.url))
    stack.up(color="never", refresh=True)

    users = managed_users(admin, "ai-crash@company.com")
    assert users == orphans  # adopted, not duplicated
    outputs = stack.outputs()
    token = outputs["tokens"].value["crash"]
    assert admin.whoami(token)["id"] == users[0]["id"]
    policies = admin.list_objects("/policies", filter={"name": {"_eq": "MCP content (crash)"}})
    assert len(policies) == 1
    assert len(admin.list_objects("/roles", filter={"name": {"_eq": "MCP content (crash)"}})) == 1

    stack.destroy(color="never")
    assert managed_users(admin, "ai-crash@company.com") == []
    assert admin.list_objects("/policies", filter={"name": {"_eq": "MCP content (crash)"}}) == []


def test_foreign_user_with_our_email_is_refused_by_name_and_left_alone(
    directus: DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    foreign = admin.create("/users", {"email": "ai-taken@company.com", "first_name": "Somebody"})
    stack = make_stack(
        directus, tmp_path, "foreign", members=[{"name": "taken", "email": "taken@company.com", "template": "content"}]
    )
    try:
        with pytest.raises(auto.CommandError) as caught:
            stack.up(color="never")
        assert "ai-taken@company.com" in str(caught.value)
        assert "not managed by directus-mcp-access" in str(caught.value)
        assert admin.get_by_id("/users", foreign["id"], fields=["first_name", "tags"]) == {
            "first_name": "Somebody",
            "tags": None,
        }
    finally:
        stack.destroy(color="never")
        admin.delete("/users", foreign["id"])


def test_a_run_killed_half_way_through_a_roster_is_recorded_by_the_rerun(
    directus: DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    """The engine writes the state once, at the end of a run (``PULUMI_SKIP_CHECKPOINTS``, the default): a killed
    run leaves no record of anything it created, so the re-run must adopt all of it, not only the last object."""
    names = ["half1", "half2", "half3"]
    emails = [f"ai-{name}@company.com" for name in names]
    members = [{"name": name, "email": f"{name}@company.com", "template": "content"} for name in names]
    stack = make_stack(directus, tmp_path, "halfway", members=members)
    killer = killing_proxy(directus.url, after_users=2)
    try:
        stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(killer.url))
        with pytest.raises(auto.CommandError):
            stack.up(color="never")
        assert killer.triggered.is_set(), "the engine was not interrupted"
    finally:
        killer.close()
    orphans = {email: managed_users(admin, email) for email in emails}
    # The engine creates users in parallel: a third one may have been in flight when it died.
    assert sum(len(found) for found in orphans.values()) >= 2, "users were created before the engine died"
    stack.cancel()
    recorded = stack.export_stack().deployment or {}
    assert not [r for r in recorded.get("resources") or [] if r.get("type", "").endswith(":User")], (
        "the killed run recorded users: the state is written per step, so this test no longer covers adoption"
    )

    stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(directus.url))
    stack.up(color="never", refresh=True)
    try:
        for email in emails:
            users = managed_users(admin, email)
            assert len(users) == 1, f"{email}: {len(users)} users"
            if orphans[email]:
                assert users == orphans[email]  # adopted, not duplicated
        tokens = stack.outputs()["tokens"].value
        for name, email in zip(names, emails, strict=True):
            assert admin.whoami(tokens[name])["id"] == managed_users(admin, email)[0]["id"]
        assert len(admin.list_objects("/policies", filter={"name": {"_eq": "MCP content (halfway)"}})) == 1
        assert len(admin.list_objects("/roles", filter={"name": {"_eq": "MCP content (halfway)"}})) == 1
        assert set(stack.up(color="never").summary.resource_changes or {}) == {"same"}
    finally:
        stack.destroy(color="never")
    assert all(managed_users(admin, email) == [] for email in emails)
