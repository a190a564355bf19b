"""The settings a non-``local`` stack needs before Pulumi is asked anything: a state backend and a secrets provider.

Without them Pulumi's own errors do not say what to set (``PULUMI_ACCESS_TOKEN must be set for login during
non-interactive CLI sessions``), so this check names the missing settings first. ``local`` is the embedded
default (a file backend in ``.pulumi-state/`` and the passphrase in ``stacks/local.env``) and needs nothing.

The recommended shared backend is a DIY one with locking (PostgreSQL ``postgres://...`` or object storage;
``docs/production.md``). The Pulumi CLI 3.259 repeats a PostgreSQL backend URL, password included, in its errors
("unable to open state database "postgres://user:password@..."), so every engine message this project shows goes
through :func:`redact` (:mod:`components.redaction`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from components.errors import McpAccessError
from components.names import LOCAL_STACK, docs_page
from components.redaction import redact as redact_urls

BACKEND_ENV = "PULUMI_BACKEND_URL"
PASSPHRASE_ENVS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
CLOUD_TOKEN_ENV = "PULUMI_ACCESS_TOKEN"  # noqa: S105 (a variable name, not a secret)


class BackendSettingsError(McpAccessError):
    """A stack other than ``local`` lacks its state backend or its secrets passphrase/provider."""


def _logged_in_backend(env: Mapping[str, str]) -> str | None:
    """The backend ``pulumi login`` selected (``~/.pulumi/credentials.json``, or under ``PULUMI_HOME``), if any."""
    home = Path(env.get("PULUMI_HOME") or Path.home() / ".pulumi")
    try:
        current = json.loads((home / "credentials.json").read_text()).get("current")
    except (OSError, ValueError):
        return None
    return current if isinstance(current, str) and current else None


def _project_backend(work_dir: Path) -> str | None:
    """``backend.url`` of Pulumi.yaml, if the project names one."""
    try:
        project = yaml.safe_load((work_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    backend = project.get("backend") if isinstance(project, dict) else None
    url = backend.get("url") if isinstance(backend, dict) else None
    return url if isinstance(url, str) and url else None


def stack_secrets_provider(work_dir: Path, stack: str) -> str | None:
    """The ``secretsprovider`` of ``stacks/Pulumi.<stack>.yaml`` (absent for passphrase stacks)."""
    try:
        data = yaml.safe_load((work_dir / "stacks" / f"Pulumi.{stack}.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    provider = data.get("secretsprovider") if isinstance(data, dict) else None
    return provider if isinstance(provider, str) else None


def backend_of(env: Mapping[str, str], work_dir: Path) -> str | None:
    """The backend Pulumi will use: the environment, then Pulumi.yaml, then ``pulumi login``'s."""
    if env.get(BACKEND_ENV):
        return env[BACKEND_ENV]
    if env.get(CLOUD_TOKEN_ENV):
        return "https://api.pulumi.com"
    return _project_backend(work_dir) or _logged_in_backend(env)


def check_backend_settings(
    stack: str, env: Mapping[str, str], work_dir: Path, *, secrets_provider: str | None = None
) -> None:
    """Raise :class:`BackendSettingsError` naming every missing setting of ``stack``; ``local`` needs none."""
    if stack == LOCAL_STACK:
        return
    merged = {**os.environ, **env}
    backend = backend_of(merged, work_dir)
    missing: list[str] = []
    if backend is None:
        missing.append(
            f"a state backend: set {BACKEND_ENV} (e.g. s3://bucket/prefix, gs://..., azblob://..., "
            "postgres://user:pass@host/db, file:///path) "
            f"or log in to Pulumi Cloud ({CLOUD_TOKEN_ENV} or `pulumi login`)"
        )
    provider = secrets_provider or stack_secrets_provider(work_dir, stack)
    cloud = backend is not None and backend.startswith(("https://", "http://"))
    uses_passphrase = provider in (None, "passphrase") and not cloud
    if uses_passphrase and not any(merged.get(name) for name in PASSPHRASE_ENVS):
        missing.append(
            "a secrets provider: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (a passphrase of "
            "this stack, not the local one), or create the stack with `mcp-access init "
            f"{stack} --secrets-provider awskms://...|gcpkms://...|azurekeyvault://...|hashivault://...`"
        )
    if missing:
        listed = "\n".join(f"  - {item}" for item in missing)
        raise BackendSettingsError(
            f"stack {stack!r} is not the embedded `local` stack and needs:\n{listed}\n"
            f"  (see {docs_page('getting-started')})"
        )


def redact(text: str) -> str:
    """The URL passwords of ``text`` masked (kept for callers of this module; see :mod:`components.redaction`)."""
    return redact_urls(text)
