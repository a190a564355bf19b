"""How fast ``mcp-access watch`` sees and undoes changes by hand: detection and enforcement latency, p50 and p95.

Usage: ``.venv/bin/python tools/watch_latency.py --members 20 --changes 20 --enforcements 5``

Starts a fresh Directus (SQLite, ``WEBSOCKETS_ENABLED=true``) in a temporary folder, deploys a stack of
``--members`` members with ``guard.enforce: [member-token-by-hand]``, starts the watch as a child process
(``--json``), then:

- ``--changes`` changes by hand through REST, cycling through six kinds (a member's user field, the template's
  role renamed, a permission added, the Administrator policy attached to a member, the MCP policy attached to
  Public, ``mcp_allow_deletes`` turned on); each is timed from just before its REST call to the watch's
  ``appeared`` line, then undone through REST and timed to its ``resolved`` line;
- ``--enforcements`` tokens set by hand on distinct members, each timed from just before the REST call to the
  first 401 that the hand-set token gets on ``/mcp``;
- the full check alone (``watch --once``, which also reads the state through the ``pulumi`` CLI);
- the requests the watch sent to Directus per change (its client's request log).

It asserts nothing (the numbers depend on the machine's load); it prints them, and the load average.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.directus.client import REQUEST_LOG_ENV, DirectusClient  # noqa: E402
from components.directus.mcp import McpError, list_tools  # noqa: E402
from components.localdev import server  # noqa: E402
from components.localdev.demo import ensure_demo_collections  # noqa: E402
from tests.helpers.stacks import make_stack  # noqa: E402
from tests.helpers.watch import WatchProcess, event  # noqa: E402

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
                    lambda u=user_id: admin.update("/users", u, {"first_name": "Changed"}),
                    lambda u=user_id, v=first_name: admin.update("/users", u, {"first_name": v}),
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
                    lambda i=index: admin.delete("/permissions", made[f"p{i}"]),
                )
            )
        elif kind == 3:

            def attach_admin(i: int = index, u: str = user_id) -> None:
                made[f"a{i}"] = admin.create("/access", {"policy": admin_policy, "user": u})["id"]

            plan.append((f"{member}-user", attach_admin, lambda i=index: admin.delete("/access", made[f"a{i}"])))
        elif kind == 4:  # (admin_access on a policy with users: 403 "seats limit exceeded" on unlicensed 12.x)

            def attach_public(i: int = index) -> None:
                made[f"x{i}"] = admin.create("/access", {"policy": policy["id"], "role": None, "user": None})["id"]

            plan.append(("content-policy", attach_public, lambda i=index: admin.delete("/access", made[f"x{i}"])))
        else:
            plan.append(
                (
                    "mcp-settings",
                    lambda: admin.request("PATCH", "/settings", json={"mcp_allow_deletes": True}),
                    lambda: admin.request("PATCH", "/settings", json={"mcp_allow_deletes": False}),
                )
            )
    return plan


def refused(url: str, token: str) -> bool:
    try:
        list_tools(f"{url}/mcp", token)
    except McpError as exc:
        return exc.status == 401
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--enforcements", type=int, default=5)
    args = parser.parse_args()
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

                started = time.monotonic()
                once = WatchProcess(stack, "--once")
                code = once.process.wait(600)
                print(
                    f"full check (watch --once, with the state read through the CLI): "
                    f"{time.monotonic() - started:.2f} s, exit {code}"
                )

                request_log = base / "watch-requests.log"
                watch = WatchProcess(stack, "--poll-interval", "600", env={REQUEST_LOG_ENV: str(request_log)})
                watch.wait_status("watching stack", timeout=120)
                sent_before = _lines(request_log)
                detection: list[float] = []
                resolution: list[float] = []
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
                enforcement: list[float] = []
                for member in sorted(outputs["members"])[: args.enforcements]:
                    hand = secrets.token_urlsafe(24)
                    started = time.monotonic()
                    admin.update("/users", outputs["members"][member]["userId"], {"token": hand})
                    while not refused(instance.url, hand):
                        if time.monotonic() - started > 60:
                            raise SystemExit(f"member {member}: the hand-set token still works after 60 s")
                        time.sleep(0.05)
                    enforcement.append(time.monotonic() - started)
                watch.stop()
        finally:
            server.stop(instance)
    print(summary("detection (REST change -> appeared line)", detection))
    print(summary("resolution (REST undo -> resolved line)", resolution))
    print(summary("enforcement (hand-set token -> 401 on /mcp)", enforcement))
    print(
        f"requests the watch sent to Directus per change (changes and undos, every check a full one): {per_change:.0f}"
    )
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
