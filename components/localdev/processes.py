"""Process-tree helpers (Linux /proc) for the tests and the benchmark: find what the Pulumi CLI started."""

from __future__ import annotations

from pathlib import Path


def descendants(pid: int) -> list[int]:
    """All descendant process ids of ``pid``."""
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
