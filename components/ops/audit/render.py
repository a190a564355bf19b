"""The audit as markdown (for people, e.g. a monthly review ticket) or JSON (for tools): same content.

Both always state what Directus does not record, so nobody reads a clean audit as "nothing happened".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from components.ops.audit.rules import AUDITED_WRITES, AuditFinding, FindingKind
from components.ops.audit.run import AuditResult

#: Rows per kind of finding in the markdown report; the JSON report has all of them.
MARKDOWN_ROWS = 50

TITLES = {
    FindingKind.MASS_DELETION: "Mass deletions",
    FindingKind.OUTSIDE_TEMPLATE: "Writes outside the member's template",
    FindingKind.OUTSIDE_HOURS: "Activity outside working hours",
    FindingKind.SUSPENDED: "Suspended users",
    FindingKind.LOCKED_OUT: "Users locked out by their status (inactive-license, draft, invited, archived)",
    FindingKind.STALE: "Members with no recorded sign of use",
    FindingKind.PASSWORD_LOGIN: "Password logins",
    FindingKind.OAUTH_TOKEN: "OAuth tokens issued to static-token members",
    FindingKind.REFUSED: "Refused calls (collections outside the template)",
    FindingKind.READ_VOLUME: "Unusual read volume",
    FindingKind.FAILED_LOGINS: "Failed token logins",
}
#: Kinds only the recorder extension can show: "not checked" without it.
RECORDER_KINDS = (FindingKind.REFUSED, FindingKind.READ_VOLUME, FindingKind.FAILED_LOGINS)


def not_recorded(login_attempts: int | None, recorder: bool = False) -> list[str]:
    """What the activity log cannot show, verified on Directus 12.4.0; with the recorder, what is still true."""
    limit = (
        f"at the first failed login beyond auth_login_attempts ({login_attempts})"
        if login_attempts
        else "never: auth_login_attempts is not set, so failed logins leave no trace at all"
    )
    suspension = (
        f"Failed password logins are not recorded one by one; Directus suspends the user {limit}, and only that "
        "suspension appears (as an update of the user by itself)."
    )
    vanish = (
        "Rows can vanish: deleting a collection deletes its activity rows, Directus's retention job (when "
        "RETENTION_ENABLED) deletes rows older than ACTIVITY_RETENTION, and an unlicensed Directus answers for "
        "the last 30 days only."
    )
    if recorder:
        return [
            "With the recorder extension, reads, refused calls, MCP calls and failed token logins are recorded "
            "(see docs/recorder.md), but only while the extension runs and only for the managed MCP users: what "
            "an assistant read is known by collection and row count, never by content.",
            "Refusals inside a call are known for /mcp and REST; a GraphQL refusal is recorded as a REST one.",
            suspension,
            vanish + " The recorder prunes its own rows after recorder.retentionDays.",
        ]
    return [
        "Reads: reading items, files, users or the schema creates no activity row, through MCP or REST. What an "
        "assistant read, and may have passed into a conversation, leaves no trace.",
        "Refused calls: a tool call or request that permissions refuse (a collection outside the template, a "
        "delete while deletes are off) records nothing; only writes that succeed appear.",
        "Failed token authentication: a request with a wrong, revoked or rotated static token is answered 401 "
        "and recorded nowhere Directus lets you query.",
        suspension,
        "MCP is not marked: a write through /mcp is recorded like a REST write made with the same token. "
        "user_agent and origin are whatever the client sent (origin is empty for non-browser clients), so this "
        "audit covers everything the MCP users' tokens did, through MCP or not.",
        vanish,
    ]


def _local(result: AuditResult, moment: datetime | None) -> str:
    if moment is None:
        return "now"
    return moment.astimezone(result.rules.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _when(result: AuditResult, finding: AuditFinding) -> str:
    start, end = _local(result, finding.timestamp), _local(result, finding.until)
    return f"{start} to {end}" if finding.until is not None and end != start else start


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(result: AuditResult) -> str:
    if not result.findings:
        return "No findings."
    by_kind = {kind: sum(1 for f in result.findings if f.kind == kind) for kind in FindingKind}
    parts = [f"{TITLES[k].lower()}: {n}" for k, n in by_kind.items() if n]
    return f"**{_plural(len(result.findings), 'finding')}**: {'; '.join(parts)}."


def to_markdown(result: AuditResult) -> str:
    rules = result.rules
    minutes = int(rules.mass_delete_window.total_seconds() // 60)
    lines = [
        f"# MCP activity audit: stack `{result.stack}`",
        "",
        f"- Directus: {result.directus_url}",
        f"- Period: {_local(result, result.period.since)} to {_local(result, result.period.until)} ({rules.zone.key})",
        f"- Working hours: {rules.describe_hours()}",
        f"- Mass deletion: {rules.mass_delete_threshold} or more deletes by one member within {minutes} minutes",
        "",
        summary(result),
        "",
        "## Members audited",
        "",
        "| member | MCP user | template | declared | live status | create | update | delete | login | other |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in result.members:
        member, actions = entry.member, entry.actions
        other = sum(n for action, n in actions.items() if action not in (*AUDITED_WRITES, "login"))
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    member.name,
                    entry.mcp_email,
                    member.template,
                    "enabled" if member.enabled else "disabled",
                    member.live_status or "missing",
                    actions["create"],
                    actions["update"],
                    actions["delete"],
                    actions["login"],
                    other,
                )
            )
            + " |"
        )
    if not result.members:
        lines.append("| (no managed members) | | | | | | | | | |")
    lines += ["", "## Findings"]
    for kind in FindingKind:
        found = [f for f in result.findings if f.kind == kind]
        lines += ["", f"### {TITLES[kind]} ({len(found)})", ""]
        if kind is FindingKind.OUTSIDE_HOURS and rules.hours is None:
            lines.append("Not checked: `audit.workingHours` is not set for this stack.")
            continue
        if kind in RECORDER_KINDS and result.recorded is None:
            lines.append("Not checked: the recorder is off for this stack (`recorder.enabled`, docs/recorder.md).")
            continue
        if not found:
            lines.append("None.")
            continue
        lines += ["| when | member | action | collection | item | detail |", "|---|---|---|---|---|---|"]
        for finding in found[:MARKDOWN_ROWS]:
            cells = (
                _when(result, finding),
                finding.member,
                finding.action,
                finding.collection,
                finding.item,
                finding.detail,
            )
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if len(found) > MARKDOWN_ROWS:
            lines.append(f"\n... {len(found) - MARKDOWN_ROWS} more (all of them with `--json`).")
    lines += ["", "## OAuth in the period", ""]
    if result.oauth_clients is None:
        lines.append("OAuth is off on this server: no client, no token.")
    else:
        lines += [f"Clients registered: {len(result.oauth_clients)}", ""]
        lines += [f"- {text}" for text in result.oauth_clients]
        lines += ["", f"Tokens issued (one per approved consent, and one per refresh): {len(result.oauth_tokens)}", ""]
        lines += [f"- {text}" for text in result.oauth_tokens[:MARKDOWN_ROWS]]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in result.notes]
    if result.recorded is not None:
        lines += ["", "## Recorder", "", _recorder_summary(result)]
    lines += ["", "## Not recorded by Directus", ""]
    lines += [f"- {text}" for text in not_recorded(result.login_attempts, result.recorded is not None)]
    return "\n".join(lines) + "\n"


def _recorder_summary(result: AuditResult) -> str:
    rows = result.recorded or []
    kinds = {kind: sum(1 for r in rows if r.kind == kind) for kind in ("mcp", "read", "refused", "failed-login")}
    read = sum(r.rows or 0 for r in rows if r.kind in ("mcp", "read") and not r.refused)
    counted = ", ".join(f"{n} {k}" for k, n in kinds.items())
    return (
        f"{len(rows)} rows in the period ({counted}); {read} rows read; read volume threshold "
        f"{result.read_volume_threshold} rows per member per hour. All rows with `--json`."
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _finding_json(result: AuditResult, finding: AuditFinding) -> dict[str, Any]:
    zone = result.rules.zone
    return {
        "kind": str(finding.kind),
        "member": finding.member,
        "timestamp": _iso(finding.timestamp),
        "localTime": _iso(finding.timestamp.astimezone(zone)) if finding.timestamp else None,
        "until": _iso(finding.until),
        "action": finding.action,
        "collection": finding.collection,
        "item": finding.item,
        "count": finding.count,
        "detail": finding.detail,
        "ip": finding.ip,
        "userAgent": finding.user_agent,
        "origin": finding.origin,
        "activityIds": list(finding.activity_ids),
    }


def to_json(result: AuditResult) -> str:
    rules = result.rules
    document = {
        "stack": result.stack,
        "directusUrl": result.directus_url,
        "period": {
            "since": _iso(result.period.since),
            "until": _iso(result.period.until),
            "timezone": rules.zone.key,
        },
        "settings": {
            "workingHours": None if rules.hours is None else rules.describe_hours(),
            "massDeleteThreshold": rules.mass_delete_threshold,
            "massDeleteWindowMinutes": int(rules.mass_delete_window.total_seconds() // 60),
            "authLoginAttempts": result.login_attempts,
            "readVolumeThreshold": result.read_volume_threshold,
        },
        "members": [
            {
                "name": e.member.name,
                "userId": e.member.user_id,
                "mcpEmail": e.mcp_email,
                "template": e.member.template,
                "enabled": e.member.enabled,
                "liveStatus": e.member.live_status,
                "activity": dict(sorted(e.actions.items())),
            }
            for e in result.members
        ],
        "counts": {str(kind): sum(1 for f in result.findings if f.kind == kind) for kind in FindingKind},
        "findings": [_finding_json(result, f) for f in result.findings],
        "oauth": {"clientsRegistered": result.oauth_clients, "tokensIssued": result.oauth_tokens},
        "notes": result.notes,
        "recorded": None if result.recorded is None else [r.as_dict() for r in result.recorded],
        "notRecorded": not_recorded(result.login_attempts, result.recorded is not None),
        "exitCode": result.exit_code,
    }
    return json.dumps(document, indent=2) + "\n"
