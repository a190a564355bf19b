"""``mcp-access``: the operations console script.

``mcp-access local`` is the README's first command, the main job on the embedded default: it starts the local
Directus (with demo collections), runs ``up`` on the ``local`` stack and prints what an MCP client needs. Tokens
are printed only with ``--show-token``.

Adding a command is one entry in :data:`COMMANDS` (the table ``build_parser`` reads)::

    Command("digest", "one line of help", digest.run, digest.add_arguments, flags=("stack", "repo")),

with its arguments and handler in the room's own module (e.g. ``components/ops/digest/command.py`` with
``add_arguments(parser)`` and ``run(args) -> int``; import it at the top of this file). ``flags`` names the
shared flags of :data:`components.console.SHARED_FLAGS` (``stack``, ``stacks``, ``repo``, ``json``, ``verbose``,
``policy``), so that they read the same everywhere. A room's ``command.py`` takes ``project_dir``, ``stack_of``,
``add_shared_flags`` and ``say`` from :mod:`components.console`, never from this module (which imports it). A
command that changes a stack applies it through :func:`components.ops.apply.run.apply`, the one apply path.
Errors meant for people are :class:`components.errors.McpAccessError`; :func:`main` prints them and exits with
their code.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.console import add_shared_flags, policy_of, project_dir, say, stack_of
from components.directus.client import DirectusClient
from components.directus.provisioning import LOCAL_URL_ENV, TOKEN_ENV
from components.engine.deployed import deployed_outputs
from components.engine.guarded import POLICY_PACK
from components.engine.workspace import (
    engine_errors,
    open_stack,
    workspace_options,
)
from components.errors import McpAccessError, UsageError, error_block
from components.localdev import local_stack, server
from components.localdev.demo import ensure_demo_collections
from components.names import BACKUPS_FOLDER, CONFIG_NAMESPACE, LOCAL_STACK
from components.ops.apply.run import ApplyRequest, apply
from components.ops.backup.run import backup_stack
from components.ops.delivery.hooks import refuse_shown_token, sealed_delivery, sealed_onboarding
from components.ops.expire import command as expire_command
from components.ops.expire.changes import refuse_past_changes
from components.ops.onboarding.clients import AUTH_METHODS, CLIENT_NAMES, TOOL_MODES
from components.ops.onboarding.connection_info import connection_json, connection_text
from components.ops.onboarding.private_file import write_private
from components.ops.onboarding.render import TOKEN_PLACEHOLDER, render_onboarding
from components.ops.onboarding.run import approve_member_consent, member_document, onboarding_info
from components.ops.recorder import command as recorder_command
from components.ops.recorder.collection import prepare_for_up
from components.ops.report import command as report_command
from components.ops.review.render import render_json, render_markdown
from components.ops.review.run import review
from components.redaction import redact


def cmd_local(args: argparse.Namespace) -> int:
    if args.stack != LOCAL_STACK:
        return _practice(args)
    instance = local_stack.ensure_running(say, port=args.port)
    with DirectusClient(instance.url, instance.admin_token) as client:
        created = ensure_demo_collections(client)
    say(f"demo collections: {', '.join(created) if created else 'already present'}")
    env = {TOKEN_ENV: instance.admin_token, LOCAL_URL_ENV: instance.url}
    stack = open_stack(LOCAL_STACK, work_dir=project_dir(args.repo), env=env)
    refuse_shown_token(stack, args.show_token, "`local --show-token`")
    result = apply(stack, ApplyRequest(on_output=say if args.verbose else None), say)
    say(connection_text(result.outputs, show_token=args.show_token))
    note = local_stack.path_note()
    if note:
        say(note)
    return 0


def _practice(args: argparse.Namespace) -> int:
    """``local --stack S``: a Directus of one's own for stack S, to practise the first day on."""
    practice = local_stack.start_practice(args.stack, project_dir(args.repo), say, port=args.port)
    say(f"collections for the stack's templates: {', '.join(practice.created) or 'already present'}")
    say(f"stored this Directus's admin token as stack {args.stack!r}'s provisioning token (encrypted)")
    say(f"next: mcp-access preview --stack {args.stack}, then mcp-access up --stack {args.stack}")
    say(f"stop it with: mcp-access local-stop --stack {args.stack}")
    return 0


