"""Files as they are at a git revision, read with the ``git`` command, without touching the working tree or index.

The review command compares the working tree with a base revision (``origin/main`` in a PR): it needs the
stack files and the role templates of that revision as plain files, because templates are rendered with a
jinja2 file loader. :func:`files_at` copies them into a temporary directory.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from components.errors import McpAccessError

#: Modes of regular files in a git tree (symlinks, submodules and other entries are skipped).
_FILE_MODES = (b"100644", b"100755")


class GitRevisionError(McpAccessError):
    """The directory is not a git repository, the revision does not exist, or git failed."""


def _git(repo: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitRevisionError("the git command is not installed (needed for --base)") from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip() or f"exit code {result.returncode}"
        raise GitRevisionError(f"git {' '.join(args)} failed in {repo}: {detail}")
    return result.stdout


def check_repository(repo: Path) -> None:
    if not repo.is_dir():
        raise GitRevisionError(f"{repo} is not a directory")
    try:
        _git(repo, "rev-parse", "--show-toplevel")
    except GitRevisionError as exc:
        raise GitRevisionError(f"{repo} is not a git repository ({exc})") from None


def resolve_commit(repo: Path, ref: str) -> str:
    """The commit id ``ref`` names in ``repo`` (a branch, tag, ``HEAD~2``, an id...)."""
    check_repository(repo)
    hint = "a branch, tag or commit such as origin/main or HEAD~1; in a shallow CI clone, fetch it first"
    if not ref or ref.startswith("-"):
        raise GitRevisionError(f"unknown git revision {ref!r} in {repo} ({hint})")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitRevisionError:
        raise GitRevisionError(f"unknown git revision {ref!r} in {repo} ({hint})") from None


@contextmanager
def files_at(repo: Path, commit: str, folders: Sequence[str]) -> Iterator[Path]:
    """A temporary directory holding ``folders`` (relative to ``repo``) as they are at ``commit``.

    ``repo`` may be a sub-directory of the repository (a project inside a monorepo): paths stay relative to it.
    Folders missing at ``commit`` are simply absent from the directory.
    """
    prefix = _git(repo, "rev-parse", "--show-prefix").decode().strip()
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-name", commit, "--", *folders)
    with tempfile.TemporaryDirectory(prefix="mcp-access-review-") as tmp:
        root = Path(tmp).resolve()
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            mode, kind, object_id = meta.split()
            if kind != b"blob" or mode not in _FILE_MODES:
                continue
            target = (root / name.decode().removeprefix(prefix)).resolve()
            if not target.is_relative_to(root):
                raise GitRevisionError(f"refusing path {name.decode()!r} at {commit}: outside the project")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_git(repo, "cat-file", "blob", object_id.decode()))
        yield root
