"""How fast ``mcp-access watch`` sees and undoes changes by hand, what a resync costs, and whether it leaks.

Usage: ``.venv/bin/python -m tools.bench.watch_latency --members 300 --changes 102 --enforcements 10``
(add ``--soak 1800`` for the 30-minute soak, ``--changes 0 --enforcements 0`` for the resync alone).

Starts a fresh Directus (SQLite, ``WEBSOCKETS_ENABLED=true``) in a temporary folder, deploys a stack of
``--members`` members with ``guard.enforce: [member-token-by-hand]``, then:

- the full check alone, twice: ``watch --once`` as a whole process (start-up, the state read through the
  ``pulumi`` CLI, one full in-process drift) and the running watch's first check (the resync: one full
  in-process drift on the state it holds, as after every reconnect), with the requests each sent;
- ``--changes`` changes by hand through REST, cycling through six kinds (a member's user field, the template's
  role renamed, a permission added, the Administrator policy attached to a member, the MCP policy attached to
  Public, ``mcp_allow_deletes`` turned on); each is timed from just before its REST call to the watch's
  ``appeared`` line, then undone through REST and timed to its ``resolved`` line;
- ``--enforcements`` tokens set by hand on distinct members, each timed from just before the REST call to the
  first 401 that the hand-set token gets on ``/mcp``;
- the requests the watch sent per event check (its ``--log-checks`` lines: p50 and max), and per change;
- ``--soak SECONDS``: one change (or undo) by hand every second for that long, without waiting for the watch;
  the watch process's resident memory and open sockets after its first minute and at the end, its requests per
  change, and whether it still reports a change made after the soak within 10 s.

It asserts nothing (the numbers depend on the machine's load); it prints them, and the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from components.directus.client import REQUEST_LOG_ENV, DirectusClient  # noqa: E402
from components.localdev import server  # noqa: E402
from components.localdev.demo import ensure_demo_collections  # noqa: E402
from tests.helpers.stacks import make_stack  # noqa: E402
from tests.helpers.watch import WatchProcess, event, refused_on_mcp  # noqa: E402

STACK = "latency"


def _lines(path: Path) -> int:
    try:
        return len(path.read_text().splitlines())
    except OSError:
        return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    return (
        f"{name}: n={len(values)} p50={percentile(values, 0.5):.2f} s p95={percentile(values, 0.95):.2f} s "
        f"max={max(values):.2f} s mean={statistics.fmean(values):.2f} s"
    )


Change = tuple[str, Callable[[], Any], Callable[[], Any]]  # (expected object, make, undo)


def changes_for(admin: DirectusClient, outputs: dict[str, Any], n: int) -> list[Change]:
    members = outputs["members"]
    role = admin.list_objects("/roles", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id", "name"])[0]
    policy = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id"])[0]
    admin_policy = admin.list_objects("/policies", filter={"admin_access": {"_eq": True}}, fields=["id"])[0]["id"]
    made: dict[str, Any] = {}

    def delete_made(path: str, name: str) -> None:
        admin.delete(path, made[name])

    plan: list[Change] = []
    names = sorted(members)
    for index in range(n):
        member = names[index % len(names)]
        user_id = members[member]["userId"]
        kind = index % 6
        if kind == 0:
            first_name = (admin.get_by_id("/users", user_id, fields=["first_name"]) or {}).get("first_name")
            plan.append(
                (
                    f"{member}-user",
                    partial(admin.update, "/users", user_id, {"first_name": "Changed"}),
                    partial(admin.update, "/users", user_id, {"first_name": first_name}),
                )
            )
        elif kind == 1:
            plan.append(
                (
                    "content-role",
                    lambda: admin.update("/roles", role["id"], {"name": "Renamed by hand"}),
                    lambda: admin.update("/roles", role["id"], {"name": role["name"]}),
                )
            )
        elif kind == 2:

            def add_permission(i: int = index) -> None:
                made[f"p{i}"] = admin.create(
                    "/permissions",
                    {"policy": policy["id"], "collection": "internal_notes", "action": "read", "fields": ["*"]},
                )["id"]

            plan.append(
                (
                    "content-permissions",
                    add_permission,
                    partial(delete_made, "/permissions", f"p{index}"),
                )
            )
        elif kind == 3:

            def attach_admin(i: int = index, u: str = user_id) -> None:
                made[f"a{i}"] = admin.create("/access", {"policy": admin_policy, "user": u})["id"]

            plan.append((f"{member}-user", attach_admin, partial(delete_made, "/access", f"a{index}")))
        elif kind == 4:  # (admin_access on a policy with users: 403 "seats limit exceeded" on unlicensed 12.x)

            def attach_public(i: int = index) -> None:
                made[f"x{i}"] = admin.create("/access", {"policy": policy["id"], "role": None, "user": None})["id"]

            plan.append(("content-policy", attach_public, partial(delete_made, "/access", f"x{index}")))
        else:
            plan.append(
                (
                    "mcp-settings",
                    lambda: admin.request("PATCH", "/settings", json={"mcp_allow_deletes": True}),
                    lambda: admin.request("PATCH", "/settings", json={"mcp_allow_deletes": False}),
                )
            )
    return plan


def check_figures(line: str) -> tuple[int, float]:
    """``(requests, seconds)`` of a ``--log-checks`` line: ``check 7 (event): 1 findings (...), 2 requests, 0.05 s``."""
    requests_part, seconds_part = line.rsplit(", ", 2)[-2:]
    return int(requests_part.split()[0]), float(seconds_part.split()[0])


def process_figures(pid: int) -> tuple[float, int]:
    """``(resident MiB, open sockets)`` of a process, from /proc."""
    rss_kib = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kib = int(line.split()[1])
    sockets = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            sockets += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return rss_kib / 1024, sockets


CHECK_REASONS = re.compile(r"\bcheck \d+ \(([^)]*)\)")


def is_fresh(line: str) -> bool:
    """A check that read everything again: the start, a resync or the poll."""
    found = CHECK_REASONS.search(line)
    if found is None:
        return False
    return not set(found.group(1).split("+")) <= {"event", "enforced", "state"}


def event_checks(watch: WatchProcess) -> list[tuple[int, float]]:
    return [check_figures(line.rstrip()) for line in watch.stderr if CHECK_REASONS.search(line) and not is_fresh(line)]


def soak(admin: DirectusClient, outputs: dict[str, Any], watch: WatchProcess, log: Path, seconds: float) -> None:
    """One change or undo by hand per second for ``seconds``; prints the watch's memory and sockets, start and end."""
    plan = changes_for(admin, outputs, 6)
    pid = watch.process.pid
    time.sleep(60)  # the first minute: imports done, first checks run, caches filled
    rss_start, sockets_start = process_figures(pid)
    sent_start, checks_start, stderr_start = _lines(log), len(event_checks(watch)), len(watch.stderr)
    started, made = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        _expected, make, undo = plan[(made // 2) % len(plan)]
        (make if made % 2 == 0 else undo)()
        made += 1
        time.sleep(max(0.0, started + made - time.monotonic()))
    if made % 2:
        plan[(made // 2) % len(plan)][2]()  # leave nothing changed
        made += 1
    time.sleep(5)  # the last checks
    rss_end, sockets_end = process_figures(pid)
    per_check = [requests for requests, _ in event_checks(watch)[checks_start:]]
    fresh = [check_figures(line.rstrip()) for line in watch.stderr[stderr_start:] if is_fresh(line)]
    sent = _lines(log) - sent_start
    print(f"soak: {made} changes by hand in {time.monotonic() - started:.0f} s, {len(per_check)} event checks")
    print(
        f"soak: watch RSS {rss_start:.1f} MiB after its first minute -> {rss_end:.1f} MiB at the end "
        f"({100 * (rss_end - rss_start) / rss_start:+.1f} %); open sockets {sockets_start} -> {sockets_end}"
    )
    print(
        f"soak: requests sent {sent}, {sent / max(1, made):.2f} per change by hand; of them, the event checks sent "
        f"{sum(per_check)} ({sum(per_check) / max(1, made):.2f} per change, at most {max(per_check, default=0)} in "
        f"one check) and {len(fresh)} full checks (resyncs, the poll) "
        f"{sum(r for r, _ in fresh)}"
    )
    while not watch.events.empty():  # the soak's own findings: not the one timed next
        watch.events.get_nowait()
    watch.seen.clear()
    expected, make, undo = plan[0]
    began = time.monotonic()
    make()
    watch.wait_for(event("appeared", None, expected), f"{expected} appeared after the soak", timeout=60)
    print(f"soak: a change after the soak was reported in {time.monotonic() - began:.2f} s")
    undo()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--enforcements", type=int, default=5)
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of one change per second (0: none)")
    args = parser.parse_args()
    print(f"load average at start (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    detection: list[float] = []
    resolution: list[float] = []
    enforcement: list[float] = []
    checks: list[tuple[int, float]] = []
    per_change = 0.0
    with tempfile.TemporaryDirectory(prefix="watch-latency-") as folder:
        base = Path(folder)
        instance = server.start(base / "directus", fresh=True, extra_env={"WEBSOCKETS_ENABLED": "true"})
        try:
            with DirectusClient(instance.url, instance.admin_token) as admin:
                ensure_demo_collections(admin)
                members = [
                    {"name": f"m{i:04d}", "email": f"m{i:04d}@company.com", "template": "content"}
                    for i in range(args.members)
                ]
                stack = make_stack(instance, base, STACK, members=members, guard={"enforce": ["member-token-by-hand"]})
                started = time.monotonic()
                stack.up(color="never")
                print(f"up of {args.members} members: {time.monotonic() - started:.1f} s")
                outputs = {k: v.value for k, v in stack.outputs().items()}

                once_log = base / "once-requests.log"
                started = time.monotonic()
                once = WatchProcess(stack, "--once", env={REQUEST_LOG_ENV: str(once_log)})
                code = once.process.wait(900)
                print(
                    f"full check as a process (watch --once: start-up, state read through the CLI, one drift): "
                    f"{time.monotonic() - started:.2f} s, {_lines(once_log)} requests, exit {code}"
                )

                request_log = base / "watch-requests.log"
                watch = WatchProcess(
                    stack, "--poll-interval", "3600", "--log-checks", env={REQUEST_LOG_ENV: str(request_log)}
                )
                requests, seconds = check_figures(watch.wait_status("check 1 (start)", timeout=900))
                print(f"resync (the running watch's full check on its state): {seconds:.2f} s, {requests} requests")
                watch.wait_status("watching stack", timeout=120)
                sent_before = _lines(request_log)
                for expected, make, undo in changes_for(admin, outputs, args.changes):
                    started = time.monotonic()
                    make()
                    watch.wait_for(event("appeared", None, expected), f"{expected} appeared", timeout=60)
                    detection.append(time.monotonic() - started)
                    started = time.monotonic()
                    undo()
                    watch.wait_for(event("resolved", None, expected), f"{expected} resolved", timeout=60)
                    resolution.append(time.monotonic() - started)
                per_change = (_lines(request_log) - sent_before) / max(1, 2 * len(detection))
                checks = event_checks(watch)
                for member in sorted(outputs["members"])[: args.enforcements]:
                    hand = secrets.token_urlsafe(24)
                    started = time.monotonic()
                    admin.update("/users", outputs["members"][member]["userId"], {"token": hand})
                    while not refused_on_mcp(instance.url, hand):
                        if time.monotonic() - started > 60:
                            raise SystemExit(f"member {member}: the hand-set token still works after 60 s")
                        time.sleep(0.05)
                    enforcement.append(time.monotonic() - started)
                if args.soak:
                    soak(admin, outputs, watch, request_log, args.soak)
                watch.stop()
        finally:
            server.stop(instance)
    print(summary("detection (REST change -> appeared line)", detection))
    print(summary("resolution (REST undo -> resolved line)", resolution))
    print(summary("enforcement (hand-set token -> 401 on /mcp)", enforcement))
    if checks:
        counts = [requests for requests, _ in checks]
        print(
            f"event checks: n={len(checks)}, requests per check p50={percentile([float(c) for c in counts], 0.5):.0f} "
            f"max={max(counts)}; seconds per check p50={percentile([t for _, t in checks], 0.5):.2f} "
            f"p95={percentile([t for _, t in checks], 0.95):.2f}"
        )
    if detection:
        print(f"requests the watch sent per change or undo: {per_change:.2f}")
    print(f"load average at the end (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
