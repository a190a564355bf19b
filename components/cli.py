"""``mcp-access``: the operations console script.

``mcp-access local`` is the README's main job on the embedded default: it starts the local Directus (with
demo collections), runs ``up`` on the ``local`` stack and prints what an MCP client needs. Tokens are printed
only with ``--show-token``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from components.directus.client import DirectusClient
from components.engine.deployed import deployed_outputs
from components.engine.guarded import POLICY_PACK, guarded_up
from components.engine.workspace import LOCAL_STACK, engine_errors, open_stack
from components.errors import McpAccessError
from components.localdev import local_stack, server
from components.localdev.demo import ensure_demo_collections
from components.names import BACKUPS_FOLDER, PROJECT_ROOT
from components.ops.backup.run import backup_before_up, backup_stack
from components.ops.onboarding.clients import CLIENT_NAMES
from components.ops.onboarding.connection import connection_text
from components.ops.onboarding.render import render_onboarding
from components.ops.onboarding.run import onboarding_info
from components.ops.review.render import render_json, render_markdown
from components.ops.review.run import review
from components.providers.connection import TOKEN_ENV

REPO_HELP = "project directory (default: the current one if it has a Pulumi.yaml, else this installation's)"


def project_dir(given: Path | None) -> Path:
    """``--repo``, else the current directory when it is a Pulumi project (as ``pulumi`` itself), else ours."""
    if given is not None:
        return given
    return Path.cwd() if (Path.cwd() / "Pulumi.yaml").is_file() else PROJECT_ROOT


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_local(args: argparse.Namespace) -> int:
    instance = local_stack.ensure_running(_say)
    with DirectusClient(instance.url, instance.admin_token) as client:
        created = ensure_demo_collections(client)
    _say(f"demo collections: {', '.join(created) if created else 'already present'}")
    stack = open_stack(LOCAL_STACK, env={TOKEN_ENV: instance.admin_token})
    started = time.monotonic()
    result = guarded_up(stack, {"policy_packs": [str(POLICY_PACK)]}, on_output=_say if args.verbose else None)
    changes = result.summary.resource_changes or {}
    _say(f"pulumi up (stack {LOCAL_STACK}) finished in {time.monotonic() - started:.1f}s: {dict(changes)}")
    _say(connection_text(result.outputs, show_token=args.show_token))
    return 0


def cmd_local_stop(_args: argparse.Namespace) -> int:
    instance = server.running_instance(local_stack.LOCAL_DATA_DIR)
    if instance is None:
        _say("local Directus is not running")
        return 0
    server.stop(instance)
    _say("local Directus stopped")
    return 0


def _policy_options(args: argparse.Namespace) -> dict[str, Any]:
    """The guardrail pack runs on every ``up`` and ``preview`` unless ``--no-policy-pack`` says otherwise."""
    if getattr(args, "no_policy_pack", False):
        return {}
    options: dict[str, Any] = {"policy_packs": [str(args.policy_pack)]}
    if args.policy_pack_config:
        options["policy_pack_configs"] = [str(args.policy_pack_config)]
    return options


def cmd_engine(args: argparse.Namespace) -> int:
    work_dir = project_dir(args.repo)
    stack = open_stack(args.stack, work_dir=work_dir, env=local_stack.stack_env(args.stack))
    out = _say
    if args.operation == "up":
        taken = backup_before_up(stack, work_dir / BACKUPS_FOLDER)
        if taken is not None:
            backup, members = taken
            _say(f"schema access for {', '.join(members)}: backed up schema and access first to {backup.path}")
        guarded_up(stack, _policy_options(args), on_output=out)
    elif args.operation == "preview":
        stack.preview(refresh=True, on_output=out, color="never", diff=True, **_policy_options(args))
    elif args.operation == "refresh":
        stack.refresh(on_output=out, color="never")
    elif args.operation == "destroy":
        stack.destroy(on_output=out, color="never")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    stack = open_stack(args.stack, work_dir=project_dir(args.repo), env=local_stack.stack_env(args.stack), create=False)
    backup = backup_stack(stack, args.out or project_dir(args.repo) / BACKUPS_FOLDER)
    _say(f"backed up schema ({backup.collections} collections, {backup.fields} fields) and access to {backup.path}")
    return 0


def cmd_connection(args: argparse.Namespace) -> int:
    stack = open_stack(args.stack, env=local_stack.stack_env(args.stack), create=False)
    _say(connection_text(deployed_outputs(stack), show_token=args.show_token))
    return 0


def cmd_onboard(args: argparse.Namespace) -> int:
    stack = open_stack(args.stack, env=local_stack.stack_env(args.stack), create=False)
    text = render_onboarding(onboarding_info(stack, args.member), args.client)
    if args.out is None:
        print(
            "note: the text below contains the member's token; do not paste it into chats or tickets.", file=sys.stderr
        )
        sys.stdout.write(text)
        return 0
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    _say(f"wrote {args.out} (mode 600; it contains the token: hand it over privately, then delete it)")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    result = review(project_dir(args.repo), args.stack, args.base)
    sys.stdout.write(render_json(result) if args.json else render_markdown(result))
    return 0


def _audit_time(text: str) -> datetime:
    """``--since``/``--until``: ISO 8601 date or date-time; without an offset it is in the audit's time zone."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or date-time") from None


