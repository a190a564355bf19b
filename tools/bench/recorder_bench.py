"""Benchmark: the recorder extension's cost on MCP reads, rows written and database growth per 1,000 calls.

Usage: ``.venv/bin/python -m tools.bench.recorder_bench [--calls 1000] [--members 10] [--rounds 2]``.

One fresh local Directus (SQLite) loads the extension; ``members`` managed MCP users (tagged as a stack's members,
content role reading ``articles``: 20 items) each send ``calls / members`` ``items`` reads through ``/mcp``, all
members at once (one thread each). The same Directus runs the same reads with the recorder idle (no log collection
declared: the extension's middleware still runs, it finds nothing to write) and recording, in alternating rounds
(which goes first alternates too) so that a busy moment of the shared machine slows both; the best round of
each is compared. It prints the time
per call with and without, the overhead, the rows written per 1,000 calls and the database growth per 1,000 calls,
and estimates a day of a 10-member team from ``--calls-per-member-day``. Nothing is asserted: it prints numbers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from components.directus.client import DirectusClient
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.model.marker import user_tags
from components.model.recorder_config import RecorderConfig
from components.model.recorder_extension import EXTENSION_SOURCE, log_note
from components.ops.recorder.collection import ensure_log_collection

STACK = "bench"
LOG = "mcp_access_log"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def team(admin: DirectusClient, members: int) -> list[str]:
    """``members`` MCP users who may read ``articles``, tagged as managed by stack ``bench``; their tokens."""
    policy = admin.create("/policies", {"name": "bench readers", "app_access": False, "admin_access": False})
    admin.create("/permissions", {"policy": policy["id"], "collection": "articles", "action": "read", "fields": ["*"]})
    role = admin.create("/roles", {"name": "bench readers"})
    admin.create("/access", {"role": role["id"], "policy": policy["id"]})
    tokens = [f"bench-{i}-{os.urandom(16).hex()}" for i in range(members)]
    admin.create_many(
        "/users",
        [
            {"email": f"ai-bench{i}@example.com", "role": role["id"], "token": t, "tags": user_tags(STACK)}
            for i, t in enumerate(tokens)
        ],
    )
    for token in tokens:
        admin.register_secret(token)
    return tokens


def reads(url: str, token: str, count: int) -> None:
    arguments = {"action": "read", "collection": "articles"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "items", "arguments": arguments}}
    with httpx.Client(headers={**HEADERS, "Authorization": f"Bearer {token}"}, timeout=60) as http:
        for _ in range(count):
            answer = http.post(f"{url}/mcp", json=body)
            if answer.status_code != 200 or '"isError":true' in answer.text:
                raise SystemExit(f"an MCP read failed: HTTP {answer.status_code}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``): steadier than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_round(url: str, tokens: list[str], calls: int, pid: int | None = None) -> tuple[float, float]:
    """Wall time of ``calls`` reads by all members at once, and the Directus process's CPU time for them."""
    per_member = calls // len(tokens)
    cpu = cpu_seconds(pid) if pid else 0.0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        list(pool.map(lambda t: reads(url, t, per_member), tokens))
    wall = time.perf_counter() - started
    return wall, (cpu_seconds(pid) - cpu if pid else 0.0)


def set_recording(admin: DirectusClient, on: bool) -> None:
    """Recording: the log collection's note names stack ``bench``; idle: it names another stack (no member's)."""
    note = log_note(RecorderConfig(enabled=True), STACK if on else "nobody")
    admin.request("PATCH", f"/collections/{LOG}", json={"meta": {"note": note}})
    time.sleep(1.5)  # the extension reads the notes again after MCP_ACCESS_RECORDER_REFRESH_MS


def log_rows(admin: DirectusClient) -> int:
    answer = admin.get(f"/items/{LOG}", {"aggregate[count]": "*"}) or [{}]
    return int(answer[0]["count"])


def database_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.glob("directus.db*"))


def report(
    version: str, args: argparse.Namespace, times: dict[bool, list[float]], growth: list[tuple[int, int]]
) -> None:
    off, on = min(times[False]), min(times[True])
    rows_per_k = statistics.mean(r for r, _ in growth) * 1000 / args.calls
    bytes_per_k = statistics.mean(b for _, b in growth) * 1000 / args.calls
    day_rows = 10 * args.calls_per_member_day * rows_per_k / 1000
    rounds = {label: ", ".join(f"{t:.2f}" for t in times[key]) for label, key in (("without", False), ("with", True))}
    print(f"Directus {version}, SQLite, {args.members} members, {args.calls} MCP items reads per round")
    print(f"rounds (s) without: {rounds['without']}; with: {rounds['with']}")
    print(
        f"best round: without {off:.2f}s ({off / args.calls * 1000:.1f} ms/call), "
        f"with {on:.2f}s ({on / args.calls * 1000:.1f} ms/call); overhead {100 * (on - off) / off:+.1f}%"
    )
    print(
        f"rows written per 1,000 calls: {rows_per_k:.0f}; database growth per 1,000 calls: {bytes_per_k / 1024:.0f} KiB"
    )
    day_mib = day_rows * bytes_per_k / max(rows_per_k, 1) / 1024 / 1024
    print(
        f"a day of a 10-member team at {args.calls_per_member_day} MCP calls per member: {day_rows:.0f} rows, "
        f"~{day_mib:.1f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--calls-per-member-day", type=int, default=500, help="for the day estimate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recorder-bench-") as tmp:
        data_dir = Path(tmp) / "directus"
        instance = server.start(
            data_dir,
            fresh=True,
            extensions=[EXTENSION_SOURCE],
            extra_env={
                "MCP_ACCESS_RECORDER_REFRESH_MS": "1000",
                "PRESSURE_LIMITER_ENABLED": "false",  # a busy shared machine must not turn reads into 503
            },
        )
        try:
            with DirectusClient(instance.url, instance.admin_token) as admin:
                ensure_demo_collections(admin)
                admin.create_many("/items/articles", [{"title": f"article {i}"} for i in range(20)])
                admin.request("PATCH", "/settings", json={"mcp_enabled": True})
                ensure_log_collection(admin, RecorderConfig(enabled=True), "nobody")
                tokens = team(admin, args.members)
                timed_round(instance.url, tokens, len(tokens) * 5)  # warm-up, recorder idle
                times: dict[bool, list[float]] = {False: [], True: []}
                cpus: dict[bool, list[float]] = {False: [], True: []}
                growth: list[tuple[int, int]] = []
                for round_ in range(args.rounds):
                    for on in (False, True) if round_ % 2 == 0 else (True, False):  # alternate who goes first
                        set_recording(admin, on)
                        rows, size = log_rows(admin), database_bytes(data_dir)
                        wall, cpu = timed_round(instance.url, tokens, args.calls, instance.pid)
                        times[on].append(wall)
                        cpus[on].append(cpu)
                        mode = "with" if on else "without"
                        print(f"round {mode}: {wall:.2f}s, Directus CPU {cpu:.2f}s", file=sys.stderr, flush=True)
                        time.sleep(4.5)  # the last batch flushed (every 2 s, the default)
                        if on:
                            growth.append((log_rows(admin) - rows, database_bytes(data_dir) - size))
        finally:
            server.stop(instance)
    report(instance.version, args, times, growth)
    off_cpu, on_cpu = min(cpus[False]), min(cpus[True])
    print(
        f"Directus CPU per round (best): without {off_cpu:.2f}s, with {on_cpu:.2f}s; "
        f"overhead {100 * (on_cpu - off_cpu) / off_cpu:+.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
