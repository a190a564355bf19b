"""``mcp-access watch`` as a child process: its JSON lines and status lines read with timeouts, a webhook receiver."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

from pulumi import automation as auto

from components.directus.mcp import McpError, list_tools
from components.names import PROJECT_ROOT

Event = dict[str, Any]


class WatchProcess:
    """``mcp-access watch --json`` on ``stack``, with the stack's engine settings; ``stop`` sends SIGTERM."""

    def __init__(self, stack: auto.Stack, *args: str, env: dict[str, str] | None = None) -> None:
        workspace = stack.workspace
        assert isinstance(workspace, auto.LocalWorkspace)
        command = [sys.executable, "-m", "components.cli", "watch", "--stack", stack.name]
        command += ["--repo", str(workspace.work_dir), "--json", *args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(workspace.env_vars or {}), **(env or {})},
            cwd=PROJECT_ROOT,
        )
        self.events: queue.Queue[Event] = queue.Queue()
        self.status: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.seen: list[Event] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout, self.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, False), daemon=True).start()

    def _read(self, stream: IO[str], lines: list[str], events: bool) -> None:
        for text in stream:
            lines.append(text)
            if events:
                try:
                    self.events.put(json.loads(text))
                except ValueError:
                    self.events.put({"unparsed": text})
            else:
                self.status.put(text)

    def wait_status(self, fragment: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.status.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self.status.empty():
                    break
                continue
            if fragment in line:
                return line
        raise AssertionError(f"no status line with {fragment!r} in {timeout} s; stderr:\n{''.join(self.stderr)}")

    def wait_for(self, match: Callable[[Event], bool], what: str, timeout: float = 30.0) -> Event:
        """The first event (seen before or arriving) that ``match``es; an error listing what was seen otherwise."""
        for event in self.seen:
            if match(event):
                self.seen.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self.events.empty():
                    break
                continue
            if match(event):
                return event
            self.seen.append(event)
        raise AssertionError(
            f"no event {what} in {timeout} s; seen: {json.dumps(self.seen, indent=1)}\nstderr:\n{''.join(self.stderr)}"
        )

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the watch did not stop within 20 s of SIGTERM") from None


def event(
    state: str, kind: str | None = None, object_: str | None = None, summary: str = ""
) -> Callable[[Event], bool]:
    def match(data: Event) -> bool:
        return (
            data.get("state") == state
            and (kind is None or data.get("kind") == kind)
            and (object_ is None or data.get("object") == object_)
        )

    return match


class WebhookReceiver:
    """A local HTTP receiver recording every body POSTed to it (the watch's ``--webhook``)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                text = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                receiver.raw.append(text)
                receiver.bodies.append(json.loads(text))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack-like"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def refused_on_mcp(url: str, token: str) -> bool:
    """Whether Directus's MCP endpoint at ``url`` answers ``token`` with 401 (a revoked or replaced token)."""
    try:
        list_tools(f"{url}/mcp", token)
    except McpError as exc:
        return exc.status == 401
    return False
