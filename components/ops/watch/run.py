"""``mcp-access watch``: the live guard. Events trigger checks; each check is ``drift``'s, in process.

How it runs (``docs/watch.md`` says it for people):

1. The stack's state and config are read once (:func:`components.ops.drift.run.load_context`, the CLI calls of
   ``drift``); the watch reads Directus with its own token (:mod:`components.ops.watch.identity`).
2. It subscribes to the system collections over Directus's WebSocket (:mod:`components.ops.watch.socket`), and
   only then runs the full check, so a change made between the two is not missed. After every reconnect it
   reloads the state and runs the full check again (a *resync*): what changed while disconnected is found.
3. Each event drops the answers it made old from the reader's :class:`~components.directus.read_cache.ReadCache`
   (:mod:`components.ops.watch.invalidation`: the listings of the collection that changed, the token probes of
   the users it names) and marks the stack dirty; after :attr:`WatchOptions.debounce` the in-process check runs
   again, and only the dropped requests are sent again: the check is drift's whole check, its reads are not.
   What has no events (OAuth clients and grants, ``/server/info``) is re-read every
   :attr:`WatchOptions.poll_interval`, when the whole cache is emptied; so is it at every resync.
4. A check with a finding not reported yet is re-run on a freshly read state before anything is reported or
   enforced (an ``up`` may just have changed the state: a member it created is not an outsider), unless the state
   is known unchanged (:mod:`components.ops.watch.freshness`: a ``file://`` backend's files); a clean check, or
   one that finds only what is already reported, is not.
5. Each finding is reported once when it appears and once when it is resolved; enforced classes are acted on.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError, DirectusError, DirectusUnavailableError
from components.directus.read_cache import ReadCache
from components.engine.deployed import admin_client, members_of
from components.errors import McpAccessError
from components.kinds import POLICY
from components.names import TOKEN_KEY, kind_of_type
from components.ops.drift.run import DriftContext, DriftReport, evaluate, load_context
from components.ops.watch import render
from components.ops.watch.enforce import carry_out, live_allow_deletes
from components.ops.watch.freshness import Fingerprint, fingerprint
from components.ops.watch.identity import watch_token, with_token
from components.ops.watch.invalidation import made_old_by, made_old_by_action
from components.ops.watch.rules import Declarations, WatchFinding, changes, enforcement, findings_of
from components.ops.watch.socket import (
    DirectusEvents,
    SubscriptionRefusedError,
    WatchAuthError,
    WatchConnectionError,
    WebSocketsOffError,
)

#: Reconnects and start-up retries back off from 1 s, doubling, to this: a guard should not stay blind long.
MAX_BACKOFF = 10.0

RESYNC = "resync"
EVENT = "event"
POLL = "poll"
#: The state was last read :attr:`WatchOptions.state_interval` ago: read it again (Directus's answers stay kept).
STATE = "state"
#: The watch itself wrote (enforcement): the next check reads what it wrote (see ``made_old_by_action``).
ENFORCED = "enforced"
FATAL = "fatal"


class WatchError(McpAccessError):
    """The watch cannot start or go on (exit 2): Directus unreachable past ``--give-up-after``, token refused."""


@dataclass
class WatchOptions:
    once: bool = False
    #: ``--poll SECONDS``: no WebSocket; the full check on this interval.
    poll: float | None = None
    #: How often what Directus pushes no event for (OAuth, server info) is re-read, with the full check.
    poll_interval: float = 60.0
    debounce: float = 0.2
    give_up_after: float = 60.0
    #: The state is re-read at least this often even while clean (a changed stack file after ``up``).
    state_interval: float = 300.0
    warn_days: int = 14
    #: Say each check on stderr (why it ran, its findings, how long it took): ``--log-checks``.
    log_checks: bool = False


@dataclass
class Sinks:
    """Where events go: ``emit`` gets each event's JSON fields; ``say`` gets the watch's own status lines."""

    emit: Callable[[dict[str, Any]], None]
    say: Callable[[str], None]


#: Called after each check with its report (the moment ``mcp-access expire`` belongs to: a member's or an
#: elevation's end is checked by the same clock; register it here when that command exists).
AfterCheck = Callable[[DriftReport, datetime], None]


@dataclass
class Watch:
    stack: Any  # auto.Stack (kept loose: tests pass the real one)
    options: WatchOptions
    sinks: Sinks
    stop: threading.Event = field(default_factory=threading.Event)
    after_check: list[AfterCheck] = field(default_factory=list)
    _context: DriftContext | None = None
    _loaded_at: float = 0.0
    _fingerprint: Fingerprint | None = None
    _writer: DirectusClient | None = None
    _reported: dict[tuple[str, str, str], WatchFinding] = field(default_factory=dict)
    _queue: queue.Queue[tuple[str, Exception | None]] = field(default_factory=queue.Queue)
    _cache: ReadCache = field(default_factory=ReadCache)
    token_source: str = ""
    checks: int = 0

    # --- the state and the clients ---------------------------------------------------------------------------

    def _load(self) -> DriftContext:
        self._fingerprint = fingerprint(self.stack)  # before the read: a change during it shows next time
        context = load_context(self.stack)
        token, source = watch_token(context.values, context.outputs)
        if not token:
            raise WatchError(f"stack {self.stack.name!r}: no token to watch with")
        self.token_source = source
        if context.config.guard.enforce:
            self._writer = context.client  # the provisioning client: enforcement writes
        reader_values = with_token(context.values, token)
        context = replace(context, values=reader_values, client=admin_client(reader_values))
        context.client.register_secret(token)
        # The kept answers stay: they are Directus's, not the state's (a new token is a new probe; what ``up`` wrote
        # came with its events). A resync and the poll empty them (``check(fresh=True)``).
        # The watch's own writes (enforcement) drop what they change themselves (see ``_enforce``): a write must not
        # empty the cache when the watch reads and writes with the same (provisioning) token.
        context.client.use_read_cache(self._cache, clear_on_write=False)
        self._context, self._loaded_at = context, time.monotonic()
        return context

    @property
    def context(self) -> DriftContext:
        return self._context or self._load()

    def _declarations(self, context: DriftContext) -> Declarations:
        members = members_of(context.outputs)
        tokens = context.outputs["tokens"].value if "tokens" in context.outputs else {}
        flags = {
            r.id: {k: bool(r.inputs.get(k)) for k in ("admin_access", "app_access")}
            for r in context.state.resources
            if kind_of_type(r.type) == POLICY.name and r.id
        }
        return Declarations(
            members={n: str(m["userId"]) for n, m in members.items() if m.get("enabled", True) and m.get("userId")},
            token_members=frozenset(tokens or {}),
            policy_flags=flags,
            rotation_due={n: str(m["rotationDue"]) for n, m in members.items() if m.get("rotationDue")},
            allow_deletes=context.config.mcp.allow_deletes,
            manage_settings=context.config.mcp.manage_settings,
        )

    # --- one check -------------------------------------------------------------------------------------------

    def _state_may_have_changed(self) -> bool:
        """Whether the state or config read may be old: unknown for other backends than ``file://``."""
        if time.monotonic() - self._loaded_at < 1.0:
            return False
        current = fingerprint(self.stack)
        return current is None or current != self._fingerprint

    def _evaluate(self, context: DriftContext) -> DriftReport:
        try:
            return evaluate(context, warn_days=self.options.warn_days)
        except DirectusAuthError:
            raise WatchError(
                f"Directus at {context.config.directus_url} refused the watch's token ({self.token_source})",
                hint="the token is wrong, expired or revoked: give a valid one (DIRECTUS_GUARD_TOKEN, the stack's "
                "guard token or its provisioning token)",
            ) from None

    def check(self, *, reload: bool = False, fresh: bool = True, why: str = "start") -> DriftReport:
        """One check (with a fresh state when ``reload`` or when it finds something), reported and enforced.

        ``fresh`` reads everything again; otherwise only what the events since the last check made old.
        """
        started = time.monotonic()
        if fresh:
            self._cache.clear()
        context = self._load() if reload else self.context
        sent = context.client.request_count
        report = self._evaluate(context)
        # Only a finding not reported yet is confirmed: one already reported was confirmed when it appeared, and
        # confirming costs a state read through the CLI and a full check (every check, on a backend other than
        # ``file://``, while a finding stays open).
        appeared = bool(changes(self._reported, findings_of(report)).appeared)
        confirmed = appeared and not reload and self._state_may_have_changed()
        if confirmed:
            report = self._evaluate(self._load())  # confirm on the current state before reporting anything
        self.checks += 1
        if self.options.log_checks:
            state = "fresh state" if reload or confirmed else "state held"
            state += f", program {self.context.replay.last or 'not run'}"
            requests = self.context.client.request_count - sent if self.context.client is context.client else "?"
            self.sinks.say(
                f"check {self.checks} ({why}): {report.findings} findings ({state}), {requests} requests, "
                f"{time.monotonic() - started:.2f} s"
            )
        now = datetime.now(UTC)
        found = findings_of(report)
        diff = changes(self._reported, found)
        for finding in diff.appeared:
            self.sinks.emit(render.record(finding, render.APPEARED, now))
        for finding in diff.resolved:
            self.sinks.emit(render.record(finding, render.RESOLVED, now))
        self._reported = {finding.key: finding for finding in found}
        if self._enforce(report, now):
            self._queue.put((ENFORCED, None))  # look again at once: the next check reports what is now resolved
        for hook in self.after_check:
            hook(report, now)
        return report

    def _enforce(self, report: DriftReport, now: datetime) -> bool:
        context = self.context
        enforce = context.config.guard.enforce
        if not enforce or self._writer is None:
            return False
        deletes = live_allow_deletes(self._writer) if "mcp-deletes-on" in enforce else None
        declarations = self._declarations(context)
        members = declarations.members
        actions = enforcement(report, declarations, enforce, live_allow_deletes=deletes, now=now)
        for action in actions:
            try:
                carry_out(self._writer, context.stack.name, context.outputs, action)
            except (DirectusError, McpAccessError) as exc:
                self.sinks.emit(render.action_record(context.stack.name, action, now, error=type(exc).__name__))
            else:
                self.sinks.emit(render.action_record(context.stack.name, action, datetime.now(UTC)))
            self._cache.drop(made_old_by_action(action, members.get(action.member or "")))
        return bool(actions)

    # --- start, events, reconnects ---------------------------------------------------------------------------

    def _start(self) -> DirectusEvents | None:
        """The subscription (unless polling) and the first full check, retried while Directus is unreachable."""
        started = time.monotonic()
        delay = 1.0
        context = self.context  # not deployed, bad config (an unknown guard.enforce class): fail before anything
        while True:
            events = None
            try:
                if self.options.poll is None and not self.options.once:
                    events = DirectusEvents(context.config.directus_url, self._token(context))
                    events.open()
                self.check()
                return events
            except (WatchConnectionError, DirectusUnavailableError) as exc:
                if events is not None:
                    events.close()
                waited = time.monotonic() - started
                if waited + delay > self.options.give_up_after:
                    raise WatchError(
                        f"Directus at {context.config.directus_url} did not answer for {waited:.0f} s; gave up "
                        f"(--give-up-after {self.options.give_up_after:g}): {exc}",
                        hint="start Directus (or fix its address in the stack) and run the watch again",
                    ) from None
                self.sinks.say(f"Directus is not reachable yet ({type(exc).__name__}); retrying in {delay:.0f} s")
                if self.stop.wait(delay):
                    raise WatchError("stopped before Directus answered") from None
                delay = min(delay * 2, MAX_BACKOFF)

    @staticmethod
    def _token(context: DriftContext) -> str:
        """The watch's token (put in the context's values by :meth:`_load`)."""
        return str(context.values.get(TOKEN_KEY))

    def _listen(self, events: DirectusEvents) -> None:
        """The event thread: events mark the stack dirty; a lost connection is reopened with backoff, then a
        resync. A fatal error (token refused, WebSockets turned off) ends the watch."""
        delay = 1.0
        connected: DirectusEvents | None = events
        while not self.stop.is_set():
            try:
                if connected is None:
                    connected = DirectusEvents(self.context.config.directus_url, self._token(self.context))
                    connected.open()
                    self.sinks.say("reconnected: resync (full check on a fresh state)")
                    self._queue.put((RESYNC, None))
                    delay = 1.0
                event = connected.next_event(timeout=1.0)
                if event is not None:
                    self._cache.drop(made_old_by(event.collection, event.keys))
                    self._queue.put((EVENT, None))
            except WatchConnectionError as exc:
                if connected is not None:
                    connected.close()
                    connected = None
                    self.sinks.say(f"connection lost ({exc}); reconnecting")
                if self.stop.wait(delay):
                    break
                delay = min(delay * 2, MAX_BACKOFF)
            except (WatchAuthError, WebSocketsOffError, SubscriptionRefusedError) as exc:
                self._queue.put((FATAL, exc))
                break
        if connected is not None:
            connected.close()

    def run(self) -> int:
        """Until stopped (0), or one check with ``--once`` (0 clean, 1 findings); errors raise (exit 2)."""
        events = self._start()
        report_findings = bool(self._reported)
        if self.options.once:
            return 1 if report_findings else 0
        interval = self.options.poll if self.options.poll is not None else self.options.poll_interval
        listener = None
        if events is not None:
            listener = threading.Thread(target=self._listen, args=(events,), name="watch-events", daemon=True)
            listener.start()
            self.sinks.say(f"watching stack {self.stack.name!r} (WebSocket events; reading with {self.token_source})")
        else:
            self.sinks.say(f"watching stack {self.stack.name!r} (polling every {interval:g} s)")
        next_poll = time.monotonic() + interval
        while not self.stop.is_set():
            try:
                reason, error = self._queue.get(timeout=max(0.05, min(1.0, next_poll - time.monotonic())))
            except queue.Empty:
                if time.monotonic() < next_poll:
                    continue
                reason, error = POLL, None
            reasons = {reason}
            if error is not None:
                raise error
            if self.stop.wait(self.options.debounce):
                break
            while not self._queue.empty():
                more, more_error = self._queue.get_nowait()
                if more_error is not None:
                    raise more_error
                reasons.add(more)
            stale = time.monotonic() - self._loaded_at > self.options.state_interval
            fresh = bool(reasons - {EVENT, ENFORCED})  # a poll or a resync reads everything again
            try:
                why = "+".join(sorted(reasons | ({STATE} if stale else set())))
                self.check(reload=RESYNC in reasons or stale, fresh=fresh, why=why)
            except DirectusUnavailableError as exc:
                self.sinks.say(f"check failed, Directus unreachable ({exc}); next try at the next event or poll")
                self._cache.clear()
            if fresh:
                next_poll = time.monotonic() + interval
        if listener is not None:
            listener.join(3.0)
        if self._context is not None:
            self._context.client.use_read_cache(None)
        return 0
