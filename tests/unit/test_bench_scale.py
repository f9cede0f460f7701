"""bench.scale's report: the growth of each operation and the last line naming the worst."""

from __future__ import annotations

from bench.common import Latency
from bench.scale import Grown, report


def test_the_last_line_names_the_operation_that_grew_most(capsys):
    small = {"command": Latency.of([0.010, 0.012]), "timeline page": Latency.of([0.020, 0.020])}
    large = {"command": Latency.of([0.011, 0.013]), "timeline page": Latency.of([0.060, 0.060])}
    report([(Grown(2_000, 22), small), (Grown(60_000, 660), large)])
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "scale: worst growth 3.00x (timeline page)"
    command_growth = next(line for line in printed if line.startswith("command ") and "x" in line)
    assert command_growth.split()[-1] == "1.09x"  # 12 ms / 11 ms at p50


def test_a_flat_history_reports_no_growth(capsys):
    same = {"command": Latency.of([0.010]), "overview": Latency.of([0.030])}
    report([(Grown(1_000, 11), same), (Grown(6_000, 66), same)])
    assert capsys.readouterr().out.splitlines()[-1].startswith("scale: worst growth 1.00x")
