"""Benchmark: provision N members over the three role templates on a fresh local Directus and print figures.

Usage: ``.venv/bin/python tools/benchmark.py [N ...] [--profile P ...]`` (default 10 100 300 on ``sqlite``), or
``make benchmark``. Several ``--profile`` (``sqlite``, ``postgres-redis``) run one after the other for each N
and end with a side-by-side table: each phase's wall time and requests relative to the first profile.

For each N and profile, on a fresh Directus of that profile and a fresh file-backend stack, it measures: ``up``
from empty, a no-change ``preview --refresh``, a no-change ``refresh``, ``mcp-access drift`` (its preview, listings and
report), a no-change preview with the guardrail policy pack, and, after a destroy, ``up`` from empty the way
``mcp-access up`` runs it (a preview with the pack, then ``up`` with it).

For each phase it prints the wall time, the peak resident memory of the Pulumi engine and of the
dynamic-provider process (sampled from /proc), and the HTTP requests sent to Directus, counted by the client
in every process (program and provider) through its request log. It also prints the CPU time of the engine and
the processes it started (its providers), and the machine's 1-minute load average when the phase ended: on a
shared machine, a wall time well above the CPU time with a load above the core count means the figure is noisy.
Nothing is asserted: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import secrets
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.client import REQUEST_LOG_ENV, DirectusClient
from components.engine.guarded import POLICY_PACK, guarded_up
from components.engine.workspace import open_stack
from components.localdev.demo import ensure_demo_collections
from components.localdev.processes import descendants
from components.localdev.profiles import DEFAULT_PROFILE, PROFILES, start_profile
from components.names import PROJECT_ROOT
from components.ops.drift.run import run_drift

NS = "directus-mcp-access"
# The unlicensed core tier counts users with admin access as seats (3 at most, the bootstrap admin is one):
# the developer template (admin_access) therefore gets at most two members.
DEVELOPERS = 2


def roster(n: int) -> list[dict[str, Any]]:
    members = []
    for i in range(n):
        template = "developer" if i < min(DEVELOPERS, n // 10) else ("content" if i % 2 == 0 else "analysis")
        members.append({"name": f"m{i:03d}", "email": f"member{i:03d}@company.com", "template": template})
    return members


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _role(pid: int) -> str | None:
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if comm == "pulumi":
        return "engine"
    if "pulumi.dynamic" in cmdline:
        return "provider"
    return None


@dataclass
class MemorySampler:
    """Polls the peak RSS (VmHWM) of the engine and provider processes below this one."""

    interval: float = 0.1
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            for pid in descendants(me):
                role = _role(pid)
                if role:
                    self.peaks[role] = max(self.peaks.get(role, 0), _peak_kib(pid))
            self._stop.wait(self.interval)

    @contextmanager
    def running(self) -> Iterator[MemorySampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


@dataclass
class Phase:
    name: str
    seconds: float
    engine_mib: float
    provider_mib: float
    requests: Counter[str]
    #: CPU seconds (user + system) of the processes the phase started and reaped: the engine and its providers.
    cpu_seconds: float = 0.0
    #: 1-minute load average when the phase ended.
    load: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


_ID = re.compile(r"^([0-9a-f]{8}-[0-9a-f-]{27}|\d+)$")


def _kind(line: str) -> str:
    """``123 GET /users/<uuid>`` -> ``GET /users/:id``; lists keep their path."""
    _, method, path = line.split(" ", 2)
    parts = [":id" if _ID.match(part) else part for part in path.strip().split("/")]
    return f"{method} {'/'.join(parts)}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, log: Path, action: Callable[[], Any]) -> Phase:
    log.write_text("")
    cpu_before = _children_cpu()
    started = time.monotonic()
    with MemorySampler().running() as sampler:
        action()
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    requests = Counter(_kind(line) for line in log.read_text().splitlines() if line.strip())
    return Phase(
        name,
        seconds,
        sampler.peaks.get("engine", 0) / 1024,
        sampler.peaks.get("provider", 0) / 1024,
        requests,
        cpu,
        os.getloadavg()[0],
    )


def run(n: int, base: Path, extra_env: dict[str, str] | None = None, profile: str = DEFAULT_PROFILE) -> list[Phase]:
    running = start_profile(profile, base / "directus")
    instance = running.instance
    try:
        with DirectusClient(instance.url, instance.admin_token) as admin:
            ensure_demo_collections(admin)
        work_dir = base / "project"
        (work_dir / "stacks").mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
        (base / "state").mkdir()
        log = base / "requests.log"
        env = {
            "PULUMI_BACKEND_URL": (base / "state").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_hex(16),
            REQUEST_LOG_ENV: str(log),
            **(extra_env or {}),
        }
        os.environ[REQUEST_LOG_ENV] = str(log)  # the inline program runs in this process
        stack = open_stack("bench", work_dir=work_dir, env=env)
        values: dict[str, Any] = {
            "directusUrl": instance.url,
            "members": roster(n),
            "templates": {
                "content": {"collections": ["articles"]},
                "analysis": {"collections": ["articles", "internal_notes"]},
                "developer": {"collections": ["articles"]},
            },
            "guardrails": {"allowAdminAccess": True},
        }
        config = {f"{NS}:{k}": auto.ConfigValue(v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()}
        config[f"{NS}:provisioningToken"] = auto.ConfigValue(instance.admin_token, secret=True)
        stack.set_all_config(config)
        pack: dict[str, Any] = {"policy_packs": [str(POLICY_PACK)]}
        phases = [
            measure("up (from empty)", log, lambda: stack.up(color="never")),
            measure("preview --refresh (no change)", log, lambda: stack.preview(refresh=True, color="never")),
            measure("refresh (no change)", log, lambda: stack.refresh(color="never")),
            measure("drift (no change)", log, lambda: run_drift(stack)),
            measure("preview + policy pack", log, lambda: stack.preview(refresh=True, color="never", **pack)),
        ]
        stack.destroy(color="never")
        # What `mcp-access up` does: a preview with the guardrail pack, then `up --refresh` with it.
        phases.append(measure("mcp-access up (from empty)", log, lambda: guarded_up(stack, pack)))
        stack.destroy(color="never")
        return phases
    finally:
        os.environ.pop(REQUEST_LOG_ENV, None)
        running.stop()


def report(n: int, phases: list[Phase], verbose: bool) -> None:
    print(f"\nN = {n} members ({', '.join(f'{t} {c}' for t, c in Counter(m['template'] for m in roster(n)).items())})")
    print(
        f"  {'phase':32} {'wall s':>8} {'CPU s':>7} {'engine MiB':>11} {'provider MiB':>13} {'requests':>9} {'load':>5}"
    )
    for phase in phases:
        print(
            f"  {phase.name:32} {phase.seconds:8.1f} {phase.cpu_seconds:7.1f} {phase.engine_mib:11.0f} "
            f"{phase.provider_mib:13.0f} {phase.total_requests:9d} {phase.load:5.1f}"
        )
        if verbose:
            for kind, count in phase.requests.most_common():
                print(f"      {count:6d}  {kind}")


def compare(n: int, results: dict[str, list[Phase]]) -> None:
    """Each phase's wall time and request count on every profile, as a ratio to the first profile's."""
    base_name, base = next(iter(results.items()))
    print(f"\nN = {n}: relative to {base_name} (wall time ratio, requests ratio)")
    print(f"  {'phase':32} " + " ".join(f"{name:>22}" for name in results))
    for index, phase in enumerate(base):
        cells = []
        for phases in results.values():
            other = phases[index]
            cells.append(
                f"{other.seconds / phase.seconds:9.2f}x {other.total_requests / max(phase.total_requests, 1):9.2f}x  "
            )
        print(f"  {phase.name:32} " + " ".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 100, 300])
    parser.add_argument("--verbose", "-v", action="store_true", help="break the requests down by endpoint")
    parser.add_argument(
        "--engine-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the engine, e.g. PULUMI_SKIP_CHECKPOINTS=true (to attribute time)",
    )
    parser.add_argument(
        "--profile",
        action="append",
        choices=sorted(PROFILES),
        help=f"Directus profile (repeat to compare side by side; default {DEFAULT_PROFILE})",
    )
    args = parser.parse_args()
    profiles = args.profile or [DEFAULT_PROFILE]
    extra_env = dict(item.split("=", 1) for item in args.engine_env)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    )
    for n in args.sizes:
        results: dict[str, list[Phase]] = {}
        for profile in profiles:
            with tempfile.TemporaryDirectory(prefix=f"bench-{n}-{profile}-") as tmp:
                results[profile] = run(n, Path(tmp), extra_env, profile)
            print(f"\nprofile {profile}:", end="")
            report(n, results[profile], args.verbose)
        if len(results) > 1:
            compare(n, results)


if __name__ == "__main__":
    main()
