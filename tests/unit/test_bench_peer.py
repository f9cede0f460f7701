"""bench.peer's figures: the workload's order, each store's growth, the ratio and the last line."""

from __future__ import annotations

from collections import Counter

from bench.peer import PEER_POSTGRES, PEER_SQLITE, PROJECT, PROJECT_NO_CACHE, Run, report, workload


def steady(name: str, seconds: float, n: int = 100) -> Run:
    return Run(name, (seconds,) * n)


def the_four(project: Run) -> list[Run]:
    return [project, steady(PROJECT_NO_CACHE, 0.050), steady(PEER_POSTGRES, 0.010),
            steady(PEER_SQLITE, 0.004)]  # fmt: skip


def test_growth_is_the_last_tenth_mean_over_the_first_tenth_mean():
    run = Run(PROJECT, (0.010, 0.012, *([0.020] * 16), 0.030, 0.036))
    assert round(run.first_tenth, 9) == 0.011
    assert round(run.last_tenth, 9) == 0.033
    assert round(run.growth, 9) == 3.0


def test_a_run_shorter_than_ten_commands_compares_its_first_and_last_command():
    assert Run(PROJECT, (0.010, 0.020, 0.040)).growth == 4.0


def test_commands_per_second_are_the_commands_over_the_time_spent_in_them():
    assert round(steady(PROJECT, 0.004, n=50).per_second, 9) == 250.0


def test_the_last_line_is_the_configured_project_over_pyeventsourcing_on_postgresql(capsys):
    report(the_four(steady(PROJECT, 0.005)))  # 200/s against 100/s
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "peer: project/pyeventsourcing-postgresql 2.00x"


def test_each_row_shows_the_configured_project_over_that_store(capsys):
    report(the_four(steady(PROJECT, 0.005)))
    rows = {line.split("  ")[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert rows[PROJECT][-1] == "1.00x"
    assert rows[PROJECT_NO_CACHE][-1] == "10.00x"  # 0.050 s a command against 0.005
    assert rows[PEER_SQLITE][-1] == "0.80x"
    assert rows[PEER_SQLITE][-2] == "1.00x"  # steady: no growth


def test_the_target_needs_the_ratio_and_a_flat_cost(capsys):
    report(the_four(steady(PROJECT, 0.005)))
    assert "target met" in capsys.readouterr().out
    growing = Run(PROJECT, (0.002,) * 10 + (0.004,) * 80 + (0.006,) * 10)  # 3x, still faster
    report(the_four(growing))
    printed = capsys.readouterr().out
    assert "TARGET MISSED" in printed
    assert printed.splitlines()[-1] == "peer: project/pyeventsourcing-postgresql 2.50x"


def test_the_workload_gives_every_stream_one_turn_in_each_round():
    order = workload(commands=53, streams=10)
    assert len(order) == 53
    for start in range(0, 50, 10):
        assert sorted(order[start : start + 10]) == list(range(10))
    assert len(set(order[50:])) == 3
    assert Counter(order).most_common(1)[0][1] == 6


def test_the_workload_is_a_seeded_shuffle_the_same_for_every_store():
    order = workload(commands=200, streams=20)
    assert order == workload(commands=200, streams=20)
    assert order != [n % 20 for n in range(200)]
    assert order != workload(commands=200, streams=20, seed=11)
    assert order[:20] != order[20:40]  # each round in its own order
