"""The drift report as markdown (for people: a monthly issue or ticket) or JSON (for tools): same content."""

from __future__ import annotations

import json
from typing import Any

from components.model.caller_ips import CALLER_WINDOW_DAYS
from components.ops.drift.recorder import CLOUD_NOTE
from components.ops.drift.run import DriftReport


def to_markdown(report: DriftReport) -> str:
    total = report.findings
    verdict = "clean" if total == 0 else f"{total} finding{'s' if total != 1 else ''}"
    lines = [
        f"## Drift check: stack `{report.stack}` ({report.directus_url})",
        "",
        f"{report.checked_at:%Y-%m-%d %H:%M} UTC. **Result: {verdict}** (exit {report.exit_code}).",
        "",
        "### Managed objects that differ from the code",
        "",
    ]
    if not report.drifted:
        lines.append("None: every managed object matches the code (`preview --refresh` plans no change).")
    for item in report.drifted:
        lines.append(f"- `{item.name}`: {item.summary}")
        lines.extend(f"  - {detail}" for detail in item.details)
    lines += ["", "### Access that no code declares", ""]
    if not report.undeclared:
        lines.append(
            "None: no unmanaged active user holds a token, a direct policy or an MCP role; nothing is attached to "
            "Public; no undeclared admin policy is held (the provisioning user's own admin access is expected)."
        )
    lines.extend(f"- {finding.message}" for finding in report.undeclared)
    lines += ["", f"### Tokens past or within {report.warn_days} days of rotation", ""]
    if not report.rotation:
        lines.append("None.")
    lines.extend(f"- {finding.message}" for finding in report.rotation)
    lines += ["", "### Access that ends by itself (expiring members, elevations)", ""]
    lines.extend(f"- {finding.message}" for finding in report.expiry)
    if not report.expiry:
        lines.append(f"None: no member expired or expiring within {report.warn_days} days, no elevation declared.")
    lines += ["", f"### Members with no recorded sign of use for {report.stale_after_days} days", ""]
    lines.extend(f"- {finding.message}" for finding in report.stale)
    if not report.stale:
        lines.append("None.")
    lines.append(
        "\nSigns read: writes and password logins (activity), `last_access` (sign-in or session refresh), OAuth "
        "token issues and refreshes. Not recorded by Directus: reads (a static token used only to read leaves no "
        "trace) and static-token use itself; unlicensed Directus shows only the last 30 days of activity."
    )
    lines += ["", f"### Directus {report.directus_version or '(version not reported)'}", ""]
    if not report.server:
        lines.append("No known problem of this version weakens what the stack declares.")
    lines.extend(f"- {finding.message}" for finding in report.server)
    if report.other_stacks:
        lines += ["", "### Managed by other stacks on this Directus (not findings)", ""]
        lines.extend(f"- stack `{name}`: {', '.join(items)}" for name, items in report.other_stacks.items())
    lines += ["", "### OAuth grants", ""]
    if not report.oauth_readable:
        lines.append(
            "Not checked: `/mcp-oauth/clients` is admin only and this run's token is not an admin's (the guard "
            "user's); run `drift` with the provisioning token for the OAuth grants."
        )
    elif report.oauth_inventory is None:
        lines.append("OAuth is off on this server (`/mcp-oauth/clients` is not mounted): no client, no grant.")
    else:
        lines.extend(f"- ⚠ {finding.message}" for finding in report.oauth)
        if not report.oauth:
            lines.append(
                "No finding: no grant held by an admin, a non-MCP user or a disabled or removed member; no client "
                f"unused for {report.unused_client_days} days."
            )
        lines += ["", "Clients and grants:", ""]
        lines.extend(f"- {line}" for line in report.oauth_inventory or ["none"])
    lines += ["", "### Flows that run with more rights than the member triggering them", ""]
    if not report.flows:
        lines.append(
            "None: no member can trigger an active manual flow whose operations run above its rights, send a request "
            "from the server or run a script there."
        )
    lines.extend(f"- {finding.message}" for finding in report.flows)
    if report.ip_allowlist:
        lines += ["", "### Requests from outside the ip allowlist", ""]
        lines.extend(f"- ⚠ {finding.message}" for finding in report.outside_allowlist)
        if report.callers_note is not None:
            lines.append(f"Not checked: {report.callers_note}.")
        elif not report.outside_allowlist:
            lines.append(
                f"None: no enabled member's request recorded in the last {CALLER_WINDOW_DAYS} days came from outside "
                f"{', '.join(report.ip_allowlist)}."
            )
    if report.recorder is not None:
        lines += ["", "### Recorder extension", ""]
        mark = "⚠ " if report.recorder_finding else ""
        wanted = "expected (recorder.enabled)" if report.recorder_expected else "not expected (recorder off)"
        lines.append(f"- {mark}mcp-access-recorder: {report.recorder.describe()}; {wanted}.")
        lines.append(f"- {CLOUD_NOTE}.")
    scanned = ", ".join(f"{count} {what}" for what, count in report.counts.items())
    lines += ["", f"Scanned: {scanned}."]
    return "\n".join(lines) + "\n"


def to_json(report: DriftReport) -> str:
    data: dict[str, Any] = {
        "stack": report.stack,
        "directusUrl": report.directus_url,
        "checkedAt": report.checked_at.isoformat(),
        "exitCode": report.exit_code,
        "drift": [item.as_dict() for item in report.drifted],
        "undeclaredAccess": [finding.as_dict() for finding in report.undeclared],
        "rotation": [finding.as_dict() for finding in report.rotation],
        "rotationWarningDays": report.warn_days,
        "expiry": [finding.as_dict() for finding in report.expiry],
        "stale": [finding.as_dict() for finding in report.stale],
        "staleAfterDays": report.stale_after_days,
        "directusVersion": report.directus_version,
        "server": [finding.as_dict() for finding in report.server],
        "oauth": [finding.as_dict() for finding in report.oauth],
        "oauthInventory": report.oauth_inventory,
        "oauthReadable": report.oauth_readable,
        "unusedClientDays": report.unused_client_days,
        "escalatingFlows": [finding.as_dict() for finding in report.flows],
        "ipAllowlist": report.ip_allowlist,
        "outsideIpAllowlist": [finding.as_dict() for finding in report.outside_allowlist],
        "outsideIpAllowlistNotChecked": report.callers_note,
        "scanned": report.counts,
        "otherStacks": report.other_stacks,
        "recorder": None
        if report.recorder is None
        else {
            "status": report.recorder.describe(),
            "installed": report.recorder.installed,
            "enabled": report.recorder.enabled,
            "version": report.recorder.version,
            "expectedVersion": report.recorder.expected,
            "expected": report.recorder_expected,
            "finding": report.recorder_finding,
            "cloud": CLOUD_NOTE,
        },
    }
    return json.dumps(data, indent=2) + "\n"