def cmd_local_stop(args: argparse.Namespace) -> int:
    instance = server.running_instance(local_stack.data_dir_of(args.stack, project_dir(args.repo)))
    if instance is None:
        say("local Directus is not running")
        return 0
    server.stop(instance)
    say("local Directus stopped")
    return 0


def _stack(args: argparse.Namespace, *, create: bool = True) -> auto.Stack:
    """:func:`components.console.stack_of`, looked up here so that tests can replace it for every command."""
    return stack_of(args, create=create)


def _prechecks(args: argparse.Namespace, *, reach: bool = True) -> None:
    """Before the engine: the stack file parsed and validated (naming file, field and value), Directus reachable."""
    from components.engine.prechecks import before_engine

    before_engine(args.stack, project_dir(args.repo), local_stack.stack_env(args.stack), reach=reach)


def _preview_in_process(args: argparse.Namespace, stack: auto.Stack) -> dict[str, int] | None:
    """The default preview, planned in this process (see :mod:`components.ops.preview.run`); prints the plan and
    returns its change counts. ``None`` where only the engine can preview: ``--engine``, a policy pack other than
    this project's, or a state from before the kinds were named."""
    if args.engine or Path(args.policy_pack) != POLICY_PACK:
        return None
    from components.ops.preview.render import change_summary, render_preview
    from components.ops.preview.run import EngineOnlyError, preview_in_process

    try:
        result = preview_in_process(
            stack, policy_pack=not args.no_policy_pack, pack_config_file=args.policy_pack_config
        )
    except EngineOnlyError:
        return None
    sys.stdout.write(redact(render_preview(result)))
    return change_summary(result)


def cmd_engine(args: argparse.Namespace) -> int:
    """``preview``/``refresh``/``destroy``: the plan or a summary; ``--verbose`` streams the engine too."""
    if args.operation == "destroy":
        from components.engine.prechecks import confirm_destroy

        confirm_destroy(args.stack, yes=args.yes, ask=sys.stdin.isatty())
    _prechecks(args)
    stack = _stack(args)
    stream = say if args.verbose else None
    started = time.monotonic()
    if args.operation == "preview":
        refuse_past_changes(stack)  # a past `expires` or `until` in a change: refused before any change
    planned = _preview_in_process(args, stack) if args.operation == "preview" else None
    if planned is not None:
        changes: dict[Any, int] = dict(planned)
    elif args.operation == "preview":
        from components.ops.preview.render import render_preview
        from components.ops.preview.run import preview_with_engine

        own_pack = Path(args.policy_pack) == POLICY_PACK
        by_engine, changes = preview_with_engine(stack, policy_of(args), own_pack=own_pack, on_output=stream)
        sys.stdout.write(redact(render_preview(by_engine)))  # the same keyed plan as the in-process preview
    else:
        result: auto.RefreshResult | auto.DestroyResult
        if args.operation == "refresh":
            result = stack.refresh(on_output=stream, color="never")
        else:
            result = stack.destroy(on_output=stream, color="never")
        changes = dict(result.summary.resource_changes or {})
    elapsed = time.monotonic() - started
    say(f"pulumi {args.operation} (stack {args.stack}) finished in {elapsed:.1f}s: {changes}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    """``up``: the one apply path with this command's flags (restore guard, backup, the recorder's log collection,
    policy pack, engine), the new tokens sealed to their members' keys after it."""
    _prechecks(args)
    stack = _stack(args)
    refuse_past_changes(stack)  # a past `expires` or `until` in a change: refused before any change
    request = ApplyRequest(
        policy=policy_of(args),
        restore=args.restore or [],
        backup_folder=project_dir(args.repo) / BACKUPS_FOLDER,
        prepare=lambda: prepare_for_up(stack),  # the log collection; a name taken elsewhere refuses
        on_output=say if args.verbose else None,
    )
    with sealed_delivery(stack, member_document, say):
        apply(stack, request, say)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from components.ops.breakglass.revoke import revoke

    _prechecks(args)
    stack = _stack(args, create=False)
    for line in revoke(stack, args.member).lines():
        say(line)
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from components.ops.breakglass.rotate import rotate

    _prechecks(args)
    stack = _stack(args, create=False)

    def replace_token(urn: str) -> None:
        request = ApplyRequest(
            policy=policy_of(args),
            target=[urn],
            replace=[urn],
            refresh=False,
            on_output=say if args.verbose else None,
        )
        apply(stack, request)

    with sealed_delivery(stack, member_document, say, show_token=args.show_token):
        rotated = rotate(stack, args.member, replace_token)
    for line in rotated.lines(show_token=args.show_token):
        say(line)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _prechecks(args)
    backup = backup_stack(_stack(args, create=False), args.out or project_dir(args.repo) / BACKUPS_FOLDER)
    say(f"backed up schema ({backup.collections} collections, {backup.fields} fields) and access to {backup.path}")
    return 0


