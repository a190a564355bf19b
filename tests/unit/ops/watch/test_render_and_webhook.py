"""The watch's lines, JSON and webhook: Slack-compatible bodies, retried with backoff, never blocking the watch."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from components.ops.watch import render
from components.ops.watch.rules import Action, WatchFinding
from components.ops.watch.socket import websocket_url
from components.ops.watch.webhook import Webhook

AT = datetime(2026, 12, 7, 6, 30, 1, tzinfo=UTC)
FINDING = WatchFinding("team", "public-access", None, "MCP content", "critical", "policy 'MCP content' on Public")


def test_a_finding_as_a_line_and_as_json_has_the_fields_and_its_state() -> None:
    data = render.record(FINDING, render.APPEARED, AT)
    assert render.line(data) == (
        "2026-12-07T06:30:01Z [team] + appeared critical public-access: policy 'MCP content' on Public"
    )
    assert json.loads(render.json_line(data)) == {
        "stack": "team",
        "kind": "public-access",
        "member": None,
        "object": "MCP content",
        "severity": "critical",
        "summary": "policy 'MCP content' on Public",
        "state": "appeared",
        "detected_at": "2026-12-07T06:30:01+00:00",
    }
    body = render.webhook_body(render.record(FINDING, render.RESOLVED, AT))
    assert body["text"].startswith("mcp-access watch: 2026-12-07T06:30:01Z [team] - resolved critical")
    assert body["kind"] == "public-access"


def test_an_enforcement_says_what_was_done_or_why_it_failed() -> None:
    action = Action("member-token-by-hand", "revoke", "u-1", "john", "member john: a token set by hand")
    done = render.action_record("team", action, AT)
    assert done["state"] == "enforced" and done["member"] == "john"
    assert "revoked member john (suspended, token cleared" in done["summary"]
    failed = render.action_record("team", action, AT, error="DirectusForbiddenError")
    assert failed["state"] == "enforce-failed" and "could not revoke" in failed["summary"]


def test_the_websocket_address_follows_the_scheme() -> None:
    assert websocket_url("https://cms.example.com/") == "wss://cms.example.com/websocket"
    assert websocket_url("http://127.0.0.1:8055") == "ws://127.0.0.1:8055/websocket"


class Receiver:
    """A local webhook receiver that answers 503 to the first ``failures`` posts."""

    def __init__(self, failures: int) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.attempts += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                ok = receiver.attempts > failures
                if ok:
                    receiver.bodies.append(body)
                self.send_response(200 if ok else 503)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_a_failing_receiver_is_retried_until_it_accepts() -> None:
    receiver = Receiver(failures=2)
    said: list[str] = []
    hook = Webhook(receiver.url, say=said.append, first_delay=0.05)
    hook.send(render.webhook_body(render.record(FINDING, render.APPEARED, AT)))
    deadline = time.monotonic() + 5
    while not receiver.bodies and time.monotonic() < deadline:
        time.sleep(0.02)
    hook.close()
    receiver.server.shutdown()
    assert receiver.attempts == 3 and said == []
    assert receiver.bodies[0]["text"].startswith("mcp-access watch:")
    assert receiver.bodies[0]["summary"] == FINDING.summary


def test_a_receiver_that_never_answers_does_not_block_and_is_given_up_with_one_line() -> None:
    said: list[str] = []
    hook = Webhook("http://127.0.0.1:9/unreachable", say=said.append, attempts=3, first_delay=0.01)
    started = time.monotonic()
    hook.send({"text": "x"})
    assert time.monotonic() - started < 0.1  # send only queues
    deadline = time.monotonic() + 5
    while not said and time.monotonic() < deadline:
        time.sleep(0.02)
    hook.close()
    assert said == ["webhook: gave up on one event after 3 attempts (ConnectError)"]
    assert "127.0.0.1:9" not in said[0]  # the address (a Slack webhook's is a secret) is never printed
