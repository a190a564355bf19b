"""The benchmark's own logic (tools/bench/benchmark.py): what it prints from the figures, and the d6s it pins.

The benchmark itself asserts nothing and runs for minutes; these check its arithmetic and its output's shape.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import pytest

from components.names import PROJECT_ROOT
from tools.bench import bench_d6s, benchmark
from tools.bench.benchmark import Phase


def phase(name: str, seconds: float, engine_mib: float = 100.0) -> Phase:
    return Phase(name, seconds, engine_mib, 50.0, Counter())


def test_phases_run_in_their_order_with_up_always_and_unknown_names_refused() -> None:
    assert benchmark.parse_phases("d6s, cli-drift") == ("up", "cli-drift", "d6s")
    with pytest.raises(argparse.ArgumentTypeError, match="unknown phase dirft"):
        benchmark.parse_phases("up,dirft")


def test_a_whole_process_phase_shows_its_median_run_and_every_run() -> None:
    runs = [phase("mcp-access drift", 9.0, 190), phase("mcp-access drift", 30.0, 300), phase("mcp-access drift", 8.0)]
    median = benchmark.median_run(runs)
    assert (median.name, median.seconds, median.engine_mib) == ("mcp-access drift, median of 3", 9.0, 190)
    assert median.runs == [9.0, 30.0, 8.0]


def test_ratio_lines_have_the_issues_shape() -> None:
    by_size = {
        100: [
            phase("up (from empty)", 30.0),
            benchmark.median_run([phase("mcp-access drift", 11.2)]),
            benchmark.median_run([phase("mcp-access preview", 11.6)]),
            benchmark.median_run([phase("engine preview", 12.8)]),
            benchmark.median_run([phase("d6s sync diff", 6.4)]),
        ],
        1000: [phase("up (from empty)", 300.0)],
    }
    lines = benchmark.ratio_lines(by_size)
    assert lines[0] == (
        "| N | `mcp-access drift` | `mcp-access preview` | `preview --engine` | "
        "`d6s sync diff --to src --mode mirror` |"
    )
    assert lines[2] == "| 100 | 11.2 s (1.75x) | 11.6 s (1.81x) | 12.8 s (2.00x) | 6.4 s |"
    assert lines[3] == "| 1000 | - | - | - | - |"


def test_floor_lines_set_up_against_the_plain_rest_floor_of_the_same_run() -> None:
    by_size = {
        100: [phase("up (from empty)", 9.0), phase("plain REST floor (N POST /users)", 2.5)],
        300: [phase("up (from empty)", 21.0)],
    }
    assert benchmark.floor_lines(by_size)[2] == "| 100 | 9.0 s | - | 2.5 s | 3.60x |"
    assert len(benchmark.floor_lines(by_size)) == 3  # no floor measured at 300: no row
    assert benchmark.floor_lines({300: by_size[300]}) == []


def test_up_growth_gives_the_time_ratio_its_exponent_and_the_engine_peak_at_the_largest_n() -> None:
    by_size = {
        n: [phase("up (from empty)", seconds, mib)] for n, seconds, mib in [(100, 10.0, 250), (1000, 160.0, 900)]
    }
    lines = benchmark.up_growth_lines(by_size)
    assert "  time(1000)/time(100) = 16.0 (N^1.20)" in lines
    assert lines[-1] == "  engine peak memory at N=1000: 900 MiB"
    assert benchmark.up_growth_lines({100: by_size[100]}) == []


def test_a_no_change_preview_is_told_apart_from_one_with_changes() -> None:
    out = "...\npulumi preview (stack bench) finished in 1.0s: {'same': 41}\n"
    assert benchmark._preview_note(out, 0) == "no change (41 same)"
    assert benchmark._preview_note(out.replace("{'same': 41}", "{'same': 40, 'update': 1}"), 0).startswith("changes!")


def test_d6s_is_pinned_to_the_version_the_issue_compares_with_in_its_own_cache_folder() -> None:
    package = json.loads((PROJECT_ROOT / "tools" / "d6s" / "package.json").read_text())
    lock = json.loads((PROJECT_ROOT / "tools" / "d6s" / "package-lock.json").read_text())
    assert package["dependencies"] == {"@directus/cli": "12.2.1"} and bench_d6s.pinned_version() == "12.2.1"
    assert lock["packages"]["node_modules/@directus/cli"]["version"] == "12.2.1"
    assert bench_d6s.install_dir().name == "d6s-12.2.1"


def test_d6s_gets_the_token_in_its_environment_never_on_its_command_line() -> None:
    project = bench_d6s.D6sProject(PROJECT_ROOT / "d6s", PROJECT_ROOT, "http://127.0.0.1:1", "secret-admin-token")
    assert "secret-admin-token" not in " ".join(project.argv(*bench_d6s.DIFF_ARGS))
    env = project.env()
    assert env["DIRECTUS_SRC_TOKEN"] == "secret-admin-token" and env["CI"] == "true"