def cmd_connection(args: argparse.Namespace) -> int:
    _prechecks(args, reach=False)
    stack = _stack(args, create=False)
    refuse_shown_token(stack, args.show_token, "`connection --show-token`")
    outputs = deployed_outputs(stack)
    if args.json:
        say(connection_json(outputs, show_token=args.show_token))
    else:
        say(connection_text(outputs, show_token=args.show_token))
    return 0


def cmd_onboard(args: argparse.Namespace) -> int:
    """The member's document; a static token only with ``--show-token`` (stdout), ``--out FILE`` (mode 600) or
    ``--seal`` (the member's key)."""
    _prechecks(args)
    stack = _stack(args, create=False)
    info = onboarding_info(stack, args.member, auth=args.auth, tool_mode=args.tool_mode, network=True)
    if info.network_note:
        print(f"note: {info.network_note}.", file=sys.stderr)
    text = render_onboarding(info, args.client)
    shows_token = info.auth == "token" and (args.show_token or args.out is not None)
    if sealed_onboarding(stack, args.member, text, shows_token=shows_token, seal=args.seal, out=args.out, say=say):
        return 0
    if args.out is not None:
        write_private(args.out, text)
        say(f"wrote {args.out} (mode 600; it contains the token: hand it over privately, then delete it)")
        return 0
    if info.auth == "oauth":
        sys.stdout.write(text)  # no secret in it
        return 0
    if not args.show_token:
        sys.stdout.write(render_onboarding(replace(info, token=TOKEN_PLACEHOLDER), args.client))
        print(
            "note: the token is not printed; add --show-token to print it, or --out FILE to write it to a private "
            "file (mode 600)",
            file=sys.stderr,
        )
        return 0
    print("note: the text below contains the member's token; do not paste it into chats or tickets.", file=sys.stderr)
    sys.stdout.write(text)
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from components.ops.calendar.render import to_ical
    from components.ops.calendar.run import calendar_plan

    _prechecks(args, reach=False)
    plan = calendar_plan(args.stack, deployed_outputs(_stack(args, create=False)))
    data = to_ical(plan)
    if args.out is None:
        sys.stdout.write(data.decode())
        return 0
    args.out.write_bytes(data)
    expiring = f", {len(plan.expiries)} expiring member(s)" if plan.expiries else ""
    say(
        f"wrote {args.out}: {len(plan.rotations)} rotation reminder(s){expiring} and the monthly review "
        "(import it into your calendar)"
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from components.engine.first_stack import check_stack_name, init_stack

    work_dir = project_dir(args.repo)
    stack = args.new_stack
    check_stack_name(stack)
    options = workspace_options(stack, work_dir, None, secrets_provider=args.secrets_provider)
    done = init_stack(
        stack,
        work_dir=work_dir,
        url=args.url,
        template=args.from_template,
        options=options,
        ip_allowlist=args.ip_allowlist,
    )
    if done.file_written:
        say(f"wrote {done.file} from {done.template}: adapt its members and settings")
    else:
        say(f"kept {done.file} as it is")
    say(f"stack {stack!r} {'created' if done.created else 'already exists'} in its backend")
    say("next:")
    say(f"  mcp-access pulumi -s {stack} -- config set --secret {CONFIG_NAMESPACE}:provisioningToken")
    say("    (no value on the command line: Pulumi asks for the admin token without echo, or reads standard input;")
    say(f"    or export {TOKEN_ENV} from your secret store instead)")
    say(f"  mcp-access preview --stack {stack}")
    return 0


def cmd_pulumi(args: argparse.Namespace) -> int:
    from components.engine.passthrough import run_pulumi

    pulumi_args = list(args.pulumi_args)
    if pulumi_args[:1] == ["--"]:
        pulumi_args = pulumi_args[1:]
    if not pulumi_args:
        raise UsageError("give pulumi's arguments after --, e.g. `mcp-access pulumi -- stack ls`")
    return run_pulumi(
        pulumi_args, stack=args.stack, work_dir=project_dir(args.repo), extra=local_stack.stack_env(args.stack)
    )


def cmd_oauth_approve(args: argparse.Namespace) -> int:
    _prechecks(args)
    stack = _stack(args, create=False)
    redirect = approve_member_consent(stack, args.member, args.authorize_url)
    say(f"consent approved as {args.member}'s MCP user; open this address in the browser that started the sign-in:")
    print(redirect)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    result = review(project_dir(args.repo), args.stack, args.base)
    sys.stdout.write(render_json(result) if args.json else render_markdown(result))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from components.ops.audit.render import to_json, to_markdown
    from components.ops.audit.run import run_audit

    _prechecks(args)
    result = run_audit(_stack(args, create=False), days=args.days, since=args.since, until=args.until)
    sys.stdout.write(to_json(result) if args.json else to_markdown(result))
    return result.exit_code


def cmd_drift(args: argparse.Namespace) -> int:
    from components.ops.drift.render import to_json, to_markdown
    from components.ops.drift.run import run_drift

    _prechecks(args)
    stream = (lambda line: print(redact(line), file=sys.stderr, flush=True)) if args.verbose else None
    report = run_drift(
        _stack(args, create=False), warn_days=args.rotation_warning_days, on_output=stream, engine=args.engine
    )
    sys.stdout.write(to_json(report) if args.json else to_markdown(report))
    return report.exit_code


def cmd_watch(args: argparse.Namespace) -> int:
    from components.ops.watch import command

    return command.run(args, _stack(args, create=False))


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class Command:
    """One ``mcp-access`` command: its name, help line, handler, own arguments and shared flags."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], object] = _no_arguments
    flags: tuple[str, ...] = ()
    #: Extra values set on the parsed arguments (e.g. which engine operation).
    defaults: Mapping[str, Any] = field(default_factory=dict)


def report(name: str, summary: str, run: Callable[[argparse.Namespace], int], add: Any = _no_arguments) -> Command:
    """A read-only report on one stack: ``--stack``, ``--json``, ``--repo``; exit 0 clean, 1 findings, 2 error."""
    return Command(name, f"{summary} (exit 0 clean, 1 findings, 2 error)", run, add, ("stack", "repo", "json"))


def _audit_time(text: str) -> datetime:
    """``--since``/``--until``: ISO 8601 date or date-time; without an offset it is in the audit's time zone."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or date-time") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _local_arguments(parser: argparse.ArgumentParser) -> None:
    _show_token(parser)
    parser.add_argument(
        "--port",
        type=_port,
        help="the port of the local Directus (default: 8055, the stack file's); e.g. a second checkout",
    )


def _destroy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes", "-y", action="store_true", help="confirm without a prompt (needed for every stack but local)"
    )


