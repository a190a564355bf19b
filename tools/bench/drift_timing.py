"""Time ``mcp-access drift`` alone on a stack of N members: a smaller, repeatable companion to the benchmark.

Usage (``.venv/bin/python -m tools.bench.drift_timing``, from the project folder):

- ``setup N DIR``: start a Directus (SQLite) in ``DIR/directus`` that outlives this process, deploy a stack of N
  members (the benchmark's roster) with its state in ``DIR``, and write ``DIR/stack.json``.
- ``time DIR [--runs 3]``: run :func:`run_drift` ``--runs`` times in each way, the in-process plan (the default)
  and the engine's ``preview --refresh`` (``--engine``), alternating so that both meet the same machine load,
  and print for each way every wall time, the median, the HTTP requests sent to Directus in one run (by the
  client's request log, in every process) and the ``pulumi`` CLI invocations of one run; then the 1-minute
  load average and the ratio of the medians. ``--only in-process`` or ``--only engine`` times one way.
- ``stop DIR``: stop that Directus.

``DIR/stack.json`` holds the stack's throw-away passphrase: keep ``DIR`` out of git (a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.client import REQUEST_LOG_ENV, DirectusClient
from components.engine.workspace import open_stack
from components.localdev import server
from components.localdev.demo import ensure_demo_collections
from components.names import PROJECT_ROOT
from components.ops.drift.run import run_drift
from tools.bench.benchmark import stack_config


def engine_env(base: Path, info: dict[str, Any]) -> dict[str, str]:
    """The engine settings of the kept stack in ``base`` (its file backend, passphrase and request log)."""
    return {
        "PULUMI_BACKEND_URL": (base / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": info["passphrase"],
        REQUEST_LOG_ENV: str(base / "requests.log"),
    }


def configure(n: int, base: Path) -> tuple[auto.Stack, server.DirectusInstance, dict[str, Any]]:
    """A Directus and a configured stack of ``n`` members in ``base`` that outlive this process (nothing applied);
    ``base/stack.json`` keeps what later commands need to open the stack again."""
    base.mkdir(parents=True, exist_ok=True)
    instance = server.start(base / "directus", fresh=True, detach=True)
    with DirectusClient(instance.url, instance.admin_token) as admin:
        ensure_demo_collections(admin)
    work_dir = base / "project"
    shutil.rmtree(work_dir, ignore_errors=True)
    (work_dir / "stacks").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    shutil.rmtree(base / "state", ignore_errors=True)
    (base / "state").mkdir()
    info = {"n": n, "passphrase": secrets.token_hex(16)}
    stack = open_stack("bench", work_dir=work_dir, env=engine_env(base, info))
    stack.set_all_config(stack_config(n, instance.url, instance.admin_token))
    (base / "stack.json").write_text(json.dumps(info))
    return stack, instance, info


def setup(n: int, base: Path) -> None:
    stack, instance, _info = configure(n, base)
    started = time.monotonic()
    stack.up(color="never")
    print(f"up of {n} members: {time.monotonic() - started:.1f} s; Directus {instance.url} (pid {instance.pid})")


class CountingCommand:
    """Wraps the workspace's ``PulumiCommand`` to count the CLI invocations (each starts a ``pulumi`` process)."""

    def __init__(self, inner: auto.PulumiCommand) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def run(self, args: list[str], *rest: Any, **kwargs: Any) -> Any:
        self.calls.append(" ".join(a for a in args[:3] if not a.startswith("--")))
        return self.inner.run(args, *rest, **kwargs)


@dataclass
class Timing:
    engine: bool
    times: list[float] = field(default_factory=list)
    drifted: set[int] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    cli: list[str] = field(default_factory=list)

    def report(self, n: int) -> None:
        mode = "engine (preview --refresh)" if self.engine else "in-process"
        print(f"drift, {mode}, {n} members: " + ", ".join(f"{t:.2f}" for t in self.times) + " s")
        print(f"  median {statistics.median(self.times):.2f} s; drifted resources {sorted(self.drifted)}")
        print(f"  requests in one run: {sum(self.requests.values())}")
        for kind, count in sorted(self.requests.items(), key=lambda item: -item[1]):
            print(f"    {count:5d} {kind}")
        print(f"  pulumi CLI invocations in one run: {len(self.cli)}: {self.cli}")


def time_drift(base: Path, *, ways: list[bool], runs: int) -> None:
    info = json.loads((base / "stack.json").read_text())
    if server.running_instance(base / "directus") is None:
        sys.exit(f"no Directus running from {base / 'directus'}: run `setup` again")
    env = engine_env(base, info)
    os.environ[REQUEST_LOG_ENV] = env[REQUEST_LOG_ENV]
    stack = open_stack("bench", work_dir=base / "project", env=env, create=False)
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    counting = CountingCommand(workspace.pulumi_command)
    workspace.pulumi_command = counting  # type: ignore[assignment]
    log = base / "requests.log"
    timings = [Timing(engine) for engine in ways]
    for index in range(runs):
        for timing in timings:
            log.write_text("")
            counting.calls.clear()
            started = time.monotonic()
            report = run_drift(stack, engine=timing.engine)
            timing.times.append(time.monotonic() - started)
            timing.drifted.add(len(report.drifted))
            if index == 0:
                lines = [line.split(" ", 2) for line in log.read_text().splitlines() if line.strip()]
                timing.requests = Counter(f"{method} {path.split('?')[0]}" for _, method, path in lines)
                timing.cli = list(counting.calls)
    for timing in timings:
        timing.report(info["n"])
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    if len(timings) == 2:
        ratio = statistics.median(timings[0].times) / statistics.median(timings[1].times)
        print(f"in-process / engine (medians): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup")
    setup_cmd.add_argument("n", type=int)
    setup_cmd.add_argument("dir", type=Path)
    time_cmd = commands.add_parser("time")
    time_cmd.add_argument("dir", type=Path)
    time_cmd.add_argument("--only", choices=["in-process", "engine"])
    time_cmd.add_argument("--runs", type=int, default=3)
    stop_cmd = commands.add_parser("stop")
    stop_cmd.add_argument("dir", type=Path)
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.n, args.dir)
    elif args.command == "time":
        ways = {"in-process": [False], "engine": [True]}.get(args.only, [False, True])
        time_drift(args.dir, ways=ways, runs=args.runs)
    else:
        instance = server.running_instance(args.dir / "directus")
        if instance is not None:
            server.stop(instance)


if __name__ == "__main__":
    main()
