"""A minimal JSON-RPC client for Directus's MCP endpoint (``POST /mcp``), to verify what a token can do.

Tool errors come back as HTTP 200 with ``isError: true``; :class:`ToolResult` exposes both the flag and the
text so callers can tell "allowed" from "refused" exactly as an AI assistant would see it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx

_ids = itertools.count(1)


@dataclass(frozen=True)
class ToolResult:
    is_error: bool
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class McpError(RuntimeError):
    """The MCP endpoint refused the request itself (HTTP error or JSON-RPC error)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"MCP request failed: HTTP {status}: {message}")


def rpc(url: str, token: str | None, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
    """One JSON-RPC call. ``token=None`` sends no Authorization header (the token is in ``url`` then, as
    ``?access_token=``, the way connector-only clients send it)."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(_ids), "method": method}
    if params is not None:
        body["params"] = params
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = httpx.post(url, json=body, timeout=timeout, headers=headers)
    if response.status_code >= 400:
        text = response.text[:300]
        raise McpError(response.status_code, text.replace(token, "[redacted]") if token else text)
    answer = response.json()
    if "error" in answer:
        raise McpError(response.status_code, str(answer["error"].get("message")))
    return answer.get("result")


def initialize(url: str, token: str | None) -> dict[str, Any]:
    params = {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "mcp-access", "version": "0"}}
    return dict(rpc(url, token, "initialize", params))


def list_tools(url: str, token: str | None) -> list[str]:
    return [tool["name"] for tool in rpc(url, token, "tools/list")["tools"]]


def call_tool(url: str, token: str, name: str, arguments: dict[str, Any]) -> ToolResult:
    result = rpc(url, token, "tools/call", {"name": name, "arguments": arguments})
    text = "".join(part.get("text", "") for part in result.get("content", []))
    return ToolResult(is_error=bool(result.get("isError")), text=text)
