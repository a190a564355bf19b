"""The report's render benchmark (tools/bench/report_benchmark.py): 300 members render within its stated budget."""

from __future__ import annotations

import pytest

from tools.bench import report_benchmark


def test_300_members_render_within_the_stated_time_and_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_benchmark.main(["300", "--runs", "1"]) == 0
    line = capsys.readouterr().out
    print(line)  # the figures, in the test log
    assert line.startswith("report render, 300 members: ")
    seconds, size = report_benchmark.measure(300, runs=1)
    assert seconds <= report_benchmark.BUDGET_SECONDS
    assert 100_000 < size <= report_benchmark.BUDGET_BYTES
