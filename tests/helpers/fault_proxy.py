"""A small HTTP proxy in front of Directus that can answer in its place: errors, delays, or a kill hook."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass(frozen=True)
class Fault:
    """What the proxy does instead of (or before) forwarding one request."""

    status: int | None = None  # answer with this status instead of forwarding
    retry_after: str | None = None
    delay: float = 0.0  # wait this long before forwarding


Rule = Callable[[str, str], Fault | None]  # (method, path) -> fault or None (forward)
AfterHook = Callable[[str, str, httpx.Response], bool]  # True: drop the answer (the caller never sees it)


class FaultProxy:
    def __init__(self, upstream: str, rule: Rule | None = None, after: AfterHook | None = None) -> None:
        self.upstream = upstream
        self.rule: Rule = rule or (lambda _method, _path: None)
        self.after: AfterHook = after or (lambda _method, _path, _answer: False)
        self.faults_served = 0
        self.triggered = threading.Event()  # for hooks that act once (e.g. kill the engine)
        self.requests = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, headers: dict[str, str], content: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path.split("?")[0]
                with proxy._lock:
                    proxy.requests += 1
                fault = proxy.rule(self.command, path)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.status is not None:
                    with proxy._lock:
                        proxy.faults_served += 1
                    headers = {"Content-Type": "application/json"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = fault.retry_after
                    error = b'{"errors":[{"message":"injected by the test proxy","extensions":{"code":"INJECTED"}}]}'
                    self._reply(fault.status, headers, error)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(
                    self.command, proxy.upstream + self.path, content=body, headers=headers, timeout=60
                )
                if proxy.after(self.command, path, answer):
                    return
                skip = ("content-length", "transfer-encoding", "connection", "content-encoding")
                self._reply(
                    answer.status_code,
                    {k: v for k, v in answer.headers.items() if k.lower() not in skip},
                    answer.content,
                )

            do_GET = do_POST = do_PATCH = do_DELETE = _handle  # noqa: N815 (http.server's names)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
