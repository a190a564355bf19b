"""Fault injection: Directus stopped mid-run, answering 429/503, too slow, or refusing the provisioning token.

Each run must fail with a clear error naming what failed, leave Directus and the Pulumi state consistent, and a
re-run must converge with no duplicate and no orphan. The client's retry budget and timeout are shortened through
their environment variables so that the failures come in seconds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.provisioning import RETRY_MAX_WAIT_ENV, TIMEOUT_ENV
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.localdev.profiles import RunningDirectus, start_profile
from tests.helpers.directus import DirectusChoice
from tests.helpers.fault_proxy import Fault, FaultProxy
from tests.helpers.stacks import NS, make_stack

pytestmark = pytest.mark.core  # also run on PostgreSQL + Redis and on Directus 11.x

MEMBERS = [
    {"name": f"m{i}", "email": f"member{i}@company.com", "template": "content" if i % 2 else "analysis"}
    for i in range(6)
]
PROVISIONER_TOKEN = "provisioner-token-for-the-fault-test-0001"  # a made-up test value
TEMPLATES = {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}}


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A 3 s retry budget and a 2 s timeout, for the program (this process) and the providers (engine env)."""
    env = {RETRY_MAX_WAIT_ENV: "3", TIMEOUT_ENV: "2"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def stack_with(
    directus: server.DirectusInstance, base: Path, name: str, env: dict[str, str], url: str | None = None
) -> auto.Stack:
    stack = make_stack(directus, base, name, members=MEMBERS, templates=TEMPLATES, env=env)
    if url is not None:
        stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(url))
    return stack


def managed(admin: DirectusClient, stack: str) -> dict[str, Any]:
    """What Directus holds for ``stack``: users by email (all of them, to see duplicates), roles, policies."""
    every = admin.list_objects("/users", fields=["id", "email", "tags"])
    users = [u for u in every if f"mcp-stack:{stack}" in (u.get("tags") or [])]
    roles = admin.list_objects("/roles", filter={"name": {"_ends_with": f"({stack})"}}, fields=["id", "name"])
    policies = admin.list_objects("/policies", filter={"name": {"_ends_with": f"({stack})"}}, fields=["id", "name"])
    return {"users": sorted(u["email"] for u in users), "roles": roles, "policies": policies, "user_ids": users}


def assert_converged(stack: auto.Stack, admin: DirectusClient) -> None:
    """One user per member (no duplicate), nothing Directus holds that the state does not know (no orphan)."""
    live = managed(admin, stack.name)
    assert live["users"] == sorted(f"ai-member{i}@company.com" for i in range(6))
    assert sorted(r["name"] for r in live["roles"]) == [f"MCP analysis ({stack.name})", f"MCP content ({stack.name})"]
    assert sorted(p["name"] for p in live["policies"]) == sorted(r["name"] for r in live["roles"])
    outputs = stack.outputs()
    declared = {m["userId"] for m in outputs["members"].value.values()}
    assert {u["id"] for u in live["user_ids"]} == declared
    for name, token in outputs["tokens"].value.items():
        assert admin.whoami(token)["id"] == outputs["members"].value[name]["userId"]


@pytest.fixture
def own_directus(
    tmp_path_factory: pytest.TempPathFactory, directus_choice: DirectusChoice
) -> Iterator[RunningDirectus]:
    """A Directus of its own (the session's profile and line), which the test stops and starts again on the same
    port and database."""
    running = start_profile(directus_choice.profile, tmp_path_factory.mktemp("stoppable"), line=directus_choice.line)
    with running, DirectusClient(running.instance.url, running.instance.admin_token) as admin:
        ensure_demo_collections(admin)
        yield running


def test_directus_stopped_during_up_fails_clearly_and_the_rerun_converges(
    own_directus: RunningDirectus, tmp_path: Path, short_budget: dict[str, str]
) -> None:
    created: list[str] = []
    first = own_directus.instance

    def stop_directus_after_two_users(method: str, path: str, answer: httpx.Response) -> bool:
        if method == "POST" and path == "/users" and answer.is_success:
            created.append(path)
            if len(created) == 2 and not proxy.triggered.is_set():
                proxy.triggered.set()
                server.stop(first)  # the second user was created; its answer is still delivered
                threading.Thread(target=proxy.close, daemon=True).start()  # and Directus is now unreachable
        return False

    proxy = FaultProxy(first.url, after=stop_directus_after_two_users)
    stack = stack_with(first, tmp_path, "stopped", short_budget, url=proxy.url)
    with pytest.raises(auto.CommandError) as caught:
        stack.up(color="never")
    assert proxy.triggered.is_set(), "Directus was not stopped during the run"
    message = str(caught.value)
    assert "CONNECTION_ERROR" in message and proxy.url in message, message[-3000:]
    assert "gave up after" in message

    # Directus is back (same database, same port); the stack points at it again.
    restarted = own_directus.start_again()
    stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(restarted.url))
    try:
        stack.up(color="never")
        with DirectusClient(restarted.url, restarted.admin_token) as live:
            assert_converged(stack, live)
        assert set(stack.up(color="never").summary.resource_changes or {}) == {"same"}
    finally:
        stack.destroy(color="never")