def _positive_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days of at least 1")
    return int(text)


def cmd_audit(args: argparse.Namespace) -> int:
    from components.ops.audit.render import to_json, to_markdown
    from components.ops.audit.run import run_audit

    stack = open_stack(args.stack, work_dir=project_dir(args.repo), env=local_stack.stack_env(args.stack), create=False)
    result = run_audit(stack, days=args.days, since=args.since, until=args.until)
    sys.stdout.write(to_json(result) if args.json else to_markdown(result))
    return result.exit_code


def cmd_drift(args: argparse.Namespace) -> int:
    from components.ops.drift.render import to_json, to_markdown
    from components.ops.drift.run import run_drift

    stack = open_stack(args.stack, work_dir=project_dir(args.repo), env=local_stack.stack_env(args.stack), create=False)
    report = run_drift(stack, warn_days=args.rotation_warning_days)
    sys.stdout.write(to_json(report) if args.json else to_markdown(report))
    return report.exit_code


def _report_command(
    commands: Any, name: str, summary: str, handler: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """A read-only report on one stack: ``--stack``, ``--json``, ``--repo``; exit 0 clean, 1 findings, 2 error."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=f"{summary} (exit 0 clean, 1 findings, 2 error)")
    parser.add_argument("--stack", "-s", default=LOCAL_STACK)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--repo", type=Path, default=None, help=REPO_HELP)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcp-access", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    local = commands.add_parser("local", help="start the local Directus and run `up` on the local stack")
    local.add_argument("--show-token", action="store_true", help="print the generated MCP tokens")
    local.add_argument("--verbose", action="store_true", help="stream the Pulumi engine's output")
    local.set_defaults(handler=cmd_local)

    stop = commands.add_parser("local-stop", help="stop the local Directus")
    stop.set_defaults(handler=cmd_local_stop)

    for operation in ("up", "preview", "refresh", "destroy"):
        engine = commands.add_parser(operation, help=f"pulumi {operation} (through the Automation API)")
        engine.add_argument("--stack", "-s", default=LOCAL_STACK)
        engine.add_argument("--repo", type=Path, default=None, help=REPO_HELP)
        if operation in ("up", "preview"):
            engine.add_argument(
                "--policy-pack",
                type=Path,
                default=POLICY_PACK,
                help="guardrail policy pack to enforce (default: this project's, policy/analyzer)",
            )
            engine.add_argument("--policy-pack-config", type=Path, help="JSON settings for the policy pack")
            engine.add_argument(
                "--no-policy-pack", action="store_true", help="do not run the guardrail policy pack (not advised)"
            )
        engine.set_defaults(handler=cmd_engine, operation=operation)

    connection = commands.add_parser("connection", help="print what an MCP client needs for a stack")
    connection.add_argument("--stack", "-s", default=LOCAL_STACK)
    connection.add_argument("--show-token", action="store_true")
    connection.set_defaults(handler=cmd_connection)

    backup = commands.add_parser("backup", help="save the schema snapshot and the access configuration to a file")
    backup.add_argument("--stack", "-s", default=LOCAL_STACK)
    backup.add_argument("--out", type=Path, help="folder for the file (default: backups/ in the project)")
    backup.add_argument("--repo", type=Path, help=REPO_HELP)
    backup.set_defaults(handler=cmd_backup)

    onboard = commands.add_parser(
        "onboard",
        help="print one member's ready-to-paste MCP client configuration and security checklist (contains the token)",
    )
    onboard.add_argument("member", help="the member's name in the roster")
    onboard.add_argument("--stack", "-s", default=LOCAL_STACK)
    onboard.add_argument("--client", "-c", choices=CLIENT_NAMES, default="claude-code")
    onboard.add_argument("--out", "-o", type=Path, help="write to this file (mode 600) instead of stdout")
    onboard.set_defaults(handler=cmd_onboard)

    review_cmd = commands.add_parser(
        "review", help="permission matrix per stack and, with --base, who gains or loses what (no Directus needed)"
    )
    review_cmd.add_argument("--stack", "-s", action="append", help="a stack to review (repeat; default: all)")
    review_cmd.add_argument("--base", metavar="REF", help="git revision to compare the working tree with")
    review_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    review_cmd.add_argument("--repo", type=Path, default=None, help=REPO_HELP)
    review_cmd.set_defaults(handler=cmd_review)

    audit = _report_command(
        commands,
        "audit",
        "the managed MCP users' activity over a period, flagging the security guide's warning signs",
        cmd_audit,
    )
    period = audit.add_mutually_exclusive_group()
    period.add_argument("--days", type=_positive_days, help="the last N days (default 30)")
    period.add_argument("--since", type=_audit_time, help="start (ISO 8601; no offset: the audit's time zone)")
    audit.add_argument("--until", type=_audit_time, help="end, excluded (default: now)")

    drift = _report_command(
        commands,
        "drift",
        "monthly check: managed objects changed by hand, access no code declares, tokens near rotation (read-only)",
        cmd_drift,
    )
    drift.add_argument(
        "--rotation-warning-days",
        type=_positive_days,
        default=14,
        help="report tokens due for rotation within this many days (default 14)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with engine_errors(getattr(args, "stack", None)):
            return int(args.handler(args))
    except McpAccessError as exc:  # every error meant for people; anything else is a bug and keeps its traceback
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
