"""What every entrance checks before the Pulumi engine starts: cheap, in this process, each naming what to fix.

Started on a broken stack file or a Directus that is down, the engine answers late and in its own words: a raw
YAML error without the file name and with the wrong line, or a minute and a half of retries with no advice. The
stack file is parsed and validated here as the program will (:func:`components.model.stack_files.check_stack_file`,
all errors at once), and the Directus it names is asked one ``GET /server/ping`` first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import httpx

from components.errors import McpAccessError, UsageError
from components.model.role_templates import project_templates
from components.model.stack_config import ConfigError
from components.model.stack_files import check_stack_file, namespace_values, parse_stack_yaml, stack_file
from components.names import LOCAL_STACK, URL_KEY, docs_page
from components.providers.connection import LOCAL_URL_ENV, URL_ENV

#: Seconds the reachability check waits: a Directus that is up answers its ping in milliseconds.
REACH_TIMEOUT = 5.0


class DirectusUnreachableError(McpAccessError):
    """The stack's Directus did not answer at all (refused, unknown host, timeout): nothing was sent to the engine."""


def stack_url(work_dir: Path, stack: str, env: Mapping[str, str] | None = None) -> str | None:
    """The Directus URL the stack's providers will use (see ``connection_from``): the running local Directus's for
    the ``local`` stack, else the stack file's ``directusUrl``, else ``DIRECTUS_URL``."""
    local = (env or {}).get(LOCAL_URL_ENV) if stack == LOCAL_STACK else None
    if local:
        return local.rstrip("/")
    path = stack_file(stack, work_dir / "stacks")
    values = (
        namespace_values(parse_stack_yaml(path.read_text(), source=f"stacks/{path.name}")) if path.is_file() else {}
    )
    url = values.get("directusUrl")
    if isinstance(url, str) and url:
        return url.rstrip("/")
    fallback = (env or {}).get(URL_ENV) or os.environ.get(URL_ENV)
    return fallback.rstrip("/") if fallback else None


def check_reachable(url: str, stack: str, *, timeout: float = REACH_TIMEOUT) -> None:
    """Raise :class:`DirectusUnreachableError` (with the URL, the stack setting and what to do) if nothing answers.

    Any HTTP answer counts as reachable: authentication and the rest are the engine's to report.
    """
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            client.get(f"{url}/server/ping")
    except httpx.TransportError as exc:
        reason = type(exc).__name__.removesuffix("Error").lower() or "no answer"
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer within {timeout:g}s"
        elif isinstance(exc, httpx.ConnectError):
            reason = "connection refused or host not found"
        start = (
            "start it with `mcp-access local` (or `make local`)"
            if stack == LOCAL_STACK
            else "start it, or check the network between this machine and it"
        )
        raise DirectusUnreachableError(
            f"Directus at {url} (stack {stack!r}) is not reachable: {reason}; nothing was changed",
            hint=f"{start}; if the address is wrong, correct {URL_KEY} in stacks/Pulumi.{stack}.yaml",
        ) from None


def before_engine(stack: str, work_dir: Path, env: Mapping[str, str] | None = None, *, reach: bool = True) -> None:
    """The pre-engine checks of one stack: its file (syntax and settings, all errors at once) and its Directus."""
    try:
        check_stack_file(work_dir, stack, project_templates(work_dir))
    except ConfigError as exc:
        if exc.hint is not None:
            raise
        raise ConfigError(
            str(exc), hint=f"fix it in stacks/Pulumi.{stack}.yaml ({docs_page('configuration')})"
        ) from None
    url = stack_url(work_dir, stack, env)
    if reach and url:
        check_reachable(url, stack)


def confirm_destroy(stack: str, *, yes: bool, ask: bool) -> None:
    """``destroy`` on any stack but ``local`` needs ``--yes``, or the stack's name typed at the prompt."""
    if stack == LOCAL_STACK or yes:
        return
    if ask:
        typed = input(f"destroy deletes every Directus user, role, policy and token of stack {stack!r}.\n"
                      f"Type the stack name to confirm: ")  # fmt: skip
        if typed.strip() == stack:
            return
        raise UsageError(f"destroy of stack {stack!r} not confirmed (typed {typed.strip()!r}); nothing was changed")
    raise UsageError(
        f"destroy of stack {stack!r} needs confirmation; nothing was changed",
        hint=f"run `mcp-access destroy --stack {stack} --yes` (or type the name when run in a terminal)",
    )
