"""Benchmark of the HTML report's render layer: N members (fabricated facts, no Directus) to one page.

Usage: ``.venv/bin/python -m tools.bench.report_benchmark [N ...] [--runs R]`` (default 300, 3 runs). Prints, per N, the
median render time (facts → view → HTML) and the page's size. The facts are the unit tests' hand-built ones
(``tests/helpers/report_facts.py``): three templates, six collections, 30 days of activity, drift and audit
findings, rotations and OAuth grants; gathering them from a real Directus is not measured here (it is the drift
and audit commands' time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `tests` (the facts it renders) from a checkout

from components.ops.report.render import render_page
from tests.helpers.report_facts import report_facts, stack_facts

#: What the issue's benchmark states for 300 members: the budget a render must stay within.
BUDGET_SECONDS = 5.0
BUDGET_BYTES = 3 * 1024 * 1024


def measure(members: int, runs: int = 3) -> tuple[float, int]:
    """The median render time in seconds and the page's size in bytes for ``members`` members."""
    facts = report_facts(stack_facts("production", members))
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(render_page(facts).encode())
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="*", type=int, default=[300])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for members in args.members:
        seconds, size = measure(members, args.runs)
        verdict = "within" if seconds <= BUDGET_SECONDS and size <= BUDGET_BYTES else "OVER"
        print(
            f"report render, {members} members: {seconds:.2f} s (median of {args.runs}), {size / 1024:.0f} KiB "
            f"({verdict} the budget of {BUDGET_SECONDS:.0f} s and {BUDGET_BYTES // 1024 // 1024} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