def _positive_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days of at least 1")
    return int(text)


def _member(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("member", help="the member's name in the roster")


def _show_token(parser: argparse.ArgumentParser, help: str = "print the generated MCP tokens") -> None:
    parser.add_argument("--show-token", action="store_true", help=help)


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("new_stack", metavar="STACK", help="the new stack's name")
    parser.add_argument("--url", help="the Directus base URL of this stack (needed when the stack file does not exist)")
    parser.add_argument(
        "--from-template",
        metavar="EXAMPLE",
        help="the stack file to start from: examples/stacks/Pulumi.EXAMPLE.yaml (staging, production), else one of "
        "your stacks/ (e.g. local); default: production, the hardened one",
    )
    parser.add_argument(
        "--ip-allowlist",
        action="append",
        metavar="CIDR",
        help="the addresses MCP calls may come from (repeat); needed when the example has an allowlist (production)",
    )
    parser.add_argument(
        "--secrets-provider", help="Pulumi secrets provider (awskms://..., gcpkms://..., ...); default: passphrase"
    )


def _pulumi_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pulumi_args", nargs=argparse.REMAINDER, help="arguments for pulumi (after --)")


def _up_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--restore",
        action="append",
        metavar="MEMBER",
        help="re-enable a member suspended by `mcp-access revoke` (repeat; `up` refuses without it)",
    )


