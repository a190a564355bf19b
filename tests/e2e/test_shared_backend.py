"""Team state in PostgreSQL: the Pulumi DIY backend ``postgres://`` shared by two checkouts of the project.

Two engineers (two copies of the project folder, as two git clones) work on one stack whose state lives in
one PostgreSQL database: a second ``up`` while one runs is refused by the stack's lock and changes nothing;
the second checkout reads the state the first wrote (``drift`` is clean); the state holds secrets only
encrypted (the database is scanned for the generated tokens and the provisioning token).
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.engine.workspace import open_stack
from components.localdev import postgres
from components.localdev.server import DirectusInstance, free_port
from components.names import PROJECT_NAME
from components.ops.drift.run import run_drift
from tests.helpers.stacks import make_stack

STACK = "shared"
DATABASE = "pulumi_state"
MEMBERS = [{"name": f"m{i}", "email": f"member{i}@company.com", "template": "content"} for i in range(6)]


@pytest.fixture(scope="module")
def state_db() -> Iterator[postgres.PostgresServer]:
    try:
        server = postgres.start_postgres(free_port())
    except postgres.PostgresError as exc:
        pytest.fail(f"PostgreSQL is needed for the shared backend: {exc}")
    try:
        postgres.create_database(server, DATABASE)
        yield server
    finally:
        postgres.stop_postgres(server)


@pytest.fixture(scope="module")
def engine_env(state_db: postgres.PostgresServer) -> dict[str, str]:
    """What both engineers export: the shared backend (loopback without TLS here) and the stack's passphrase."""
    return {
        "PULUMI_BACKEND_URL": state_db.url(DATABASE) + "?sslmode=disable",
        "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16),
    }


@pytest.fixture(scope="module")
def checkouts(
    directus: DirectusInstance, engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[auto.Stack, auto.Stack]]:
    first = make_stack(
        directus, tmp_path_factory.mktemp("alice"), STACK, env=engine_env, members=MEMBERS,
        templates={"content": {"collections": ["articles"]}},
    )  # fmt: skip
    # The second engineer's clone: the same project files (the stack file with its encryption salt is in git).
    second_dir = tmp_path_factory.mktemp("bob") / "project"
    shutil.copytree(Path(first.workspace.work_dir), second_dir)
    second = open_stack(STACK, work_dir=second_dir, env=dict(first.workspace.env_vars), create=False)
    yield first, second
    first.destroy(color="never")


def test_a_second_up_while_one_runs_is_refused_by_the_lock_and_changes_nothing(
    checkouts: tuple[auto.Stack, auto.Stack], directus: DirectusInstance, admin: DirectusClient
) -> None:
    first, second = checkouts
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def first_up() -> None:
        def on_event(event: auto.EngineEvent) -> None:
            if event.resource_pre_event is not None:
                started.set()

        try:
            outcome["first"] = first.up(color="never", on_event=on_event)
        except auto.CommandError as exc:  # pragma: no cover - reported by the assertion below
            outcome["first"] = exc
        finally:
            started.set()

    runner = threading.Thread(target=first_up)
    runner.start()
    assert started.wait(120)
    with pytest.raises(auto.CommandError) as refused:
        second.up(color="never")
    runner.join(300)

    assert isinstance(outcome["first"], auto.UpResult), outcome["first"]
    message = str(refused.value)
    assert "the stack is currently locked by 1 lock(s)" in message
    assert "pulumi cancel" in message
    # Nothing half-applied: one user per member, and a refreshed preview from either checkout plans nothing.
    users = admin.list_objects("/users", fields=["email", "tags"])
    ours = [u["email"] for u in users if f"mcp-stack:{STACK}" in (u.get("tags") or [])]
    assert sorted(ours) == sorted(f"ai-member{i}@company.com" for i in range(6))
    for stack in (first, second):
        assert set(stack.preview(refresh=True, color="never").change_summary) == {"same"}


def test_drift_from_the_second_checkout_reads_the_same_state(checkouts: tuple[auto.Stack, auto.Stack]) -> None:
    first, second = checkouts
    assert second.outputs()["members"].value == first.outputs()["members"].value
    assert second.outputs()["tokens"].value == first.outputs()["tokens"].value
    report = run_drift(second, warn_days=5)
    # (Access no code declares is left out: other tests' users share this Directus.)
    assert (report.drifted, report.rotation) == ([], [])
    # The scan ran on the state the first checkout wrote: its six users, one role and one policy (content), and
    # the live listings (other tests' users and policies share this Directus: at least ours are there).
    assert report.counts["managed objects"] == len(MEMBERS) + 2
    assert report.counts["users"] >= len(MEMBERS) + 1  # and the admin
    assert report.counts["policies"] >= 3  # Administrator, Public, MCP content
    assert report.counts["access rows"] >= 3


def test_the_state_database_holds_secrets_only_encrypted(
    checkouts: tuple[auto.Stack, auto.Stack], state_db: postgres.PostgresServer, directus: DirectusInstance
) -> None:
    first, _ = checkouts
    tokens = first.outputs()["tokens"].value
    assert len(tokens) == len(MEMBERS)
    rows = state_rows(postgres.dump_database(state_db, DATABASE))
    assert any(key.endswith(f"/stacks/{PROJECT_NAME}/{STACK}.json") for key in rows), sorted(rows)
    text = "\n".join(rows.values())
    assert "ai-member0@company.com" in text  # the scan reads the state itself, decoded
    assert '"ciphertext"' in text
    for token in [*tokens.values(), directus.admin_token]:
        assert token not in text


def state_rows(dump: str) -> dict[str, str]:
    """The backend's rows from a ``pg_dump``: key → file content. Pulumi stores each file base64-encoded in a
    JSON column (``{"data": "<base64>"}``), so a plain text search of the dump would find nothing either way."""
    rows: dict[str, str] = {}
    lines = iter(dump.splitlines())
    for line in lines:
        if line.startswith("COPY public.pulumi_state "):
            break
    for line in lines:
        if line == "\\.":
            break
        key, data, _ = line.split("\t")
        rows[key] = base64.b64decode(json.loads(data)["data"]).decode()
    return rows
