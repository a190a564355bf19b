"""``mcp-access init``: a new stack's settings file from an example, validated, and the stack created in its backend.

Pulumi needs ``pulumi stack init`` before ``pulumi config set`` works on a new stack; this does both steps of a
first stack in one command and checks the backend settings before Pulumi is asked (see :mod:`.backend`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pulumi import automation as auto

from components.model.stack_config import ConfigError
from components.model.stack_files import config_from_text, namespace_values, stack_file, stack_names
from components.model.validation import cidr_error
from components.names import CONFIG_NAMESPACE, EXAMPLE_STACKS_FOLDER, PROJECT_NAME, docs_page

#: Pulumi's own rule for stack names (without an organization or project part).
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
DEFAULT_TEMPLATE = "production"
_URL_LINE = re.compile(rf"^(\s*{re.escape(CONFIG_NAMESPACE)}:directusUrl:).*$", re.MULTILINE)
_PER_STACK_KEYS = re.compile(r"^(encryptionsalt|secretsprovider|encryptedkey):.*\n?", re.MULTILINE)
_ALLOWLIST_KEY = f"{CONFIG_NAMESPACE}:ipAllowlist"


@dataclass(frozen=True)
class FirstStack:
    """What ``init`` did: the settings file (written, or already there) and whether the stack was created."""

    file: Path
    file_written: bool
    #: The file it was written from, relative to the project (``examples/stacks/Pulumi.production.yaml``).
    template: str | None
    created: bool


def stack_file_text(
    template_text: str, *, stack: str, template: str, url: str, ip_allowlist: list[str] | None = None
) -> str:
    """The example's settings with the new URL (and ``ip_allowlist`` in place of the example's), without the
    example's comment header and per-stack secrets keys. ``template`` names the source file in the header."""
    body = template_text.lstrip()
    while body.startswith("#"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
    if not _URL_LINE.search(body):
        raise ConfigError(f"{template} has no {CONFIG_NAMESPACE}:directusUrl to replace")
    body = _URL_LINE.sub(lambda match: f"{match.group(1)} {url}", body, count=1)
    body = _PER_STACK_KEYS.sub("", body)
    if ip_allowlist is not None:
        document = yaml.safe_load(body) or {}
        document.setdefault("config", {})[_ALLOWLIST_KEY] = list(ip_allowlist)
        body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=120)
    header = (
        f"# Stack {stack}: created by `mcp-access init` from {template}. Adapt the members,\n"
        f"# templates and settings ({docs_page('configuration')}); set the provisioning token with\n"
        f"#   mcp-access pulumi -s {stack} -- config set --secret {CONFIG_NAMESPACE}:provisioningToken\n"
        "# with no value on the command line (Pulumi asks without echo, or reads standard input), or export\n"
        "# DIRECTUS_PROVISIONING_TOKEN from a secret store instead.\n"
    )
    return header + body


def check_stack_name(stack: str) -> None:
    if not STACK_NAME.match(stack):
        raise ConfigError(f"stack name {stack!r}: use letters, digits, '-', '_' and '.' only")


def template_file(work_dir: Path, name: str) -> Path:
    """``--from-template NAME``: the example ``examples/stacks/Pulumi.NAME.yaml``, else a stack of the project's own
    (``stacks/Pulumi.NAME.yaml``, e.g. ``local``); a clear error listing both kinds when neither exists."""
    for folder in (work_dir / EXAMPLE_STACKS_FOLDER, work_dir / "stacks"):
        if stack_file(name, folder).is_file():
            return stack_file(name, folder)
    examples = ", ".join(stack_names(work_dir / EXAMPLE_STACKS_FOLDER)) or "none"
    own = ", ".join(stack_names(work_dir / "stacks")) or "none"
    raise ConfigError(
        f"--from-template: {name!r} is neither an example in {EXAMPLE_STACKS_FOLDER}/ (available: {examples}) "
        f"nor a stack file in stacks/ (available: {own})"
    )


def check_allowlist(values: list[str] | None) -> None:
    bad = [e for value in values or [] if (e := cidr_error(value))]
    if bad:
        raise ConfigError("--ip-allowlist: " + "; ".join(bad))