def _preview_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        action="store_true",
        help="run the Pulumi engine's own `preview --refresh` (slower; the cross-check of the default, which "
        "plans in this process with the same providers and the same guardrail rules)",
    )


def _rotate_arguments(parser: argparse.ArgumentParser) -> None:
    _member(parser)
    _show_token(parser, "print the new token")


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="folder for the file (default: backups/ in the project)")


def _onboard_arguments(parser: argparse.ArgumentParser) -> None:
    _member(parser)
    parser.add_argument(
        "--client",
        "-c",
        choices=CLIENT_NAMES,
        default="claude-code",
        help="the member's MCP client, whose configuration is printed (default: claude-code)",
    )
    parser.add_argument(
        "--auth",
        choices=AUTH_METHODS,
        default=None,
        help="the member's connection (default: its `auth` in the stack): static token, or OAuth (no token printed)",
    )
    parser.add_argument(
        "--tool-mode",
        choices=TOOL_MODES,
        default="default",
        help="registry: ?tool_mode=registry (Directus 12.3+; only the search, execute and schema tools)",
    )
    parser.add_argument(
        "--show-token", action="store_true", help="print the member's token (without it, a placeholder stands in)"
    )
    parser.add_argument(
        "--out", "-o", type=Path, help="write to this file (mode 600, never through a link), token included"
    )
    parser.add_argument(
        "--seal",
        action="store_true",
        help="encrypt to the member's `recipient` (age) into the outbox, or --out; prints nothing secret",
    )


def _calendar_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", type=Path, help="write to this file instead of stdout")


def _approve_arguments(parser: argparse.ArgumentParser) -> None:
    _member(parser)
    parser.add_argument(
        "--authorize-url", required=True, help="the /mcp-oauth/authorize?... address the member's client opened"
    )


def _review_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", help="git revision to compare the working tree with")


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    period = parser.add_mutually_exclusive_group()
    period.add_argument("--days", type=_positive_days, help="the last N days (default 30)")
    period.add_argument("--since", type=_audit_time, help="start (ISO 8601; no offset: the audit's time zone)")
    parser.add_argument("--until", type=_audit_time, help="end, excluded (default: now)")


def _drift_arguments(parser: argparse.ArgumentParser) -> None:
    add_shared_flags(parser, "verbose")
    parser.add_argument(
        "--rotation-warning-days",
        type=_positive_days,
        default=14,
        help="report tokens due for rotation within this many days (default 14)",
    )
    parser.add_argument(
        "--engine",
        action="store_true",
        help="compare through the Pulumi engine's `preview --refresh` (slower; the cross-check of the default, "
        "which runs the same providers' read and diff in this process)",
    )


def _add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    from components.ops.watch.command import add_arguments

    add_arguments(parser)


def _engine(operation: str, flags: tuple[str, ...] = ("stack", "repo", "verbose")) -> Command:
    return Command(
        operation,
        f"pulumi {operation} (through the Automation API)",
        cmd_up if operation == "up" else cmd_engine,
        {"up": _up_arguments, "preview": _preview_arguments, "destroy": _destroy_arguments}.get(
            operation, _no_arguments
        ),
        flags,
        {"operation": operation},
    )


