"""Crash safety: the engine is killed right after Directus created an object, before Pulumi recorded it.
The re-run must converge without duplicates or orphans, and a foreign object with our key is refused by name.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.localdev.server import DirectusInstance
from tests.e2e.conftest import NS, make_stack


def descendants(pid: int) -> list[int]:
    """All descendant process ids of ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_pulumi_engine() -> None:
    """SIGKILL the `pulumi` CLI started by this test process, and everything it started."""
    for pid in descendants(os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "pulumi":
                for victim in [pid, *descendants(pid)]:
                    os.kill(victim, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


class CrashingProxy:
    """Forwards to Directus; after the first successful ``POST`` to ``crash_path`` it kills the engine."""

    def __init__(self, upstream: str, crash_path: str, on_crash: Callable[[], None]) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, upstream + self.path, content=body, headers=headers, timeout=30)
                created = self.command == "POST" and self.path.split("?")[0] == crash_path and answer.is_success
                if created and not proxy.crashed.is_set():
                    proxy.crashed.set()
                    on_crash()
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = do_DELETE = _forward  # noqa: N815 (http.server's names)

        self.crashed = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(directus: DirectusInstance) -> Iterator[CrashingProxy]:
    running = CrashingProxy(directus.url, "/users", kill_pulumi_engine)
    yield running
    running.close()


def managed_users(admin: DirectusClient, email: str) -> list[dict[str, object]]:
    return admin.list_objects("/users", filter={"email": {"_eq": email}}, fields=["id", "tags"])


def test_create_interrupted_after_post_is_adopted_on_rerun(
    proxy: CrashingProxy, directus: DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    stack = make_stack(
        directus, tmp_path, "crash", members=[{"name": "crash", "email": "crash@company.com", "template": "content"}]
    )
    stack.set_config(f"{NS}:directusUrl", auto.ConfigValue(proxy.url))
    with pytest.raises(auto.CommandError):
        stack.up(color="never")
    assert proxy.crashed.is_set(), "the engine was not interrupted"
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
