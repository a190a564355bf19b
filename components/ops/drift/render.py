"""The drift report as markdown (for people: a monthly issue or ticket) or JSON (for tools): same content."""

from __future__ import annotations

import json
from typing import Any

from components.ops.drift.run import DriftReport


def to_markdown(report: DriftReport) -> str:
    total = len(report.drifted) + len(report.undeclared) + len(report.rotation) + len(report.server)
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
    lines += ["", f"### Directus {report.directus_version or '(version not reported)'}", ""]
    if not report.server:
        lines.append("No known problem of this version weakens what the stack declares.")
    lines.extend(f"- {finding.message}" for finding in report.server)
    if report.other_stacks:
        lines += ["", "### Managed by other stacks on this Directus (not findings)", ""]
        lines.extend(f"- stack `{name}`: {', '.join(items)}" for name, items in report.other_stacks.items())
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
        "directusVersion": report.directus_version,
        "server": [finding.as_dict() for finding in report.server],
        "scanned": report.counts,
        "otherStacks": report.other_stacks,
    }
    return json.dumps(data, indent=2) + "\n"