def _refuse_ignored_flags(target: Path, stack: str, *, url: str | None, ip_allowlist: list[str] | None) -> None:
    """The stack file exists: ``--url`` or ``--ip-allowlist`` that differ from it would be ignored, so refuse."""
    try:
        values = namespace_values(yaml.safe_load(target.read_text()))
    except (yaml.YAMLError, ConfigError):
        values = {}
    differing = []
    current_url = str(values.get("directusUrl", "")).rstrip("/")
    if url is not None and url.rstrip("/") != current_url:
        differing.append(f"--url {url} (the file has directusUrl: {current_url or 'none'})")
    current_ips = values.get("ipAllowlist") or []
    if ip_allowlist is not None and list(ip_allowlist) != list(current_ips):
        differing.append(f"--ip-allowlist {' '.join(ip_allowlist)} (the file has ipAllowlist: {current_ips or 'none'})")
    if differing:
        raise ConfigError(
            f"{target} already exists, so init would not apply {'; '.join(differing)}. Edit the file, or remove it "
            f"and run `mcp-access init {stack}` again with the flags"
        )


def write_stack_file(
    work_dir: Path,
    stack: str,
    *,
    url: str | None,
    template: str | None,
    ip_allowlist: list[str] | None = None,
) -> tuple[Path, bool, str | None]:
    """Write ``stacks/Pulumi.<stack>.yaml`` from ``template`` (validated first); keep an existing file untouched.

    Returns the file, whether it was written and the file it came from. A flag that would not be applied is an
    error, never ignored: ``--from-template`` on an existing file, ``--url``/``--ip-allowlist`` that differ from it,
    and an example with an ip allowlist (its addresses are documentation ones) without ``--ip-allowlist``.
    """
    check_stack_name(stack)
    check_allowlist(ip_allowlist)
    target = stack_file(stack, work_dir / "stacks")
    if target.exists():
        if template is not None:
            raise ConfigError(
                f"{target} already exists: remove it or run `mcp-access init {stack}` without --from-template"
            )
        _refuse_ignored_flags(target, stack, url=url, ip_allowlist=ip_allowlist)
        return target, False, None
    if url is None:
        raise ConfigError(
            f"--url is needed: stacks/Pulumi.{stack}.yaml does not exist yet (the Directus URL goes in it)"
        )
    source = template_file(work_dir, template or DEFAULT_TEMPLATE)
    label = source.relative_to(work_dir).as_posix()
    if not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"--url: {url!r} is not an http(s) URL of a Directus instance")
    source_text = source.read_text()
    example = config_from_text(source_text, source=label)
    needs_allowlist = bool(example.ip_allowlist) or example.guardrails.require_ip_allowlist
    if needs_allowlist and ip_allowlist is None and source.parent == work_dir / EXAMPLE_STACKS_FOLDER:
        shown = ", ".join(example.ip_allowlist) or "none"
        raise ConfigError(
            f"--ip-allowlist is needed: {label} accepts MCP calls only from its ipAllowlist ({shown}, documentation "
            "addresses), so members outside it could list tools but every read would be refused. Give the addresses "
            "your members' requests come from: --ip-allowlist CIDR (repeat for several)"
        )
    text = stack_file_text(source_text, stack=stack, template=label, url=url.rstrip("/"), ip_allowlist=ip_allowlist)
    config_from_text(text, source=f"stacks/Pulumi.{stack}.yaml (from {label})")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target, True, label


def init_stack(
    stack: str,
    *,
    work_dir: Path,
    url: str | None,
    template: str | None,
    options: auto.LocalWorkspaceOptions,
    ip_allowlist: list[str] | None = None,
) -> FirstStack:
    """Write the stack file if needed, then create the stack (idempotent).

    ``options`` come from :func:`~components.engine.workspace.workspace_options`, which has checked the backend
    settings already: nothing is written when they are missing.
    """
    file, written, source = write_stack_file(work_dir, stack, url=url, template=template, ip_allowlist=ip_allowlist)
    try:
        auto.create_stack(stack, project_name=PROJECT_NAME, program=lambda: None, opts=options)
        created = True
    except auto.StackAlreadyExistsError:
        created = False
    return FirstStack(file=file, file_written=written, template=source, created=created)