#: Every command, in the order ``mcp-access --help`` lists them: one entry each (see the module docstring).
COMMANDS: list[Command] = [
    Command(
        "local",
        "start the local Directus and run `up` on the local stack; with --stack S, a Directus of your own for "
        "stack S (its directusUrl on this machine) to practise on",
        cmd_local,
        _local_arguments,
        ("stack", "repo", "verbose"),
    ),
    Command(
        "local-stop",
        "stop the local Directus (of --stack S: the one `local` started)",
        cmd_local_stop,
        flags=("stack", "repo"),
    ),
    Command(
        "init",
        "a first stack: write stacks/Pulumi.STACK.yaml from an example and create the stack in its backend",
        cmd_init,
        _init_arguments,
        ("repo",),
    ),
    Command(
        "pulumi",
        "run the Pulumi CLI with this project's environment: mcp-access pulumi [-s S] -- ARGS",
        cmd_pulumi,
        _pulumi_arguments,
        ("stack", "repo"),
    ),
    _engine("up", ("stack", "repo", "verbose", "policy")),
    _engine("preview", ("stack", "repo", "verbose", "policy")),
    _engine("refresh"),
    _engine("destroy"),
    Command(
        "revoke",
        "break-glass: suspend a member's MCP user and clear its token now (no PR, no Pulumi run)",
        cmd_revoke,
        _member,
        ("stack", "repo"),
    ),
    Command("expire", expire_command.HELP, expire_command.run, expire_command.add_arguments, ("stack", "repo", "json")),
    Command(
        "rotate",
        "issue a new token for a member now (e.g. after a leak); the old one stops working",
        cmd_rotate,
        _rotate_arguments,
        ("stack", "repo", "verbose", "policy"),
    ),
    Command(
        "connection",
        "print what an MCP client needs for a stack",
        cmd_connection,
        _show_token,
        ("stack", "repo", "json"),
    ),
    Command(
        "backup",
        "save the schema snapshot and the access configuration to a file",
        cmd_backup,
        _backup_arguments,
        ("stack", "repo"),
    ),
    Command(
        "onboard",
        "print one member's ready-to-paste MCP client configuration and security checklist (the token only with "
        "--show-token or --out; --seal encrypts it to the member)",
        cmd_onboard,
        _onboard_arguments,
        ("stack", "repo"),
    ),
    Command(
        "calendar",
        "an iCalendar file: each member's token rotation date and the monthly review",
        cmd_calendar,
        _calendar_arguments,
        ("stack", "repo"),
    ),
    Command(
        "oauth-approve",
        "approve an OAuth consent as an `auth: oauth` member's dedicated MCP user (no standing password)",
        cmd_oauth_approve,
        _approve_arguments,
        ("stack", "repo"),
    ),
    Command(
        "review",
        "permission matrix per stack and, with --base, who gains or loses what (no Directus needed)",
        cmd_review,
        _review_arguments,
        ("stacks", "repo", "json"),
    ),
    Command("report", report_command.HELP, report_command.run, report_command.add_arguments, ("stacks", "repo")),
    report(
        "audit",
        "the managed MCP users' activity over a period, flagging the security guide's warning signs",
        cmd_audit,
        _audit_arguments,
    ),
    report(
        "drift",
        "monthly check: managed objects changed by hand, access no code declares, tokens near rotation, requests "
        "from outside the ip allowlist (read-only)",
        cmd_drift,
        _drift_arguments,
    ),
    Command(
        "extension",
        "write the recorder extension for a self-hosted Directus",
        recorder_command.run,
        recorder_command.add_arguments,
    ),
    Command(
        "watch",
        "live guard: report (and, per guard.enforce, undo) changes by hand",
        cmd_watch,
        _add_watch_arguments,
        ("stack", "repo", "json"),
    ),
]


def _current(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A handler of this module as the module holds it now (a test may have replaced ``cmd_x``); others as given."""
    if getattr(handler, "__module__", None) == __name__:
        found = globals().get(handler.__name__, handler)
        return found if callable(found) else handler
    return handler


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written (paragraphs kept)."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of :data:`COMMANDS`; each command's ``--help`` page opens with its one-line summary."""
    description = (__doc__ or "").split("\n\nAdding a command")[0].replace("``", "`") + "\n"
    parser = argparse.ArgumentParser(prog="mcp-access", description=description, formatter_class=_Formatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        add_shared_flags(sub, *command.flags)
        sub.set_defaults(handler=_current(command.run), **command.defaults)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with engine_errors(getattr(args, "stack", None)):
            return int(args.handler(args))
    except McpAccessError as exc:  # every error meant for people; anything else is a bug and keeps its traceback
        stack = getattr(args, "stack", None)
        block = error_block(exc)
        if isinstance(stack, str):  # hints written before the stack was known say `-s STACK`
            block = block.replace("-s STACK ", f"-s {stack} ")
        print(block, file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
