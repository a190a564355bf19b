"""A real Directus for the slow suites: started fresh by the test suite, or one a contributor already runs.

Integration and end-to-end tests need the toolchain that ``tools/bootstrap.sh`` installs. When it is missing
they are skipped with the reason printed, except under CI (``CI=true``), where a missing toolchain is a
failure: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from components.directus.client import DirectusClient
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.localdev.profiles import DEFAULT_PROFILE, start_profile


@dataclass(frozen=True)
class DirectusChoice:
    """Which Directus a session runs: the profile (``sqlite``, ``postgres-redis``) and the line (``12``, ``11``)."""

    profile: str = DEFAULT_PROFILE
    line: str = server.DEFAULT_LINE


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must not skip this suite: run tools/bootstrap.sh)")
    pytest.skip(reason)


@contextmanager
def fresh_directus(
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    choice: DirectusChoice = DirectusChoice(),
    extensions: tuple[Path, ...] = (),
) -> Iterator[server.DirectusInstance]:
    """A fresh Directus of ``choice`` with its data in ``data_dir`` and the demo collections, loading
    ``extensions`` (none unless a suite asks: the session's Directus runs as Directus ships)."""
    cli = server.directus_cli(choice.line)
    require(cli.exists(), f"Directus {choice.line}.x is not installed at {cli}")
    with start_profile(
        choice.profile, data_dir, line=choice.line, extra_env=extra_env, extensions=extensions
    ) as running:
        with DirectusClient(running.instance.url, running.instance.admin_token) as client:
            ensure_demo_collections(client)
        yield running.instance


#: A contributor's already running Directus for the integration tests (``make local`` gives one): its URL and an
#: admin token. Unset (always in CI): each test session starts a fresh Directus of its own.
EXTERNAL_URL_ENV = "DIRECTUS_MCP_ACCESS_TEST_URL"
EXTERNAL_TOKEN_ENV = "DIRECTUS_MCP_ACCESS_TEST_TOKEN"


def external_directus() -> server.DirectusInstance | None:
    """The Directus named by :data:`EXTERNAL_URL_ENV`, with the demo collections; ``None`` when unset."""
    url = os.environ.get(EXTERNAL_URL_ENV)
    if not url:
        return None
    token = os.environ.get(EXTERNAL_TOKEN_ENV)
    parsed = urlparse(url)
    if parsed.hostname != "127.0.0.1" or not parsed.port or not token:
        pytest.fail(
            f"{EXTERNAL_URL_ENV}={url!r}: give a local Directus as http://127.0.0.1:<port>, with an admin token in "
            f"{EXTERNAL_TOKEN_ENV}"
        )
    instance = server.DirectusInstance(port=parsed.port, data_dir=Path(), admin_token=token)
    with DirectusClient(instance.url, instance.admin_token) as client:
        ensure_demo_collections(client)
    return instance


@contextmanager
def session_directus(
    data_dir: Path, extra_env: dict[str, str] | None = None, choice: DirectusChoice = DirectusChoice()
) -> Iterator[server.DirectusInstance]:
    """The Directus a test session shares: the contributor's (see :func:`external_directus`), else a fresh one."""
    if os.environ.get("CI") and os.environ.get(EXTERNAL_URL_ENV):
        pytest.fail(f"{EXTERNAL_URL_ENV} is set under CI: CI must test against a Directus of its own")
    external = external_directus()
    if external is not None:
        yield external
        return
    with fresh_directus(data_dir, extra_env, choice) as instance:
        yield instance
