"""Where the time of ``up`` goes: the CPU of each process (program, engine, provider, policy analyzer, Directus).

Usage (``.venv/bin/python -m tools.bench.profile_up``, from the project folder):

- ``setup N DIR``: start a Directus (SQLite) in ``DIR/directus`` that outlives this process and configure a
  stack of N members (the benchmark's roster) with its state in ``DIR``; nothing is deployed.
- ``run DIR up|destroy|preview|refresh [--parallel P] [--engine-env K=V] [--tracing FILE]``: run that operation
  through the Automation API (as the benchmark's ``up`` phase does) and print its wall time, the CPU seconds of
  each process taking part (this process runs the inline program; the engine; the dynamic-provider process;
  the policy analyzer; Directus), their peak memory and the HTTP requests sent to Directus. ``--tracing``
  passes ``file://FILE`` to the engine (Pulumi's own spans). Run it under ``py-spy record --subprocesses`` to
  see inside the Python processes.
- ``stop DIR``: stop that Directus.

``DIR/stack.json`` holds the stack's throw-away passphrase: keep ``DIR`` out of git (a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.directus.client import REQUEST_LOG_ENV
from components.engine.guarded import policy_options
from components.engine.workspace import open_stack
from components.localdev import server
from components.localdev.processes import descendants
from tools.bench.drift_timing import configure, engine_env

TICK = os.sysconf("SC_CLK_TCK")


def setup(n: int, base: Path) -> None:
    _stack, instance, _info = configure(n, base)
    print(f"stack of {n} members configured; Directus {instance.url} (pid {instance.pid})")


def _stat(pid: int) -> tuple[str, float, int] | None:
    """``(role, cpu seconds, peak KiB)`` of ``pid``, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    if "pulumi.dynamic" in cmdline:
        role = "provider"
    elif "analyzer" in cmdline or "policy" in cmdline:
        role = "policy analyzer"
    elif comm == "pulumi":
        role = "engine"
    elif comm.startswith("pulumi-"):
        role = comm
    else:
        role = f"other ({comm})"
    return role, cpu, peak


@dataclass
class CpuSampler:
    """Polls the CPU time and peak memory of every process below this one (each pid's last value counts)."""

    interval: float = 0.25
    last: dict[int, tuple[str, float, int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            for pid in descendants(me):
                found = _stat(pid)
                if found:
                    self.last[pid] = found
            self._stop.wait(self.interval)

    @contextmanager
    def running(self) -> Iterator[CpuSampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def by_role(self) -> dict[str, tuple[float, int, int]]:
        """role -> (CPU seconds, peak KiB of the largest, process count)."""
        roles: dict[str, tuple[float, int, int]] = {}
        for role, cpu, peak in self.last.values():
            total, most, count = roles.get(role, (0.0, 0, 0))
            roles[role] = (total + cpu, max(most, peak), count + 1)
        return roles


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(base: Path, operation: str, parallel: int | None, extra_env: dict[str, str], tracing: str | None) -> None:
    info = json.loads((base / "stack.json").read_text())
    instance = server.running_instance(base / "directus")
    if instance is None:
        raise SystemExit(f"no Directus running from {base / 'directus'}: run `setup` again")
    env = {**engine_env(base, info), **extra_env}
    log = base / "requests.log"
    log.write_text("")
    os.environ[REQUEST_LOG_ENV] = str(log)
    stack = open_stack("bench", work_dir=base / "project", env=env, create=False)
    options: dict[str, Any] = {"color": "never"}
    if parallel is not None:
        options["parallel"] = parallel
    if tracing:
        options["tracing"] = f"file://{Path(tracing).resolve()}"
    actions: dict[str, Callable[[], object]] = {
        "up": lambda: stack.up(**options),
        "destroy": lambda: stack.destroy(**options),
        "preview": lambda: stack.preview(refresh=True, **options),
        "pack-preview": lambda: stack.preview(refresh=True, **options, **policy_options()),
        "refresh": lambda: stack.refresh(**options),
    }
    directus_pid = instance.pid or 0
    directus_before = _stat(directus_pid)
    self_before, children_before = _self_cpu(), _children_cpu()
    started = time.monotonic()
    with CpuSampler().running() as sampler:
        actions[operation]()
    wall = time.monotonic() - started
    program_cpu = _self_cpu() - self_before
    reaped = _children_cpu() - children_before
    directus_after = _stat(directus_pid)
    directus_cpu = directus_after[1] - directus_before[1] if directus_before and directus_after else 0.0
    requests = Counter(
        " ".join(line.split(" ", 2)[1:]).split("?")[0].rsplit("/", 1)[0] for line in log.read_text().splitlines()
    )
    print(f"{operation} of {info['n']} members: {wall:.1f} s wall; load {os.getloadavg()[0]:.2f}")
    print(f"  {'process':28} {'CPU s':>7} {'share of wall':>14} {'peak MiB':>9}")
    print(f"  {'program (this process)':28} {program_cpu:7.1f} {program_cpu / wall:13.0%} {_self_peak():9.0f}")
    for role, (cpu, peak, count) in sorted(sampler.by_role().items(), key=lambda item: -item[1][0]):
        label = f"{role} x{count}" if count > 1 else role
        print(f"  {label:28} {cpu:7.1f} {cpu / wall:13.0%} {peak / 1024:9.0f}")
    print(f"  (reaped children, rusage: {reaped:.1f} s CPU)")
    print(f"  {'Directus':28} {directus_cpu:7.1f} {directus_cpu / wall:13.0%}")
    print(f"  requests {sum(requests.values())}: " + ", ".join(f"{c} {k}" for k, c in requests.most_common(8)))


def _self_peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup")
    setup_cmd.add_argument("n", type=int)
    setup_cmd.add_argument("dir", type=Path)
    run_cmd = commands.add_parser("run")
    run_cmd.add_argument("dir", type=Path)
    run_cmd.add_argument("operation", choices=["up", "destroy", "preview", "pack-preview", "refresh"])
    run_cmd.add_argument("--parallel", type=int)
    run_cmd.add_argument("--engine-env", action="append", default=[], metavar="KEY=VALUE")
    run_cmd.add_argument("--tracing", metavar="FILE")
    stop_cmd = commands.add_parser("stop")
    stop_cmd.add_argument("dir", type=Path)
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.n, args.dir)
    elif args.command == "run":
        extra = dict(item.split("=", 1) for item in args.engine_env)
        run(args.dir, args.operation, args.parallel, extra, args.tracing)
    else:
        instance = server.running_instance(args.dir / "directus")
        if instance is not None:
            server.stop(instance)


if __name__ == "__main__":
    main()
