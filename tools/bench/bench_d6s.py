"""The official Directus CLI ``d6s`` (``@directus/cli``, pinned in ``tools/d6s``), for the benchmark's comparison.

``tools/bootstrap.sh --with-d6s`` installs it into ``<cache>/d6s-<version>``, only when the benchmark asks. What
the benchmark runs, as the package's ``--help`` describes it (12.2.1):

- ``d6s --no-interactive profile add src --url URL`` writes ``directus.config.json`` in the working folder
  (the profile: a name and a URL, no credential);
- with ``CI=true`` the token comes only from ``DIRECTUS_SRC_TOKEN`` (``DIRECTUS_<PROFILE>_TOKEN``), never from
  the saved store ``~/.directus/credentials.json``; it is passed in the environment, not on the command line;
- ``d6s --no-interactive sync pull --from src --users`` writes the schema and the users with their roles and
  policies to ``directus/default/{schema,data}/`` below the working folder;
- ``d6s --json --no-interactive sync diff --to src --mode mirror`` compares those files with the server
  (``mirror`` includes deletions) and prints ``{"changes": false, ...}`` when nothing differs.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from components.localdev.server import node_bin_dir
from components.names import PROJECT_ROOT, cache_dir

PACKAGE = "@directus/cli"
PROFILE = "src"
TOKEN_ENV = f"DIRECTUS_{PROFILE.upper()}_TOKEN"
#: The timed command (whole process): the issue's ``d6s sync diff --to src --mode mirror``, with JSON output.
DIFF_ARGS = ("--json", "--no-interactive", "sync", "diff", "--to", PROFILE, "--mode", "mirror")


class D6sError(RuntimeError):
    """d6s could not be installed or one of its commands failed (its output, with the token masked)."""


def pinned_version() -> str:
    package = json.loads((PROJECT_ROOT / "tools" / "d6s" / "package.json").read_text())
    return str(package["dependencies"][PACKAGE])


def install_dir() -> Path:
    return cache_dir() / f"d6s-{pinned_version()}"


def ensure_installed() -> Path:
    """Install d6s through the bootstrap (its lock, its cache layout); return the ``d6s`` executable."""
    done = subprocess.run(
        ["bash", str(PROJECT_ROOT / "tools" / "bootstrap.sh"), "--with-d6s"],
        capture_output=True,
        text=True,
        check=False,
    )
    executable = install_dir() / "node_modules" / ".bin" / "d6s"
    if done.returncode != 0 or not executable.exists():
        raise D6sError(f"tools/bootstrap.sh --with-d6s failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return executable


def d6s_version(executable: Path) -> str:
    done = subprocess.run([str(executable), "--version"], env=_node_env(), capture_output=True, text=True, check=False)
    return done.stdout.strip() or f"unknown ({done.returncode})"


def _node_env() -> dict[str, str]:
    """d6s runs on the project's Node 22 (``#!/usr/bin/env node``; the machine's own Node is older)."""
    return {**os.environ, "PATH": f"{node_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}"}


@dataclass
class D6sProject:
    """A d6s working folder bound to one Directus (profile ``src``) with the admin token in the environment."""

    executable: Path
    folder: Path
    url: str
    token: str

    def env(self) -> dict[str, str]:
        return {
            **_node_env(),
            "CI": "true",
            "NO_INTERACTIVE": "true",
            # Nothing of the user's own d6s set-up is read or written (it keeps credentials in ~/.directus).
            "HOME": str(self.folder),
            TOKEN_ENV: self.token,
        }

    def argv(self, *args: str) -> list[str]:
        return [str(self.executable), *args]

    def run(self, *args: str) -> str:
        """Run one d6s command in the folder; its stdout, or :class:`D6sError` with the token masked."""
        done = subprocess.run(
            self.argv(*args), cwd=self.folder, env=self.env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            output = f"{done.stdout}{done.stderr}".replace(self.token, "***")
            raise D6sError(f"d6s {' '.join(args)} failed ({done.returncode}):\n{output}")
        return done.stdout

    def set_up(self) -> None:
        """The profile and one ``sync pull --users``: the files the timed diffs compare with the server."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.run("--no-interactive", "profile", "add", PROFILE, "--url", self.url)
        self.run("--no-interactive", "sync", "pull", "--from", PROFILE, "--users")

    def diff(self) -> bool:
        """One ``sync diff --mode mirror``; whether d6s saw changes (none expected: nothing changed since the pull)."""
        return bool(json.loads(self.run(*DIFF_ARGS))["changes"])