def test_429_and_503_for_a_while_are_retried_and_up_succeeds(
    directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path, short_budget: dict[str, str]
) -> None:
    budget = {"503": 3, "429": 2}

    def flaky(method: str, path: str) -> Fault | None:
        if budget["503"] > 0:
            budget["503"] -= 1
            return Fault(status=503)
        if budget["429"] > 0 and method == "POST":
            budget["429"] -= 1
            return Fault(status=429, retry_after="1")
        return None

    proxy = FaultProxy(directus.url, rule=flaky)
    stack = stack_with(directus, tmp_path, "flaky", short_budget, url=proxy.url)
    try:
        stack.up(color="never")
        assert proxy.faults_served == 5
        assert_converged(stack, admin)
    finally:
        stack.destroy(color="never")
        proxy.close()


def test_503_that_persists_fails_after_a_bounded_time_naming_the_endpoint(
    directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path, short_budget: dict[str, str]
) -> None:
    proxy = FaultProxy(directus.url, rule=lambda _method, _path: Fault(status=503))
    stack = stack_with(directus, tmp_path, "down", short_budget, url=proxy.url)
    started = time.monotonic()
    try:
        with pytest.raises(auto.CommandError) as caught:
            stack.up(color="never")
    finally:
        proxy.close()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    # The program's first request (today the server's version, /server/info) is the one that fails.
    assert re.search(r"Directus GET /[a-z/]+ failed: 503 INJECTED", message), message[-3000:]
    assert "gave up after" in message
    assert elapsed < 30, f"took {elapsed:.1f}s with a 3 s retry budget"
    assert managed(admin, "down")["users"] == []


def test_a_slow_directus_beyond_the_timeout_fails_naming_the_endpoint(
    directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path, short_budget: dict[str, str]
) -> None:
    proxy = FaultProxy(directus.url, rule=lambda _method, _path: Fault(delay=2.5))
    stack = stack_with(directus, tmp_path, "slow", short_budget, url=proxy.url)
    try:
        with pytest.raises(auto.CommandError) as caught:
            stack.up(color="never")
    finally:
        proxy.close()
    message = str(caught.value)
    assert re.search(r"Directus GET /[a-z/]+ failed: TIMEOUT", message), message[-3000:]
    assert proxy.url in message
    assert managed(admin, "slow")["users"] == []


def test_revoked_provisioning_token_is_a_clear_auth_error_and_the_state_is_untouched(
    directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    administrator = admin.list_objects("/policies", filter={"admin_access": {"_eq": True}}, fields=["id"])[0]["id"]
    provisioner = admin.create(
        "/users",
        {"email": "provisioner@example.com", "status": "active", "token": PROVISIONER_TOKEN},
    )
    admin.create("/access", {"user": provisioner["id"], "policy": administrator})
    stack = stack_with(directus, tmp_path, "revoked", {})
    stack.set_config(f"{NS}:provisioningToken", auto.ConfigValue(PROVISIONER_TOKEN, secret=True))
    try:
        stack.up(color="never")
        before = stack.export_stack().deployment["resources"]

        admin.update("/users", provisioner["id"], {"token": None})  # revoked
        for operation in (lambda: stack.preview(refresh=True, color="never"), lambda: stack.up(color="never")):
            with pytest.raises(auto.CommandError) as caught:
                operation()
            message = str(caught.value)
            assert "401 INVALID_CREDENTIALS" in message
            assert "The provisioning token was rejected" in message
            assert PROVISIONER_TOKEN not in message
        assert stack.export_stack().deployment["resources"] == before
    finally:
        admin.update("/users", provisioner["id"], {"token": PROVISIONER_TOKEN})
        stack.destroy(color="never")
        admin.delete("/users", provisioner["id"])
