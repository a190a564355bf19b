"""Has the stack's state or config changed since the watch read them? Cheap to ask for a ``file://`` backend.

Re-reading the state costs two ``pulumi`` CLI calls (seconds); a watch with findings must know the state is
current before it reports or enforces anything (an ``up`` may just have created a member or issued a token). For
a ``file://`` backend the state is one file (``.pulumi/stacks/<project>/<stack>.json``) and the config another
(``stacks/Pulumi.<stack>.yaml``): their size and modification time tell. For any other backend the answer is
"unknown" (``None``) and the watch re-reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from components.engine.backend import backend_of

Fingerprint = tuple[tuple[str, int, int], ...]


def _files(stack: Any) -> list[Path] | None:
    workspace = stack.workspace
    work_dir = Path(getattr(workspace, "work_dir", None) or ".")
    env = {**os.environ, **(getattr(workspace, "env_vars", None) or {})}
    backend = backend_of(env, work_dir)
    if not backend or not backend.startswith("file://"):
        return None
    root = Path(unquote(urlparse(backend).path)).expanduser() / ".pulumi" / "stacks"
    names = (f"{stack.name}.json", f"{stack.name}.json.gz")
    state = [p for name in names for p in [*root.glob(f"*/{name}"), root / name] if p.is_file()]
    if not state:
        return None
    return [*sorted(state), work_dir / "stacks" / f"Pulumi.{stack.name}.yaml"]


def fingerprint(stack: Any) -> Fingerprint | None:
    """The state's and config's (path, mtime, size), or ``None`` when this backend cannot tell cheaply."""
    files = _files(stack)
    if files is None:
        return None
    found = []
    for path in files:
        try:
            status = path.stat()
        except OSError:
            continue
        found.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(found)
