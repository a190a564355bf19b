"""Benchmark: provision N members over the three role templates on a fresh local Directus and print figures.

Usage: ``.venv/bin/python -m tools.bench.benchmark [N ...] [--profile P ...] [--phases P,...] [--runs R]`` (default
10 100 300 on ``sqlite``, every phase, 3 runs), or ``make benchmark ARGS="..."``. Several ``--profile``
(``sqlite``, ``postgres-redis``) run one after the other for each N and end with a side-by-side table: each
phase's wall time and requests relative to the first profile.

For each N and profile, on a fresh Directus of that profile and a fresh file-backend stack, it measures (the
phase names ``--phases`` takes in brackets; ``up`` always runs, every other phase needs its stack):

- through the Automation API in this process: ``up`` from empty [up], a no-change ``preview --refresh``
  [preview], a no-change ``refresh`` [refresh], ``mcp-access drift``'s code (its preview, listings and report)
  [drift], a no-change preview with the guardrail policy pack [pack], and, after a destroy, ``up`` from empty
  the way ``mcp-access up`` runs it (a preview with the pack, then ``up`` with it) [guarded];
- as whole processes, the median of ``--runs`` runs, taken in rounds (one of each per round, so that a busy
  moment of a shared machine slows all of them): the ``mcp-access drift --stack bench`` command [cli-drift],
  the ``mcp-access preview --stack bench`` command (a no-change ``preview --refresh`` with the guardrail pack, as
  users run it) [cli-preview], and the official Directus CLI's ``d6s sync diff --to src --mode mirror``
  (``@directus/cli`` 12.2.1, installed by ``tools/bootstrap.sh --with-d6s``) after one ``d6s sync pull --users``
  [d6s]. The end prints the issue's ratio lines, ``| N | drift (ratio) | preview (ratio) | d6s diff |``.

For each phase it prints the wall time, the peak resident memory of the Pulumi engine and of the
dynamic-provider process (sampled from /proc), and the HTTP requests sent to Directus, counted by the client
in every process of this project (program, provider and the ``mcp-access`` commands; d6s's own requests are not
counted) through its request log. It also prints the CPU time of the engine and the processes it started (its
providers), and the machine's 1-minute load average when the phase ended: on a shared machine, a wall time
well above the CPU time with a load above the core count means the figure is noisy. With several N it ends
with how ``up`` from empty grows: ``time(N)/time(smallest N)`` and the exponent that ratio implies.
Nothing is asserted: it prints numbers.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.directus.client import REQUEST_LOG_ENV, DirectusClient
from components.engine.guarded import policy_options
from components.engine.workspace import open_stack
from components.localdev.demo import ensure_demo_collections
from components.localdev.processes import descendants
from components.localdev.profiles import DEFAULT_PROFILE, PROFILES, start_profile
from components.localdev.server import DirectusInstance
from components.names import PROJECT_ROOT
from components.ops.apply.run import ApplyRequest, apply
from components.ops.drift.run import run_drift
from tools.bench.bench_d6s import DIFF_ARGS, D6sProject, d6s_version, ensure_installed
from tools.bench.bench_machine import load_average, machine_lines

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


def stack_config(n: int, url: str, admin_token: str) -> dict[str, auto.ConfigValue]:
    """The benchmark stack's configuration: ``roster(n)`` on the demo collections, the token as a secret."""
    values: dict[str, Any] = {
        "directusUrl": url,
        "members": roster(n),
        "templates": {
            "content": {"collections": ["articles"]},
            "analysis": {"collections": ["articles", "internal_notes"]},
            "developer": {"collections": ["articles"]},
        },
        "guardrails": {"allowAdminAccess": True},
    }
    config = {f"{NS}:{k}": auto.ConfigValue(v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()}
    config[f"{NS}:provisioningToken"] = auto.ConfigValue(admin_token, secret=True)
    return config


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


#: The processes whose peak memory a phase prints, in this order (``benchmark`` is this process: the inline
#: program of the in-process phases).
ROLES = ("benchmark", "mcp-access", "engine", "provider", "analyzer", "d6s", "Directus")


def _role(pid: int) -> str | None:
    """Which of :data:`ROLES` a process below this one is (``None``: a shell or a helper of no interest)."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if comm == "pulumi":
        return "engine"
    if "pulumi.dynamic" in cmdline:
        return "provider"
    if "policy/__main__.py" in cmdline:
        return "analyzer"
    if "mcp-access" in cmdline and comm.startswith(("python", "mcp-access")):
        return "mcp-access"
    if "directus/cli.js start" in cmdline:
        return "Directus"
    if "node_modules/.bin/d6s" in cmdline:
        return "d6s"
    return None


def _reset_peak(pid: int) -> None:
    """Start ``pid``'s VmHWM again from its current size (Linux: ``5`` to ``/proc/PID/clear_refs``)."""
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass
class MemorySampler:
    """Polls the peak RSS (VmHWM) of every process below this one, by role, and of this process.

    At the start this process's and Directus's peaks are reset, so that a phase shows its own peak, not an
    earlier phase's. A process that ends between two polls shows its peak at the last poll.
    """

    interval: float = 0.1
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _poll(self, me: int) -> None:
        for pid in descendants(me):
            role = _role(pid)
            if role:
                self.peaks[role] = max(self.peaks.get(role, 0), _peak_kib(pid))
        self.peaks["benchmark"] = max(self.peaks.get("benchmark", 0), _peak_kib(me))

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self._poll(me)
            self._stop.wait(self.interval)
        self._poll(me)

    @contextmanager
    def running(self) -> Iterator[MemorySampler]:
        me = os.getpid()
        _reset_peak(me)
        for pid in descendants(me):
            if _role(pid) == "Directus":
                _reset_peak(pid)
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
    #: For a whole-process command: the wall time of each run (the phase shows the median run).
    runs: list[float] = field(default_factory=list)
    #: What the command reported, e.g. drift's "clean" or d6s's "no change".
    note: str = ""
    #: Peak resident memory (MiB) of every process of the phase, by role (:data:`ROLES`).
    peaks: dict[str, float] = field(default_factory=dict)
    #: CPU seconds Directus spent during the phase (its share of the work, whatever the machine's load).
    directus_cpu: float = 0.0

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


def _directus_cpu() -> float:
    """CPU seconds of the Directus processes below this one (the benchmark's own server)."""
    total = 0.0
    for pid in descendants(os.getpid()):
        if _role(pid) == "Directus":
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(name: str, log: Path, action: Callable[[], Any]) -> Phase:
    log.write_text("")
    cpu_before = _children_cpu()
    directus_before = _directus_cpu()
    started = time.monotonic()
    with MemorySampler().running() as sampler:
        action()
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    directus_cpu = _directus_cpu() - directus_before
    requests = Counter(_kind(line) for line in log.read_text().splitlines() if line.strip())
    return Phase(
        name,
        seconds,
        sampler.peaks.get("engine", 0) / 1024,
        sampler.peaks.get("provider", 0) / 1024,
        requests,
        cpu,
        os.getloadavg()[0],
        peaks={role: kib / 1024 for role, kib in sampler.peaks.items()},
        directus_cpu=directus_cpu,
    )


#: The phases ``--phases`` chooses from, in the order they run. ``up`` always runs: the others need its stack.
IN_PROCESS_PHASES = ("up", "preview", "refresh", "drift", "pack", "guarded")
WHOLE_PROCESS_PHASES = ("cli-drift", "cli-preview", "cli-preview-engine", "cli-up", "d6s", "floor")
PHASES = IN_PROCESS_PHASES + WHOLE_PROCESS_PHASES
STACK = "bench"


def parse_phases(text: str) -> tuple[str, ...]:
    """``up,drift,d6s`` -> the chosen phases in running order (``up`` always included)."""
    chosen = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(chosen - set(PHASES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown phase {', '.join(unknown)} (choose from {', '.join(PHASES)})")
    return tuple(name for name in PHASES if name in chosen or name == "up")


def median_run(runs: list[Phase]) -> Phase:
    """The run with the median wall time (the lower of the two middle ones for an even count)."""
    ordered = sorted(runs, key=lambda phase: phase.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    return Phase(
        f"{middle.name}, median of {len(runs)}",
        middle.seconds,
        middle.engine_mib,
        middle.provider_mib,
        middle.requests,
        middle.cpu_seconds,
        middle.load,
        runs=[phase.seconds for phase in runs],
        note=middle.note,
        peaks=middle.peaks,
        directus_cpu=middle.directus_cpu,
    )


@dataclass
class Command:
    """One whole-process command the benchmark times: its argv, environment, and accepted exit codes."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path | None = None
    ok_codes: tuple[int, ...] = (0,)
    #: Values shown as *** in any output the benchmark prints (the admin token, the passphrase).
    masked: tuple[str, ...] = ()
    #: Checks the output of a successful run; returns a note for the table (e.g. "no change") or raises.
    check: Callable[[str, int], str] | None = None
    #: The note of the last run.
    note: str = ""

    def run(self) -> None:
        done = subprocess.run(self.argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False)
        output = f"{done.stdout}{done.stderr}"
        for value in self.masked:
            output = output.replace(value, "***")
        if done.returncode not in self.ok_codes:
            raise RuntimeError(f"{self.name} exited {done.returncode}:\n{output[-4000:]}")
        self.note = self.check(done.stdout, done.returncode) if self.check else f"exit {done.returncode}"


def _drift_note(stdout: str, code: int) -> str:
    return "clean" if code == 0 else "findings (exit 1)"


_PREVIEW_SUMMARY = re.compile(r"finished in [\d.]+s: (\{.*\})\s*$")


def _preview_note(stdout: str, code: int) -> str:
    """``pulumi preview (stack bench) finished in 1.0s: {'same': 41}`` -> ``no change (41 same)``."""
    found = _PREVIEW_SUMMARY.search(stdout)
    changes: dict[str, int] = ast.literal_eval(found.group(1)) if found else {}
    if set(changes) == {"same"}:
        return f"no change ({changes['same']} same)"
    return f"changes! {changes}"


def _d6s_note(stdout: str, code: int) -> str:
    return "changes!" if json.loads(stdout)["changes"] else "no change"


def whole_process_commands(
    chosen: tuple[str, ...], work_dir: Path, env: dict[str, str], d6s: D6sProject | None, masked: tuple[str, ...]
) -> list[Command]:
    """The ``mcp-access`` commands as users run them (the venv's entry point), and the d6s diff."""
    mcp_access = str(Path(sys.executable).parent / "mcp-access")
    stack_args = ["--stack", STACK, "--repo", str(work_dir)]
    process_env = {**os.environ, **env}
    commands = []
    if "cli-drift" in chosen:
        drift = [mcp_access, "drift", *stack_args]  # exit 1: findings, the report still ran in full; 2: error
        commands.append(
            Command("mcp-access drift", drift, process_env, ok_codes=(0, 1), masked=masked, check=_drift_note)
        )
    if "cli-preview" in chosen:
        preview = [mcp_access, "preview", *stack_args]
        commands.append(Command("mcp-access preview", preview, process_env, masked=masked, check=_preview_note))
    if "cli-preview-engine" in chosen:
        engine = [mcp_access, "preview", *stack_args, "--engine"]
        commands.append(Command("engine preview", engine, process_env, masked=masked, check=_preview_note))
    if "cli-up" in chosen:
        up = [mcp_access, "up", *stack_args]  # no change: the pack's preview, then `up --refresh` with the pack
        commands.append(Command("mcp-access up (no change)", up, process_env, masked=masked, check=_preview_note))
    if d6s is not None:
        diff = d6s.argv(*DIFF_ARGS)
        commands.append(Command("d6s sync diff", diff, d6s.env(), cwd=d6s.folder, masked=masked, check=_d6s_note))
    return commands


def time_whole_processes(commands: list[Command], log: Path, runs: int) -> list[Phase]:
    """Each command ``runs`` times, in rounds; the median run of each."""
    timings: dict[str, list[Phase]] = {command.name: [] for command in commands}
    for _ in range(runs):
        for command in commands:
            phase = measure(command.name, log, command.run)
            phase.note = command.note
            timings[command.name].append(phase)
    return [median_run(phases) for phases in timings.values()]


def run(
    n: int,
    base: Path,
    extra_env: dict[str, str] | None = None,
    profile: str = DEFAULT_PROFILE,
    chosen: tuple[str, ...] = PHASES,
    runs: int = 3,
    d6s_executable: Path | None = None,
) -> list[Phase]:
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
        passphrase = secrets.token_hex(16)
        env = {
            "PULUMI_BACKEND_URL": (base / "state").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            REQUEST_LOG_ENV: str(log),
            **(extra_env or {}),
        }
        os.environ[REQUEST_LOG_ENV] = str(log)  # the inline program runs in this process
        stack = open_stack(STACK, work_dir=work_dir, env=env)
        stack.set_all_config(stack_config(n, instance.url, instance.admin_token))
        pack = policy_options()
        in_process: dict[str, tuple[str, Callable[[], Any]]] = {
            "up": ("up (from empty)", lambda: stack.up(color="never")),
            "preview": ("preview --refresh (no change)", lambda: stack.preview(refresh=True, color="never")),
            "refresh": ("refresh (no change)", lambda: stack.refresh(color="never")),
            "drift": ("drift (no change)", lambda: run_drift(stack)),
            "pack": ("preview + policy pack", lambda: stack.preview(refresh=True, color="never", **pack)),
        }
        phases = [measure(name, log, action) for key, (name, action) in in_process.items() if key in chosen]
        d6s: D6sProject | None = None
        if "d6s" in chosen and d6s_executable is not None:
            d6s = D6sProject(d6s_executable, base / "d6s", instance.url, instance.admin_token)
            started = time.monotonic()
            d6s.set_up()
            print(f"  (d6s profile add + sync pull --users, once: {time.monotonic() - started:.1f} s)")
        masked = (instance.admin_token, passphrase)
        phases += time_whole_processes(whole_process_commands(chosen, work_dir, env, d6s, masked), log, runs)
        if "floor" in chosen:
            phases.append(measure("plain REST floor (N POST /users)", log, lambda: rest_floor(instance, n)))
        if "guarded" in chosen:
            stack.destroy(color="never")
            # What `mcp-access up` does, through the same apply path: guard, pack preview, `up --refresh` with it.
            phases.append(measure("mcp-access up (from empty)", log, lambda: apply(stack, ApplyRequest())))
            stack.destroy(color="never")
        return phases
    finally:
        os.environ.pop(REQUEST_LOG_ENV, None)
        running.stop()


def rest_floor(instance: DirectusInstance, n: int) -> None:
    """What any tool must at least send for ``up``: N users, each created with a role and a token in one
    ``POST /users``, one after another (then removed, untimed by the ratio that matters: the POSTs dominate)."""
    with DirectusClient(instance.url, instance.admin_token) as admin:
        role = admin.create("/roles", {"name": "floor"})["id"]
        ids = [
            admin.create(
                "/users",
                {
                    "email": f"floor-{i}@bench.example.com",
                    "role": role,
                    "status": "active",
                    "token": secrets.token_urlsafe(32),
                },
            )["id"]
            for i in range(n)
        ]
        admin.delete_many("/users", ids)
        admin.delete("/roles", role)


def report(n: int, phases: list[Phase], verbose: bool) -> None:
    print(f"\nN = {n} members ({', '.join(f'{t} {c}' for t, c in Counter(m['template'] for m in roster(n)).items())})")
    print(
        f"  {'phase':40} {'wall s':>8} {'CPU s':>7} {'engine MiB':>11} {'provider MiB':>13} {'requests':>9} {'load':>5}"
    )
    for phase in phases:
        print(
            f"  {phase.name:40} {phase.seconds:8.1f} {phase.cpu_seconds:7.1f} {phase.engine_mib:11.0f} "
            f"{phase.provider_mib:13.0f} {phase.total_requests:9d} {phase.load:5.1f}"
            + (f"  runs {', '.join(f'{s:.1f}' for s in phase.runs)} s" if phase.runs else "")
            + (f"  [{phase.note}]" if phase.note else "")
        )
        peaks = ", ".join(f"{role} {phase.peaks[role]:.0f}" for role in ROLES if phase.peaks.get(role))
        print(f"  {'':40} Directus CPU {phase.directus_cpu:.1f} s; peak MiB: {peaks}")
        if verbose:
            for kind, count in phase.requests.most_common():
                print(f"      {count:6d}  {kind}")


def compare(n: int, results: dict[str, list[Phase]]) -> None:
    """Each phase's wall time and request count on every profile, as a ratio to the first profile's."""
    base_name, base = next(iter(results.items()))
    print(f"\nN = {n}: relative to {base_name} (wall time ratio, requests ratio)")
    print(f"  {'phase':40} " + " ".join(f"{name:>22}" for name in results))
    for index, phase in enumerate(base):
        cells = []
        for phases in results.values():
            other = phases[index]
            # d6s's requests are not counted: no ratio rather than 0.00x.
            requests = f"{other.total_requests / phase.total_requests:9.2f}x" if phase.total_requests else f"{'-':>10}"
            cells.append(f"{other.seconds / phase.seconds:9.2f}x {requests}  ")
        print(f"  {phase.name:40} " + " ".join(f"{c:>22}" for c in cells))


def _find(phases: list[Phase], prefix: str) -> Phase | None:
    return next((phase for phase in phases if phase.name.startswith(prefix)), None)


def ratio_lines(by_size: dict[int, list[Phase]]) -> list[str]:
    """The issue's table: each whole-process median, with its ratio to the d6s diff's on the same Directus."""
    lines = [
        "| N | `mcp-access drift` | `mcp-access preview` | `preview --engine` | "
        "`d6s sync diff --to src --mode mirror` |",
        "|---|---|---|---|---|",
    ]
    for n, phases in by_size.items():
        d6s = _find(phases, "d6s sync diff")
        cells = []
        for prefix in ("mcp-access drift", "mcp-access preview", "engine preview"):
            phase = _find(phases, prefix)
            if phase is None:
                cells.append("-")
            elif d6s is None:
                cells.append(f"{phase.seconds:.1f} s")
            else:
                cells.append(f"{phase.seconds:.1f} s ({phase.seconds / d6s.seconds:.2f}x)")
        cells.append(f"{d6s.seconds:.1f} s" if d6s else "-")
        lines.append(f"| {n} | {' | '.join(cells)} |")
    return lines


def floor_lines(by_size: dict[int, list[Phase]]) -> list[str]:
    """``up`` from empty against the plain REST floor on the same Directus in the same run, at each N."""
    lines = [
        "| N | `up` from empty | `mcp-access up` (pack) | plain REST floor | up / floor |",
        "|---|---|---|---|---|",
    ]
    for n, phases in by_size.items():
        up, guarded, floor = (
            _find(phases, p) for p in ("up (from empty)", "mcp-access up (from empty)", "plain REST floor")
        )
        if floor is None:
            continue
        cells = [f"{p.seconds:.1f} s" if p else "-" for p in (up, guarded, floor)]
        ratio = f"{up.seconds / floor.seconds:.2f}x" if up else "-"
        lines.append(f"| {n} | {' | '.join(cells)} | {ratio} |")
    return lines if len(lines) > 2 else []


def no_change_lines(by_size: dict[int, list[Phase]]) -> list[str]:
    """A no-change ``mcp-access up`` against the no-change ``mcp-access preview`` (issue 24: at most 1x)."""
    lines = []
    for n, phases in by_size.items():
        up, preview = _find(phases, "mcp-access up (no change)"), _find(phases, "mcp-access preview")
        if up and preview:
            lines.append(
                f"N={n}: no-change `mcp-access up` {up.seconds:.1f} s, no-change `mcp-access preview` "
                f"{preview.seconds:.1f} s: {up.seconds / preview.seconds:.2f}x"
            )
    return lines


def up_growth_lines(by_size: dict[int, list[Phase]]) -> list[str]:
    """``up`` from empty at each N against the smallest: time ratio, the exponent it implies, engine peak memory."""
    ups = {n: phase for n, phases in sorted(by_size.items()) if (phase := _find(phases, "up (from empty)"))}
    if len(ups) < 2:
        return []
    smallest, first = next(iter(ups.items()))
    figures = ", ".join(f"N={n} {p.seconds:.1f} s ({p.engine_mib:.0f} MiB engine)" for n, p in ups.items())
    lines = [f"up from empty: {figures}"]
    for n, phase in list(ups.items())[1:]:
        ratio = phase.seconds / first.seconds
        exponent = math.log(ratio) / math.log(n / smallest) if ratio > 0 else float("nan")
        lines.append(f"  time({n})/time({smallest}) = {ratio:.1f} (N^{exponent:.2f})")
    largest, last = list(ups.items())[-1]
    lines.append(f"  engine peak memory at N={largest}: {last.engine_mib:.0f} MiB")
    return lines


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
    parser.add_argument(
        "--phases",
        type=parse_phases,
        default=PHASES,
        metavar="P,...",
        help=f"phases to run, comma-separated, from {','.join(PHASES)} (default: all; up always runs)",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each whole-process command; the median counts (default 3)"
    )
    parser.add_argument(
        "--runs-at",
        action="append",
        default=[],
        metavar="N=R",
        help="R runs instead of --runs at N members, e.g. 1000=1 (a 1000-member round takes minutes)",
    )
    args = parser.parse_args()
    try:
        runs_at = {int(n): int(r) for n, r in (item.split("=", 1) for item in args.runs_at)}
    except ValueError:
        parser.error(f"--runs-at takes N=R with whole numbers, not {args.runs_at}")
    if min([args.runs, *runs_at.values()]) < 1:
        parser.error(f"--runs and --runs-at must be at least 1, not {args.runs} {args.runs_at}")
    profiles = args.profile or [DEFAULT_PROFILE]
    extra_env = dict(item.split("=", 1) for item in args.engine_env)
    for line in machine_lines():
        print(line)
    d6s_executable = None
    if "d6s" in args.phases:
        d6s_executable = ensure_installed()
        print(f"d6s: {d6s_version(d6s_executable)} ({d6s_executable})")
    runs_text = ", ".join(f"{runs_at.get(n, args.runs)} at N={n}" for n in args.sizes)
    print(f"phases: {', '.join(args.phases)}; whole-process commands: median of {runs_text}")
    print(f"load average at start: {load_average()}")
    by_profile: dict[str, dict[int, list[Phase]]] = {profile: {} for profile in profiles}
    for n in args.sizes:
        results: dict[str, list[Phase]] = {}
        for profile in profiles:
            with tempfile.TemporaryDirectory(prefix=f"bench-{n}-{profile}-") as tmp:
                runs = runs_at.get(n, args.runs)
                results[profile] = run(n, Path(tmp), extra_env, profile, args.phases, runs, d6s_executable)
            by_profile[profile][n] = results[profile]
            print(f"\nprofile {profile}:", end="")
            report(n, results[profile], args.verbose)
        if len(results) > 1:
            compare(n, results)
    for profile, by_size in by_profile.items():
        print(f"\nprofile {profile}: whole processes, median of {runs_text}, ratio to the d6s diff in the same run")
        for line in ratio_lines(by_size) + floor_lines(by_size) + no_change_lines(by_size) + up_growth_lines(by_size):
            print(line)
    print(f"\nload average at end: {load_average()}")


if __name__ == "__main__":
    main()
