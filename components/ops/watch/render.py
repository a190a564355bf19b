"""The watch's words: a readable line per event, a JSON line, and the webhook's body (Slack-compatible ``text``).

Nothing here sees a token: findings carry drift's wording, which masks secrets, and actions carry ids and names.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from components.ops.watch.rules import Action, WatchFinding

APPEARED = "appeared"
RESOLVED = "resolved"
ENFORCED = "enforced"
ENFORCE_FAILED = "enforce-failed"


def record(finding: WatchFinding, state: str, at: datetime) -> dict[str, Any]:
    """The JSON fields of one finding event (``state``: appeared or resolved)."""
    return {
        "stack": finding.stack,
        "kind": finding.kind,
        "member": finding.member,
        "object": finding.object,
        "severity": finding.severity,
        "summary": finding.summary,
        "state": state,
        "detected_at": at.isoformat(),
    }


def action_record(stack: str, action: Action, at: datetime, error: str | None = None) -> dict[str, Any]:
    """The JSON fields of one enforcement (``state`` enforced, or enforce-failed with the error)."""
    summary = f"{action.reason}: {describe(action)}"
    if error:
        summary = f"{action.reason}: could not {describe(action)} ({error})"
    return {
        "stack": stack,
        "kind": action.cls,
        "member": action.member,
        "object": action.target,
        "severity": "critical",
        "summary": summary,
        "state": ENFORCE_FAILED if error else ENFORCED,
        "detected_at": at.isoformat(),
    }


def describe(action: Action) -> str:
    """What the watch did, in words (``revoked member john (as `mcp-access revoke` does)``)."""
    return {
        "revoke": f"revoked member {action.member} (suspended, token cleared, as `mcp-access revoke` does)",
        "delete-access": f"removed the access row {action.target}",
        "restore-policy": f"restored {', '.join(f'{k}={v}' for k, v in action.values.items())} on the policy",
        "clear-role": f"took the stack's role away from user {action.target}",
        "restore-setting": f"restored {', '.join(f'{k}={v}' for k, v in action.values.items())} in the settings",
    }.get(action.what, action.what)


MARK = {APPEARED: "+", RESOLVED: "-", ENFORCED: "!", ENFORCE_FAILED: "x"}


def line(data: dict[str, Any]) -> str:
    """``2026-12-07T06:30:01Z [monthly] + critical unmanaged-user: active user ...`` (one line per event)."""
    at = str(data["detected_at"]).replace("+00:00", "Z")
    state = str(data["state"])
    return f"{at} [{data['stack']}] {MARK.get(state, '?')} {state} {data['severity']} {data['kind']}: {data['summary']}"


def json_line(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True)


def webhook_body(data: dict[str, Any]) -> dict[str, Any]:
    """A body Slack-compatible incoming webhooks accept (``text``), plus the JSON fields for other receivers."""
    return {"text": f"mcp-access watch: {line(data)}", **data}


def status(message: str, at: datetime) -> str:
    """A line about the watch itself (connected, resync, reconnecting), for people on stderr."""
    return f"{at.isoformat().replace('+00:00', 'Z')} watch: {message}"
