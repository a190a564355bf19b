"""``mcp-access init``: a new stack's settings file from an example, validated, and the stack created in its backend.

Pulumi needs ``pulumi stack init`` before ``pulumi config set`` works on a new stack; this does both steps of a
first stack in one command and checks the backend settings before Pulumi is asked (see :mod:`.backend`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pulumi import automation as auto

from components.model.stack_config import ConfigError
from components.model.stack_files import config_from_text, stack_file, stack_names
from components.names import CONFIG_NAMESPACE, PROJECT_NAME, docs_page

#: Pulumi's own rule for stack names (without an organization or project part).
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DEFAULT_TEMPLATE = "production"
_URL_LINE = re.compile(rf"^(\s*{re.escape(CONFIG_NAMESPACE)}:directusUrl:).*$", re.MULTILINE)
_PER_STACK_KEYS = re.compile(r"^(encryptionsalt|secretsprovider|encryptedkey):.*\n?", re.MULTILINE)


@dataclass(frozen=True)
class FirstStack:
    """What ``init`` did: the settings file (written, or already there) and whether the stack was created."""

    file: Path
    file_written: bool
    template: str | None
    created: bool


def stack_file_text(template_text: str, *, stack: str, template: str, url: str) -> str:
    """The example's settings with the new URL, without the example's comment header and per-stack secrets keys."""
    body = template_text.lstrip()
    while body.startswith("#"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
    if not _URL_LINE.search(body):
        raise ConfigError(f"stacks/Pulumi.{template}.yaml has no {CONFIG_NAMESPACE}:directusUrl to replace")
    body = _URL_LINE.sub(lambda match: f"{match.group(1)} {url}", body, count=1)
    body = _PER_STACK_KEYS.sub("", body)
    header = (
        f"# Stack {stack}: created by `mcp-access init` from stacks/Pulumi.{template}.yaml. Adapt the members,\n"
        f"# templates and settings ({docs_page('configuration')}); set the provisioning token with\n"
        f"#   mcp-access pulumi -s {stack} -- config set --secret {CONFIG_NAMESPACE}:provisioningToken <token>\n"
    )
    return header + body


def check_stack_name(stack: str) -> None:
    if not STACK_NAME.match(stack):
        raise ConfigError(f"stack name {stack!r}: use letters, digits, '-', '_' and '.' only")


def write_stack_file(work_dir: Path, stack: str, *, url: str, template: str | None) -> tuple[Path, bool]:
    """Write ``stacks/Pulumi.<stack>.yaml`` from ``template`` (validated first); keep an existing file untouched.

    Returns the file and whether it was written. An existing file with ``--from-template`` is an error: it is
    never overwritten.
    """
    check_stack_name(stack)
    stacks_dir = work_dir / "stacks"
    target = stack_file(stack, stacks_dir)
    if target.exists():
        if template is not None:
            raise ConfigError(
                f"{target} already exists: remove it or run `mcp-access init {stack}` without --from-template"
            )
        return target, False
    name = template or DEFAULT_TEMPLATE
    source = stack_file(name, stacks_dir)
    if not source.is_file():
        known = ", ".join(stack_names(stacks_dir)) or "none"
        raise ConfigError(f"--from-template: {name!r} is not a stack file in {stacks_dir} (available: {known})")
    if not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"--url: {url!r} is not an http(s) URL of a Directus instance")
    text = stack_file_text(source.read_text(), stack=stack, template=name, url=url.rstrip("/"))
    config_from_text(text, source=f"stacks/Pulumi.{stack}.yaml (from {name})")
    target.write_text(text)
    return target, True


def init_stack(
    stack: str,
    *,
    work_dir: Path,
    url: str | None,
    template: str | None,
    options: auto.LocalWorkspaceOptions,
) -> FirstStack:
    """Write the stack file if needed, then create the stack (idempotent).

    ``options`` come from :func:`~components.engine.workspace.workspace_options`, which has checked the backend
    settings already: nothing is written when they are missing.
    """
    check_stack_name(stack)
    if url is None and not stack_file(stack, work_dir / "stacks").exists():
        raise ConfigError(
            f"--url is needed: stacks/Pulumi.{stack}.yaml does not exist yet (the Directus URL goes in it)"
        )
    file, written = write_stack_file(work_dir, stack, url=url or "", template=template)
    try:
        auto.create_stack(stack, project_name=PROJECT_NAME, program=lambda: None, opts=options)
        created = True
    except auto.StackAlreadyExistsError:
        created = False
    return FirstStack(
        file=file, file_written=written, template=(template or DEFAULT_TEMPLATE) if written else None, created=created
    )
