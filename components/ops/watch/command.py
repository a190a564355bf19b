"""``mcp-access watch``'s arguments and handler (registered in ``components/cli.py`` with two lines)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from components.ops.watch import render
from components.ops.watch.expiry_hook import expire_when_due
from components.ops.watch.run import Sinks, Watch, WatchOptions
from components.ops.watch.webhook import Webhook
from components.providers.connection import RETRY_MAX_WAIT_ENV

#: While Directus is down a single request is not retried longer than this (the watch has its own backoff).
WATCH_RETRY_MAX_WAIT = "10"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds between 0 and 86400")
    return value


def _url(text: str) -> str:
    """An http(s) address; empty means none (a service unit whose webhook variable is unset)."""
    if text and not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"--webhook {text[:40]!r}...: give an http:// or https:// address")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The watch's own flags (``--stack``, ``--repo`` and ``--json``, one JSON object per line, are the shared ones)."""
    parser.add_argument(
        "--webhook", type=_url, metavar="URL", help="also POST each event (Slack-compatible `text` + JSON fields)"
    )
    parser.add_argument("--once", action="store_true", help="one full check, then exit (0 clean, 1 findings)")
    parser.add_argument(
        "--poll",
        type=_seconds,
        metavar="SECONDS",
        help="no WebSocket: run the full check on this interval (for a Directus without WEBSOCKETS_ENABLED)",
    )
    parser.add_argument(
        "--poll-interval",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="how often what Directus sends no event for (OAuth clients, server info) is re-read (default 60)",
    )
    parser.add_argument(
        "--give-up-after",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="at start, retry an unreachable Directus this long, then exit 2 (default 60)",
    )
    parser.add_argument(
        "--log-checks",
        action="store_true",
        help="say each check on stderr (why it ran, findings, state re-read or not, requests sent, program replayed or "
        "run, seconds)",
    )
    parser.add_argument(
        "--rotation-warning-days", type=int, default=14, help="report tokens due within this many days (default 14)"
    )


def _printer(as_json: bool) -> Callable[[dict[str, Any]], None]:
    def emit(data: dict[str, Any]) -> None:
        print(render.json_line(data) if as_json else render.line(data), flush=True)

    return emit


def run(args: argparse.Namespace, stack: Any) -> int:
    """The watch until SIGTERM/SIGINT (exit 0), or one check with ``--once``."""
    os.environ.setdefault(RETRY_MAX_WAIT_ENV, WATCH_RETRY_MAX_WAIT)

    def say(message: str) -> None:
        print(render.status(message, datetime.now(UTC)), file=sys.stderr, flush=True)

    printer = _printer(args.json)
    webhook = Webhook(args.webhook, say=say) if args.webhook else None

    def emit(data: dict[str, Any]) -> None:
        printer(data)
        if webhook is not None:
            webhook.send(render.webhook_body(data))

    stop = threading.Event()
    options = WatchOptions(
        once=args.once,
        poll=args.poll,
        poll_interval=args.poll_interval,
        give_up_after=args.give_up_after,
        warn_days=args.rotation_warning_days,
        log_checks=args.log_checks,
    )
    watch = Watch(stack, options, Sinks(emit=emit, say=say), stop=stop)
    watch.after_check.append(expire_when_due(stack, say))  # expired members and elevations end on time
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        code = watch.run()
        if not args.once:
            say("stopped")
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if webhook is not None:
            webhook.close()
