"""What the benchmark ran on: the machine and the versions, printed before the figures."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from components.engine.workspace import pulumi_bin_dir
from components.localdev.server import installed_version


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"


def memory_gib() -> float:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24576000 kB"
    return int(total.split()[0]) / 1024**2 if total else 0.0


def pulumi_version() -> str:
    bin_dir = pulumi_bin_dir()
    pulumi = str(bin_dir / "pulumi") if bin_dir else "pulumi"
    done = subprocess.run([pulumi, "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_lines() -> list[str]:
    return [
        f"machine: {platform.node()}, {os.cpu_count()} cores ({cpu_model()}), {memory_gib():.1f} GiB memory, "
        f"{platform.platform()}, Python {platform.python_version()}",
        f"versions: Directus {installed_version()}, Pulumi {pulumi_version()}",
    ]
